-- Every metering point is nominated in exactly one balancing group, the one the seed's rule gives,
-- recomputed here from the marts independently of int_metering_points_balancing_group_assigned:
--   1. the seed has exactly one row for the point's company at the winning level: the rows naming the
--      customer's class (dim_customers) if there are any, else the company-wide rows (empty class);
--   2. that row is the point's dim_metering_points.balancing_group_id;
--   3. the group belongs to the point's company and market.
-- Returns the offending points with what was found.
with points as (

    select
        points.metering_point_id,
        points.company_id,
        points.market_code,
        points.balancing_group_id,
        customers.customer_class
    from {{ ref('dim_metering_points') }} as points
    left join {{ ref('dim_customers') }} as customers
        on customers.customer_id = points.customer_id

),

balancing_groups as (

    select * from {{ ref('balancing_groups') }}

),

matches as (

    select
        points.metering_point_id,
        sum(case when balancing_groups.customer_class = points.customer_class then 1 else 0 end) as class_rows_count,
        sum(case when balancing_groups.customer_class is null then 1 else 0 end) as company_rows_count,
        max(case when balancing_groups.customer_class = points.customer_class then balancing_groups.balancing_group_id end) as class_group_id,
        max(case when balancing_groups.customer_class is null then balancing_groups.balancing_group_id end) as company_group_id
    from points
    left join balancing_groups
        on balancing_groups.company_id = points.company_id
    group by points.metering_point_id

),

expected as (

    select
        metering_point_id,
        case when class_rows_count > 0 then class_rows_count else company_rows_count end as winning_rows_count,
        case when class_rows_count > 0 then class_group_id else company_group_id end as expected_balancing_group_id
    from matches

)

select
    points.metering_point_id,
    points.company_id,
    points.customer_class,
    points.balancing_group_id,
    expected.winning_rows_count,
    expected.expected_balancing_group_id,
    balancing_groups.company_id as group_company_id,
    balancing_groups.market_code as group_market_code
from points
inner join expected
    on expected.metering_point_id = points.metering_point_id
left join balancing_groups
    on balancing_groups.balancing_group_id = points.balancing_group_id
where expected.winning_rows_count <> 1
    or points.balancing_group_id is null
    or points.balancing_group_id <> expected.expected_balancing_group_id
    or balancing_groups.company_id <> points.company_id
    or balancing_groups.market_code <> points.market_code
