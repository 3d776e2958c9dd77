-- Each settled imbalance settlement period (ISP) of a balancing group with what was nominated for it
-- (what was bought: procurement results, or the purchase plan on days without them — see
-- int_purchases_resolved) and the forecast behind the plan.
--
-- Conversion between resolutions: an interval's MWh go to the ISPs it overlaps in proportion to the
-- overlap (MWh × overlap minutes / interval minutes, rounded half-up to 6 decimals). An hourly plan of
-- 0.1 MWh becomes four quarter-hours of 0.025; four quarter-hours add up to their hour. The same rule
-- both ways, and no MWh is lost for volumes in the exchanges' 0.1 MWh steps.
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

{% for name, relation, mwh in [
    ('purchases', ref('int_purchases_resolved'), 'purchased_mwh'),
    ('plans', ref('stg_forecasting__purchase_plans'), 'forecast_p50_mwh'),
] %}
{{ name }}_spread as (
    select
        settlement.balancing_group_id,
        settlement.period_start_utc,
        sum({{ spread_by_overlap(name ~ '.' ~ mwh, name ~ '.period_start_utc', name ~ '.period_start_utc + to_minutes(' ~ name ~ '.period_minutes)', name ~ '.period_minutes', 'settlement.period_start_utc', 'settlement.period_end_utc') }})
            as spread_mwh,
        sum({{ overlap_minutes('settlement.period_start_utc', 'settlement.period_end_utc', name ~ '.period_start_utc', name ~ '.period_start_utc + to_minutes(' ~ name ~ '.period_minutes)') }})
            as covered_minutes
        {%- if name == 'purchases' %},
        min({{ name }}.purchase_source) as nomination_source
        {%- endif %}
    from settlement
    join {{ relation }} as {{ name }}
        on {{ name }}.balancing_group_id = settlement.balancing_group_id
        and {{ name }}.period_start_utc < settlement.period_end_utc
        and {{ name }}.period_start_utc + to_minutes({{ name }}.period_minutes) > settlement.period_start_utc
    group by all
){{ "," if not loop.last }}
{% endfor %}

select
    settlement.market_code,
    settlement.company_id,
    settlement.balancing_group_id,
    settlement.balancing_group_eic,
    settlement.period_start_utc,
    settlement.period_minutes,
    settlement.settled_mwh,
    purchases_spread.spread_mwh as nominated_mwh,
    purchases_spread.nomination_source,
    plans_spread.spread_mwh as forecast_mwh,
    cast(coalesce(purchases_spread.covered_minutes, 0) as bigint) as nominated_minutes
from settlement
left join purchases_spread
    on purchases_spread.balancing_group_id = settlement.balancing_group_id
    and purchases_spread.period_start_utc = settlement.period_start_utc
left join plans_spread
    on plans_spread.balancing_group_id = settlement.balancing_group_id
    and plans_spread.period_start_utc = settlement.period_start_utc
