-- One row per bank statement line (stg_bank__statement_lines) with the latest payment matching's result for it:
-- matched (billing.payment_allocations: applied to documents, the excess credited as an overpayment) or queued
-- for finance (billing.payment_queue, with the reason). The matching is conservative: a matched line's
-- allocations add up to its amount and a queued line has none, so amount = allocated_amount + queued_amount
-- and a line is either matched or queued. Statuses: matched | queued | unmatched (a line ingested after the
-- last matching run: nothing allocated or queued yet) | matched_and_queued (a line found in both, which the
-- tests refuse). Allocations or queue rows whose statement line is not (or no longer) in the bank data are
-- kept, with the figures they carry (bank_line_found false). The company of a line is the allocations' or the
-- queue's, else the owner of the receiving account (seed company_bank_accounts).
with allocations as (

    select * from {{ ref('stg_billing__payment_allocations') }}

),

queue as (

    select * from {{ ref('stg_billing__payment_queue') }}

),

line_methods as (

    select distinct statement_id, line_number, method
    from allocations

),

methods as (

    select
        statement_id,
        line_number,
        {{ dbt.listagg('method', "','", 'order by method') }} as methods
    from line_methods
    group by statement_id, line_number

),

parts as (

    select
        statement_id,
        line_number,
        company_id,
        customer_id,
        booking_date,
        value_date,
        currency,
        amount as allocated_amount,
        case when invoice_number is null then amount else 0 end as overpayment_amount,
        cast(0 as decimal(18, 2)) as queued_amount,
        invoice_number,
        1 as is_allocation,
        0 as is_queued,
        cast(null as varchar) as reason_code,
        cast(null as varchar) as reason,
        cast(null as varchar) as payer_name,
        cast(null as varchar) as payer_iban,
        cast(null as varchar) as remittance_info
    from allocations

    union all

    select
        statement_id,
        line_number,
        company_id,
        cast(null as varchar) as customer_id,
        booking_date,
        value_date,
        currency,
        cast(0 as decimal(18, 2)) as allocated_amount,
        cast(0 as decimal(18, 2)) as overpayment_amount,
        amount as queued_amount,
        cast(null as varchar) as invoice_number,
        0 as is_allocation,
        1 as is_queued,
        reason_code,
        reason,
        payer_name,
        payer_iban,
        remittance_info
    from queue

),

lines as (

    select
        parts.statement_id,
        parts.line_number,
        min(parts.company_id) as company_id,
        case when count(distinct parts.customer_id) = 1 then min(parts.customer_id) end as customer_id,
        min(parts.booking_date) as booking_date,
        min(parts.value_date) as value_date,
        min(parts.currency) as currency,
        sum(parts.allocated_amount) as allocated_amount,
        sum(parts.overpayment_amount) as overpayment_amount,
        sum(parts.queued_amount) as queued_amount,
        sum(parts.is_allocation) as allocations_count,
        sum(parts.is_queued) as queued_count,
        count(distinct parts.invoice_number) as invoices_count,
        max(parts.reason_code) as reason_code,
        max(parts.reason) as reason,
        max(parts.payer_name) as payer_name,
        max(parts.payer_iban) as payer_iban,
        max(parts.remittance_info) as remittance_info
    from parts
    group by parts.statement_id, parts.line_number

),

bank as (

    select
        bank.*,
        accounts.company_id as account_company_id
    from {{ ref('stg_bank__statement_lines') }} as bank
    left join {{ ref('company_bank_accounts') }} as accounts
        on accounts.iban = bank.account_iban

)

select
    coalesce(bank.statement_id, lines.statement_id) as statement_id,
    coalesce(bank.line_number, lines.line_number) as line_number,
    coalesce(lines.company_id, bank.account_company_id) as company_id,
    bank.account_iban,
    lines.customer_id,
    coalesce(bank.booking_date, lines.booking_date) as booking_date,
    coalesce(bank.value_date, lines.value_date) as value_date,
    coalesce(bank.currency, lines.currency) as currency,
    cast(coalesce(bank.amount, lines.allocated_amount + lines.queued_amount) as decimal(18, 2)) as amount,
    cast(coalesce(lines.allocated_amount, 0) as decimal(18, 2)) as allocated_amount,
    cast(coalesce(lines.overpayment_amount, 0) as decimal(18, 2)) as overpayment_amount,
    cast(coalesce(lines.queued_amount, 0) as decimal(18, 2)) as queued_amount,
    case
        when lines.statement_id is null then 'unmatched'
        when lines.allocations_count > 0 and lines.queued_count = 0 then 'matched'
        when lines.queued_count > 0 and lines.allocations_count = 0 then 'queued'
        else 'matched_and_queued'
    end as payment_status,
    methods.methods,
    cast(coalesce(lines.allocations_count, 0) as integer) as allocations_count,
    cast(coalesce(lines.invoices_count, 0) as integer) as invoices_count,
    lines.reason_code,
    lines.reason,
    coalesce(bank.payer_name, lines.payer_name) as payer_name,
    coalesce(bank.payer_iban, lines.payer_iban) as payer_iban,
    coalesce(bank.remittance_info, lines.remittance_info) as remittance_info,
    bank.bank_reference,
    bank.statement_id is not null as bank_line_found
from bank
full outer join lines
    on lines.statement_id = bank.statement_id
    and lines.line_number = bank.line_number
left join methods
    on methods.statement_id = coalesce(bank.statement_id, lines.statement_id)
    and methods.line_number = coalesce(bank.line_number, lines.line_number)
