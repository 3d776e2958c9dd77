-- Every issued document's total_with_vat is the sum of its VAT groups' taxable + VAT amounts, its vat_total
-- the sum of their VAT, and its prepaid amount the sum of their prepaid parts; a document without VAT groups
-- fails too. Returns the documents that do not add up.
with groups as (

    select
        company_id,
        invoice_number,
        sum(taxable_amount + vat_amount) as groups_total,
        sum(vat_amount) as groups_vat,
        sum(prepaid_taxable_amount + prepaid_vat_amount) as groups_prepaid
    from {{ ref('stg_billing__invoice_vat_groups') }}
    group by company_id, invoice_number

)

select
    invoices.company_id,
    invoices.invoice_number,
    invoices.total_with_vat,
    groups.groups_total,
    invoices.vat_total,
    groups.groups_vat,
    invoices.prepaid_amount,
    groups.groups_prepaid
from {{ ref('fct_invoices') }} as invoices
left join groups
    on groups.company_id = invoices.company_id
    and groups.invoice_number = invoices.invoice_number
where groups.invoice_number is null
    or invoices.total_with_vat <> groups.groups_total
    or invoices.vat_total <> groups.groups_vat
    or invoices.prepaid_amount <> groups.groups_prepaid
