-- A balancing group's imbalance per settlement period shared out to its customers, summed per local day.
--
-- Per settlement period (ISP) and customer (all of the customer's metering points in the group):
--   metered_i   = the points' energy in the ISP (gap-filled meter data; an hourly interval is spread over
--                 its quarter-hours by overlap), MWh
--   forecast_i  = the points' day-ahead P50 in the ISP (hourly forecast × overlap / 60), MWh
--   basis_i     = forecast_i when every metered point of the group has a forecast for the ISP
--                 (`forecast_share`), otherwise metered_i (`consumption_share`)
--   nominated_i = nominated × basis_i / Σ basis (6 decimals): the customer's share of what was bought
--   imbalance_i = metered_i − nominated_i
--   cost_i      = imbalance_i × the price the group's imbalance was settled at (6 decimals, unrounded)
-- The group's settlement difference (settled − Σ metered: losses, profiles, estimates) is one more row
-- with customer_id null (is_settlement_difference), priced the same way, so that for
-- every ISP Σ imbalance_i + difference = settled − nominated and Σ cost_i + its cost = the group's cost
-- before rounding. A balanced period is priced at its price or, without one, at 0 (it costs nothing);
-- a period whose price is missing leaves every cost of the period null.
with settlement_periods as (
    select
        balancing_group_id,
        company_id,
        market_code,
        delivery_date,
        period_start_utc,
        period_start_utc + to_minutes(period_minutes) as period_end_utc,
        {{ dbt.date_trunc('hour', 'period_start_utc') }} as hour_start_utc,
        settled_mwh,
        coalesce(nominated_mwh, 0) as nominated_mwh,
        case
            when is_price_missing then null
            when imbalance_direction = 'balanced' then coalesce(applied_price_per_mwh, 0)
            else applied_price_per_mwh
        end as price_per_mwh,
        is_price_missing,
        currency
    from {{ ref('fct_imbalance_settlement_periods') }}
),

points as (
    select metering_point_id, customer_id, balancing_group_id
    from {{ ref('int_metering_points_balancing_group_assigned') }}
    where balancing_group_id is not null
),

intervals as (
    select
        points.balancing_group_id,
        points.customer_id,
        intervals.metering_point_id,
        intervals.interval_start_utc,
        intervals.interval_end_utc,
        intervals.interval_minutes,
        {{ dbt.date_trunc('hour', 'intervals.interval_start_utc') }} as hour_start_utc,
        intervals.energy_kwh
    from {{ ref('int_meter_intervals_filled') }} as intervals
    join points using (metering_point_id)
),

forecasts as (
    select
        points.balancing_group_id,
        points.customer_id,
        forecasts.series_id as metering_point_id,
        forecasts.period_start_utc as interval_start_utc,
        forecasts.period_start_utc + to_minutes(forecasts.period_minutes) as interval_end_utc,
        forecasts.period_minutes as interval_minutes,
        {{ dbt.date_trunc('hour', 'forecasts.period_start_utc') }} as hour_start_utc,
        cast(forecasts.p50_kwh as decimal(18, 3)) as energy_kwh  -- the forecast's P50; the table keeps kWh as DOUBLE
    from {{ ref('stg_forecasting__series_forecasts') }} as forecasts
    join points on points.metering_point_id = forecasts.series_id
    where forecasts.series_level = 'metering_point' and forecasts.p50_kwh is not null
),

-- Intervals and forecasts (both as interval_start/end/minutes and energy_kwh) meet the ISPs of the same
-- UTC hour (an equality join), then keep the overlap.
{% for name, relation, measure in [('point_metered', 'intervals', 'metered_mwh'), ('point_forecast', 'forecasts', 'forecast_mwh')] %}
{{ name }} as (
    select
        periods.balancing_group_id,
        periods.period_start_utc,
        {{ relation }}.customer_id,
        {{ relation }}.metering_point_id,
        {{ spread_by_overlap(relation ~ '.energy_kwh * 0.001', relation ~ '.interval_start_utc', relation ~ '.interval_end_utc', relation ~ '.interval_minutes', 'periods.period_start_utc', 'periods.period_end_utc') }}
            as {{ measure }}
    from settlement_periods as periods
    join {{ relation }}
        on {{ relation }}.balancing_group_id = periods.balancing_group_id
        and {{ relation }}.hour_start_utc = periods.hour_start_utc
        and {{ relation }}.interval_start_utc < periods.period_end_utc
        and {{ relation }}.interval_end_utc > periods.period_start_utc
),
{% endfor %}

