-- The daily rating dashboard counts every CDR row of the control center once and sums the same rated amounts: per
-- currency, cdrs_received is the number of control-center rows, cdrs_rated the number of rated ones, and the rated
-- net and gross amounts are the sums over the rated rows (so their totals over all currencies agree too). Returns the
-- currencies that do not match.
with daily as (

    select
        currency,
        sum(cdrs_received) as cdrs_received,
        sum(cdrs_rated) as cdrs_rated,
        sum(rated_net_amount) as rated_net_amount,
        sum(rated_gross_amount) as rated_gross_amount
    from {{ ref('fct_cdr_rating_daily') }}
    group by currency

),

control_center as (

    select
        currency,
        count(*) as cdrs_received,
        count(*) filter (where rating_status = 'rated') as cdrs_rated,
        coalesce(sum(net_amount) filter (where rating_status = 'rated'), 0) as rated_net_amount,
        coalesce(sum(gross_amount) filter (where rating_status = 'rated'), 0) as rated_gross_amount
    from {{ ref('fct_cdr_control_center') }}
    group by currency

)

select
    coalesce(daily.currency, control_center.currency) as currency,
    daily.cdrs_received,
    control_center.cdrs_received as control_center_rows,
    daily.cdrs_rated,
    control_center.cdrs_rated as control_center_rated,
    daily.rated_net_amount,
    control_center.rated_net_amount as control_center_rated_net_amount,
    daily.rated_gross_amount,
    control_center.rated_gross_amount as control_center_rated_gross_amount
from daily
full outer join control_center
    on control_center.currency is not distinct from daily.currency
where coalesce(daily.cdrs_received, 0) <> coalesce(control_center.cdrs_received, 0)
    or coalesce(daily.cdrs_rated, 0) <> coalesce(control_center.cdrs_rated, 0)
    or coalesce(daily.rated_net_amount, 0) <> coalesce(control_center.rated_net_amount, 0)
    or coalesce(daily.rated_gross_amount, 0) <> coalesce(control_center.rated_gross_amount, 0)
