-- Seed 001 report "customers without obligations": customers (dim_customers) with at least one document
-- issued on or before the as-of date (var `receivables_as_of`, default the day of the build) and no open
-- receivable (fct_receivables) then. has_unapplied_credit flags customers the supplier owes a credit
-- (amounts per currency in fct_customer_receivables).
{%- set as_of = var('receivables_as_of', none) %}
with as_of as (

    select {% if as_of is none %}current_date{% else %}cast('{{ as_of }}' as date){% endif %} as as_of_date

),

documents as (

    select
        invoices.customer_id,
        count(*) as documents_count,
        max(invoices.issue_date) as last_issue_date
    from {{ ref('fct_invoices') }} as invoices
    cross join as_of
    where invoices.issue_date <= as_of.as_of_date
    group by invoices.customer_id

),

payments as (

    select
        allocations.customer_id,
        max(allocations.value_date) as last_payment_value_date
    from {{ ref('stg_billing__payment_allocations') }} as allocations
    cross join as_of
    where allocations.value_date <= as_of.as_of_date
    group by allocations.customer_id

),

open_customers as (

    select distinct customer_id
    from {{ ref('fct_receivables') }}

),

credits as (

    select
        customer_id,
        sum(unapplied_credit_amount) as unapplied_credit_amount,
        count(distinct currency) as credit_currencies_count
    from {{ ref('fct_customer_receivables') }}
    where unapplied_credit_amount <> 0
    group by customer_id

)

select
    as_of.as_of_date,
    customers.company_id,
    customers.customer_id,
    customers.customer_name,
    customers.customer_class,
    cast(documents.documents_count as integer) as documents_count,
    documents.last_issue_date,
    payments.last_payment_value_date,
    coalesce(credits.credit_currencies_count, 0) > 0 as has_unapplied_credit
from {{ ref('dim_customers') }} as customers
cross join as_of
inner join documents
    on documents.customer_id = customers.customer_id
left join payments
    on payments.customer_id = customers.customer_id
left join open_customers
    on open_customers.customer_id = customers.customer_id
left join credits
    on credits.customer_id = customers.customer_id
where open_customers.customer_id is null
