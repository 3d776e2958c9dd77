-- Every issued document's line_total (BT-106) is the sum of its lines' rounded net amounts, and every line
-- belongs to an issued document. Returns the documents (or orphan lines) that do not add up.
with lines as (

    select
        company_id,
        invoice_number,
        sum(net_amount) as lines_total,
        count(*) as lines_count
    from {{ ref('stg_billing__invoice_lines') }}
    group by company_id, invoice_number

)

select
    coalesce(invoices.company_id, lines.company_id) as company_id,
    coalesce(invoices.invoice_number, lines.invoice_number) as invoice_number,
    invoices.line_total,
    lines.lines_total
from {{ ref('fct_invoices') }} as invoices
full outer join lines
    on lines.company_id = invoices.company_id
    and lines.invoice_number = invoices.invoice_number
where invoices.invoice_number is null
    or lines.invoice_number is null
    or invoices.line_total <> lines.lines_total
