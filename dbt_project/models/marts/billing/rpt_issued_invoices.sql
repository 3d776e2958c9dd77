-- Seed 001 report "issued invoices": the register of issued documents with their totals and payment status
-- (fct_invoices), in company, issue date and number order. Amounts in `currency`.
select
    company_id,
    series,
    invoice_number,
    issue_date,
    due_date,
    invoice_type,
    customer_id,
    customer_name,
    contract_id,
    billing_period,
    currency,
    line_total,
    vat_total,
    total_with_vat,
    prepaid_amount,
    amount_due,
    paid_amount,
    open_amount,
    payment_status,
    corrects_invoice_number,
    is_corrected
from {{ ref('fct_invoices') }}
order by company_id, issue_date, invoice_number
