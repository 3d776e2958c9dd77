-- Every credit note names the document it corrects, and that document was issued by the same company (and is
-- not itself the credit note). Returns the credit notes that do not.
select
    credit_notes.company_id,
    credit_notes.invoice_number,
    credit_notes.corrects_invoice_number
from {{ ref('fct_invoices') }} as credit_notes
left join {{ ref('fct_invoices') }} as corrected
    on corrected.company_id = credit_notes.company_id
    and corrected.invoice_number = credit_notes.corrects_invoice_number
where credit_notes.invoice_type = 'credit_note'
    and (
        credit_notes.corrects_invoice_number is null
        or corrected.invoice_number is null
        or corrected.invoice_number = credit_notes.invoice_number
    )
