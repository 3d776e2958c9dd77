-- The invoice overview: every EMP invoice and credit note issued, with the columns of the seed's Invoice Overview.
with documents as (
    select * from {{ source('emobility_ledger', 'emp_invoices') }}
),

providers as (
    select emp_id, legal_name from {{ ref('stg_emobility__e_mobility_providers') }}
),

companies as (
    select company_id, legal_name from {{ ref('stg_masterdata__companies') }}
)

select
    d.issue_date,
    d.invoice_number,
    coalesce(p.legal_name, d.emp_id) as company_name,
    case d.document_type when 'invoice' then 'Invoice' else 'Credit Note' end as document_type,
    d.emp_id as provider_id,
    strftime(d.invoiced_month, '%Y-%m') as invoiced_month,
    d.gross_amount as total_amount,
    d.currency,
    d.net_amount,
    d.vat_amount,
    d.cdr_count,
    d.due_date,
    d.company_id,
    c.legal_name as issuer_name,
    d.country_code
from documents as d
left join providers as p on p.emp_id = d.emp_id
left join companies as c on c.company_id = d.company_id
