-- One row per metering point with the balancing group it is nominated in (balancing_groups seed): among the
-- groups of the point's company, a row naming the customer's class wins over the company-wide row (empty
-- customer_class). The customer class is the one dim_customers shows: the customer's latest confirmation
-- (latest confirmation month, then latest delivery). A point that matches no group keeps a null
-- balancing_group_id, and matching_groups_count says how many groups tie at the winning level: both are
-- tested, so a gap or an ambiguity in the seed fails the build instead of dropping or duplicating a point.
with points as (

    select * from {{ ref('int_metering_points_confirmed') }}

),

customer_confirmations as (

    select
        customer_id,
        customer_class,
        row_number() over (
            partition by customer_id
            order by confirmation_month desc, ingestion_seq desc, source_line desc
        ) as confirmation_rank
    from {{ ref('stg_dso__confirmations') }}

),

customers as (

    select customer_id, customer_class
    from customer_confirmations
    where confirmation_rank = 1

),

balancing_groups as (

    select * from {{ ref('balancing_groups') }}

),

candidates as (

    select
        points.metering_point_id,
        balancing_groups.balancing_group_id,
        case when balancing_groups.customer_class is not null then 1 else 2 end as match_level
    from points
    left join customers
        on customers.customer_id = points.customer_id
    inner join balancing_groups
        on balancing_groups.company_id = points.company_id
        and (
            balancing_groups.customer_class = customers.customer_class
            or balancing_groups.customer_class is null
        )

),

ranked as (

    select
        candidates.*,
        row_number() over (
            partition by metering_point_id
            order by match_level, balancing_group_id
        ) as candidate_rank,
        count(*) over (partition by metering_point_id, match_level) as groups_at_level_count
    from candidates

),

winners as (

    select * from ranked where candidate_rank = 1

)

select
    points.metering_point_id,
    points.company_id,
    points.customer_id,
    customers.customer_class,
    winners.balancing_group_id,
    case winners.match_level
        when 1 then 'customer_class'
        when 2 then 'company_default'
    end as assignment_rule,
    cast(coalesce(winners.groups_at_level_count, 0) as integer) as matching_groups_count
from points
left join customers
    on customers.customer_id = points.customer_id
left join winners
    on winners.metering_point_id = points.metering_point_id