customer_periods as (
    select
        point_metered.balancing_group_id,
        point_metered.period_start_utc,
        point_metered.customer_id,
        sum(point_metered.metered_mwh) as metered_mwh,
        sum(point_forecast.forecast_mwh) as forecast_mwh,
        count(*) as metering_points_count,
        count(point_forecast.forecast_mwh) as forecast_points_count
    from point_metered
    left join point_forecast using (balancing_group_id, period_start_utc, metering_point_id)
    group by all
),

shared as (
    select
        customer_periods.*,
        sum(metering_points_count) over period_window = sum(forecast_points_count) over period_window
            and sum(forecast_mwh) over period_window > 0 as has_forecast_basis,
        sum(forecast_mwh) over period_window as group_forecast_mwh,
        sum(metered_mwh) over period_window as group_metered_mwh
    from customer_periods
    window period_window as (partition by balancing_group_id, period_start_utc)
),

allocated as (
    select
        shared.balancing_group_id,
        shared.period_start_utc,
        shared.customer_id,
        case when shared.has_forecast_basis then 'forecast_share' else 'consumption_share' end as allocation_basis,
        shared.metered_mwh,
        shared.forecast_mwh,
        case
            when shared.has_forecast_basis
                then {{ divide_round_half_up('periods.nominated_mwh * shared.forecast_mwh', 'shared.group_forecast_mwh', 6) }}
            when shared.group_metered_mwh <> 0
                then {{ divide_round_half_up('periods.nominated_mwh * shared.metered_mwh', 'shared.group_metered_mwh', 6) }}
            else 0
        end as nominated_share_mwh
    from shared
    join settlement_periods as periods using (balancing_group_id, period_start_utc)
),

customer_rows as (
    select
        balancing_group_id,
        period_start_utc,
        customer_id,
        allocation_basis,
        metered_mwh,
        forecast_mwh,
        nominated_share_mwh,
        metered_mwh - nominated_share_mwh as imbalance_mwh
    from allocated
),

difference_rows as (
    select
        periods.balancing_group_id,
        periods.period_start_utc,
        cast(null as varchar) as customer_id,
        'settlement_difference' as allocation_basis,
        cast(0 as decimal(38, 6)) as metered_mwh,
        cast(null as decimal(38, 6)) as forecast_mwh,
        -- What no customer's share took: all of the nomination when no meter data reached the period.
        periods.nominated_mwh - coalesce(shares.nominated_share_mwh, 0) as nominated_share_mwh,
        periods.settled_mwh - coalesce(shares.metered_mwh, 0)
            - (periods.nominated_mwh - coalesce(shares.nominated_share_mwh, 0)) as imbalance_mwh
    from settlement_periods as periods
    left join (
        select balancing_group_id, period_start_utc, sum(metered_mwh) as metered_mwh, sum(nominated_share_mwh) as nominated_share_mwh
        from allocated
        group by all
    ) as shares using (balancing_group_id, period_start_utc)
),

priced as (
    select
        rows.*,
        periods.company_id,
        periods.market_code,
        periods.delivery_date,
        periods.currency,
        periods.is_price_missing,
        rows.imbalance_mwh * periods.price_per_mwh as imbalance_cost_unrounded
    from (select * from customer_rows union all select * from difference_rows) as rows
    join settlement_periods as periods using (balancing_group_id, period_start_utc)
)

select
    delivery_date,
    market_code,
    company_id,
    balancing_group_id,
    customer_id,
    customer_id is null as is_settlement_difference,
    count(*) as settlement_periods_count,
    count(*) filter (where allocation_basis = 'forecast_share') as forecast_share_periods_count,
    count(*) filter (where is_price_missing) as periods_without_price_count,
    sum(metered_mwh) as metered_mwh,
    sum(forecast_mwh) as forecast_mwh,
    sum(metered_mwh) filter (where forecast_mwh is not null) as metered_with_forecast_mwh,
    sum(abs(forecast_mwh - metered_mwh)) as forecast_absolute_deviation_mwh,
    sum(nominated_share_mwh) as nominated_share_mwh,
    sum(imbalance_mwh) as imbalance_mwh,
    sum(imbalance_cost_unrounded) as imbalance_cost_unrounded,
    min(currency) as currency
from priced
group by delivery_date, market_code, company_id, balancing_group_id, customer_id
