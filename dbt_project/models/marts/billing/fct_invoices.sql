-- One row per issued document (billing.invoice_documents) with the customer, the VAT-ledger figures, what is
-- paid (the latest payment matching) and the payment status. Amounts in the document's `currency`.
--
-- open_amount is amount_due − paid_amount for a document that asks for money (amount_due > 0), else 0.
-- A document with amount_due < 0 is a credit to the customer: it is never "open"; what of it has not been
-- offset yet is credit_open_amount = −(amount_due − paid_amount) (allocations to a credit document, if the
-- matching ever writes any, are refunds with a negative amount). Statuses:
--   zero            amount_due = 0
--   credit          amount_due < 0
--   paid            amount_due > 0 and nothing open
--   partially_paid  amount_due > 0, something paid, something open
--   unpaid          amount_due > 0 and nothing paid
-- billing_stage: `advance` for advance invoices and the credit notes correcting them (provisional: their
-- energy is invoiced again, in full, by the regularisation), `final` for every other document.
with documents as (

    select * from {{ ref('stg_billing__invoice_documents') }}

),

customers as (

    select * from {{ ref('dim_customers') }}

),

vat_groups as (

    select
        company_id,
        invoice_number,
        sum(net_taxable_amount) as ledger_taxable_amount,
        sum(net_vat_amount) as ledger_vat_amount
    from {{ ref('stg_billing__invoice_vat_groups') }}
    group by company_id, invoice_number

),

payments as (

    select
        company_id,
        invoice_number,
        sum(amount) as paid_amount,
        max(value_date) as last_payment_value_date,
        count(*) as allocations_count
    from {{ ref('stg_billing__payment_allocations') }}
    where invoice_number is not null
    group by company_id, invoice_number

),

corrections as (

    select
        company_id,
        corrects_invoice_number as invoice_number,
        count(*) as credit_notes_count
    from documents
    where invoice_type = 'credit_note'
        and corrects_invoice_number is not null
    group by company_id, corrects_invoice_number

),

joined as (

    select
        documents.*,
        corrected.invoice_type as corrected_invoice_type,
        customers.customer_name,
        customers.customer_class,
        vat_groups.ledger_taxable_amount,
        vat_groups.ledger_vat_amount,
        coalesce(payments.paid_amount, 0) as paid_amount,
        payments.last_payment_value_date,
        coalesce(payments.allocations_count, 0) as allocations_count,
        coalesce(corrections.credit_notes_count, 0) as credit_notes_count
    from documents
    left join documents as corrected
        on corrected.company_id = documents.company_id
        and corrected.invoice_number = documents.corrects_invoice_number
    left join customers
        on customers.customer_id = documents.customer_id
    left join vat_groups
        on vat_groups.company_id = documents.company_id
        and vat_groups.invoice_number = documents.invoice_number
    left join payments
        on payments.company_id = documents.company_id
        and payments.invoice_number = documents.invoice_number
    left join corrections
        on corrections.company_id = documents.company_id
        and corrections.invoice_number = documents.invoice_number

)

select
    company_id,
    invoice_number,
    series,
    invoice_type,
    case
        when invoice_type = 'advance' or corrected_invoice_type = 'advance' then 'advance'
        else 'final'
    end as billing_stage,
    contract_id,
    customer_id,
    customer_name,
    customer_class,
    billing_period,
    case
        when length(billing_period) = 7 then cast(billing_period || '-01' as date)
    end as billing_month,
    issue_date,
    due_date,
    cast(grace_days as integer) as grace_days,
    currency,
    line_total,
    vat_total,
    total_with_vat,
    prepaid_amount,
    amount_due,
    cast(coalesce(ledger_taxable_amount, 0) as decimal(18, 2)) as ledger_taxable_amount,
    cast(coalesce(ledger_vat_amount, 0) as decimal(18, 2)) as ledger_vat_amount,
    energy_kwh,
    consumption_type,
    corrects_invoice_number,
    corrected_invoice_type,
    credit_notes_count > 0 as is_corrected,
    intermediary_id,
    intermediary_commission_pct,
    payment_reference,
    cast(paid_amount as decimal(18, 2)) as paid_amount,
    cast(case when amount_due > 0 then amount_due - paid_amount else 0 end as decimal(18, 2)) as open_amount,
    cast(case when amount_due < 0 then paid_amount - amount_due else 0 end as decimal(18, 2)) as credit_open_amount,
    case
        when amount_due = 0 then 'zero'
        when amount_due < 0 then 'credit'
        when paid_amount >= amount_due then 'paid'
        when paid_amount > 0 then 'partially_paid'
        else 'unpaid'
    end as payment_status,
    cast(allocations_count as integer) as allocations_count,
    last_payment_value_date,
    cast(case
        when last_payment_value_date is null then null
        when last_payment_value_date > due_date then {{ dbt.datediff('due_date', 'last_payment_value_date', 'day') }}
        else 0
    end as integer) as last_payment_days_late
from joined
