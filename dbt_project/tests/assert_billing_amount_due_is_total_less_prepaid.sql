-- BT-115 = BT-112 − BT-113 (and BT-112 = BT-106 + BT-110) on every issued document.
select
    company_id,
    invoice_number,
    line_total,
    vat_total,
    total_with_vat,
    prepaid_amount,
    amount_due
from {{ ref('fct_invoices') }}
where amount_due <> total_with_vat - prepaid_amount
    or total_with_vat <> line_total + vat_total
