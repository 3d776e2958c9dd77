-- Customers as the DSOs confirm them: attributes from the latest confirmation naming the customer.
with confirmations as (

    select * from {{ ref('stg_dso__confirmations') }}

),

ranked as (

    select
        confirmations.*,
        row_number() over (
            partition by customer_id
            order by confirmation_month desc, ingestion_seq desc, source_line desc
        ) as confirmation_rank
    from confirmations

)

select
    customer_id,
    company_id,
    customer_name,
    customer_class,
    customer_vat_number as vat_number,
    confirmation_month as last_confirmation_month
from ranked
where confirmation_rank = 1
