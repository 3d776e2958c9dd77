-- Every statement line the payment matching processed is either matched or queued, never both: its allocated
-- amount plus its queued amount is its amount (the bank's), one of them is 0, and its allocations sum to its
-- allocated amount. Lines ingested after the last matching run (status unmatched) have nothing allocated or
-- queued yet. Returns the lines that do not add up.
with allocations as (

    select statement_id, line_number, sum(amount) as allocations_total
    from {{ ref('stg_billing__payment_allocations') }}
    group by statement_id, line_number

)

select
    payments.statement_id,
    payments.line_number,
    payments.amount,
    payments.allocated_amount,
    payments.queued_amount,
    allocations.allocations_total
from {{ ref('fct_payments') }} as payments
left join allocations
    on allocations.statement_id = payments.statement_id
    and allocations.line_number = payments.line_number
where (payments.payment_status in ('matched', 'queued') and payments.amount <> payments.allocated_amount + payments.queued_amount)
    or (payments.allocated_amount <> 0 and payments.queued_amount <> 0)
    or payments.payment_status not in ('matched', 'queued', 'unmatched')
    or (payments.payment_status = 'unmatched' and (payments.allocated_amount <> 0 or payments.queued_amount <> 0))
    or coalesce(allocations.allocations_total, 0) <> payments.allocated_amount
