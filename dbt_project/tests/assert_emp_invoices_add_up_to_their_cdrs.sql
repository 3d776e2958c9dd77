-- Every EMP invoice and credit note bills exactly the CDRs of the control center that carry its number: its
-- cdr_count, net, VAT and gross amounts are the counts and sums over those CDRs (each rated and rounded on its own),
-- and its gross total is net + VAT. Returns the documents (or CDR invoice numbers without a document) that do not
-- add up.
with cdrs as (

    select
        invoice_number,
        count(*) as cdrs_count,
        sum(net_amount) as cdrs_net_amount,
        sum(vat_amount) as cdrs_vat_amount,
        sum(gross_amount) as cdrs_gross_amount
    from {{ ref('fct_cdr_control_center') }}
    where invoice_number is not null
    group by invoice_number

)

select
    coalesce(invoices.invoice_number, cdrs.invoice_number) as invoice_number,
    invoices.cdr_count,
    cdrs.cdrs_count,
    invoices.net_amount,
    cdrs.cdrs_net_amount,
    invoices.vat_amount,
    cdrs.cdrs_vat_amount,
    invoices.total_amount,
    cdrs.cdrs_gross_amount
from {{ ref('fct_emp_invoices') }} as invoices
full outer join cdrs
    on cdrs.invoice_number = invoices.invoice_number
where invoices.invoice_number is null
    or cdrs.invoice_number is null
    or invoices.cdr_count <> cdrs.cdrs_count
    or invoices.net_amount is distinct from cdrs.cdrs_net_amount
    or invoices.vat_amount is distinct from cdrs.cdrs_vat_amount
    or invoices.total_amount is distinct from cdrs.cdrs_gross_amount
    or invoices.total_amount <> invoices.net_amount + invoices.vat_amount
