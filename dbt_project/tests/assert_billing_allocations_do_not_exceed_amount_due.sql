-- The payment matching never pays a document beyond its amount due (an excess is an overpayment allocation
-- without a document), allocates only to issued documents of the same company, customer and currency, and an
-- allocation has no document exactly when its method is `overpayment`. Returns the offending rows.
with allocations as (

    select * from {{ ref('stg_billing__payment_allocations') }}

),

paid as (

    select company_id, invoice_number, sum(amount) as paid_amount
    from allocations
    where invoice_number is not null
    group by company_id, invoice_number

)

select
    'paid beyond amount due' as problem,
    paid.company_id,
    paid.invoice_number,
    cast(null as integer) as line_number,
    paid.paid_amount,
    invoices.amount_due
from paid
inner join {{ ref('fct_invoices') }} as invoices
    on invoices.company_id = paid.company_id
    and invoices.invoice_number = paid.invoice_number
where invoices.amount_due >= 0
    and paid.paid_amount > invoices.amount_due

union all

select
    'allocation to a document that was not issued, or of another customer or currency' as problem,
    allocations.company_id,
    allocations.invoice_number,
    allocations.line_number,
    allocations.amount,
    invoices.amount_due
from allocations
left join {{ ref('fct_invoices') }} as invoices
    on invoices.company_id = allocations.company_id
    and invoices.invoice_number = allocations.invoice_number
where allocations.invoice_number is not null
    and (
        invoices.invoice_number is null
        or invoices.customer_id <> allocations.customer_id
        or invoices.currency <> allocations.currency
    )

union all

select
    'overpayment rows and rows without a document differ' as problem,
    company_id,
    invoice_number,
    line_number,
    amount,
    cast(null as decimal(18, 2)) as amount_due
from allocations
where (invoice_number is null) <> (method = 'overpayment')
