-- Each settled imbalance settlement period (ISP) of a balancing group with what was nominated for it
-- (the purchase plan) and the forecast behind the nomination.
--
-- Conversion between resolutions: a plan interval's MWh go to the ISPs it overlaps in proportion to the
-- overlap (planned × overlap minutes / plan minutes, rounded half-up to 6 decimals). An hourly plan of
-- 0.1 MWh becomes four quarter-hours of 0.025; four quarter-hour plans add up to their hour. The same
-- rule both ways, and no MWh is lost for plans in the exchanges' 0.1 MWh steps.
with settlement as (
    select
        settled.market_code,
        settled.balancing_group_eic,
        groups.balancing_group_id,
        groups.company_id,
        settled.period_start_utc,
        settled.period_minutes,
        settled.period_start_utc + to_minutes(settled.period_minutes) as period_end_utc,
        settled.settled_mwh
    from {{ ref('stg_market_operator__settlement_volumes') }} as settled
    left join {{ ref('balancing_groups') }} as groups
        on groups.eic_code = settled.balancing_group_eic
),

plans as (
    select
        balancing_group_id,
        period_start_utc,
        period_start_utc + to_minutes(period_minutes) as period_end_utc,
        period_minutes,
        planned_mwh,
        forecast_p50_mwh
    from {{ ref('stg_forecasting__purchase_plans') }}
),

plan_overlaps as (
    select
        settlement.balancing_group_id,
        settlement.period_start_utc,
        plans.period_minutes as plan_minutes,
        plans.planned_mwh,
        plans.forecast_p50_mwh,
        {{ overlap_minutes('settlement.period_start_utc', 'settlement.period_end_utc', 'plans.period_start_utc', 'plans.period_end_utc') }}
            as overlap_minutes
    from settlement
    join plans
        on plans.balancing_group_id = settlement.balancing_group_id
        and plans.period_start_utc < settlement.period_end_utc
        and plans.period_end_utc > settlement.period_start_utc
),

nominated as (
    select
        balancing_group_id,
        period_start_utc,
        sum({{ divide_round_half_up('planned_mwh * overlap_minutes', 'plan_minutes', 6) }}) as nominated_mwh,
        sum({{ divide_round_half_up('forecast_p50_mwh * overlap_minutes', 'plan_minutes', 6) }}) as forecast_mwh,
        sum(overlap_minutes) as nominated_minutes
    from plan_overlaps
    group by all
)

select
    settlement.market_code,
    settlement.company_id,
    settlement.balancing_group_id,
    settlement.balancing_group_eic,
    settlement.period_start_utc,
    settlement.period_minutes,
    settlement.settled_mwh,
    nominated.nominated_mwh,
    nominated.forecast_mwh,
    cast(coalesce(nominated.nominated_minutes, 0) as bigint) as nominated_minutes
from settlement
left join nominated
    on nominated.balancing_group_id = settlement.balancing_group_id
    and nominated.period_start_utc = settlement.period_start_utc
