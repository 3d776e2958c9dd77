-- Dashboard (seed 000): what was billed per company, issue month (the month of the documents' issue date),
-- invoice type and currency: documents, net (BT-106 line totals), VAT (BT-110), gross (BT-112), prepaid
-- (BT-113) and amount due (BT-115), in `currency`. Credit notes count negative, as issued.
select
    company_id,
    cast({{ dbt.date_trunc('month', 'issue_date') }} as date) as issue_month,
    invoice_type,
    currency,
    cast(count(*) as integer) as documents_count,
    cast(sum(line_total) as decimal(18, 2)) as net_amount,
    cast(sum(vat_total) as decimal(18, 2)) as vat_amount,
    cast(sum(total_with_vat) as decimal(18, 2)) as gross_amount,
    cast(sum(prepaid_amount) as decimal(18, 2)) as prepaid_amount,
    cast(sum(amount_due) as decimal(18, 2)) as amount_due
from {{ ref('fct_invoices') }}
group by company_id, cast({{ dbt.date_trunc('month', 'issue_date') }} as date), invoice_type, currency
