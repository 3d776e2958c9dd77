-- Each imbalance settlement period (ISP) of a balancing group with the aggregated meter data of the group's
-- metering points: every ISP the market operator settled, and every ISP of the same local days (from the
-- first to the last day the group's settlement covers) in which the group has meter data but no settled volume.
--
-- Metering points: those assigned to the group (int_metering_points_balancing_group_assigned). Expected in an
-- ISP = supply started by the ISP's start. Meter data = int_meter_intervals_filled (valid readings, achieved
-- or recalculated, and estimates for the gaps), kWh / 1000 = MWh, exact decimals.
--
-- Conversion between resolutions, the rule of int_settlement_periods_nominated: an interval's energy goes to
-- the ISPs it overlaps in proportion to the overlap (energy × overlap minutes / interval minutes, rounded
-- half-up to 6 decimals in MWh), per metering point and interval. An hourly reading of 321.001 kWh becomes
-- four quarter-hours of 0.080250 MWh.
--
-- Efficiency (tens of millions of intervals): intervals as long as the market's ISP are the ISP, so they are
-- summed per group and start first and joined by equality; only the other intervals (hourly meters) are
-- spread, joined to the group's ISP grid on their UTC hour and the overlap. Both assume ISPs and meter
-- intervals of at most 60 minutes aligned to UTC hours, and settled periods of the market's ISP length
-- (`markets.imbalance_settlement_period_minutes`).
with groups as (

    select
        balancing_group_id,
        company_id,
        market_code,
        eic_code as balancing_group_eic
    from {{ ref('balancing_groups') }}

),

markets as (

    select
        market_code,
        timezone as market_timezone,
        imbalance_settlement_period_minutes as isp_minutes
    from {{ ref('markets') }}

),

settled as (

    select
        market_code,
        balancing_group_eic,
        period_start_utc,
        period_minutes,
        settled_mwh
    from {{ ref('stg_market_operator__settlement_volumes') }}

),

settled_days as (

    select
        settled.balancing_group_eic,
        settled.market_code,
        markets.market_timezone,
        markets.isp_minutes,
        min(cast({{ to_local_timestamp('settled.period_start_utc', 'markets.market_timezone') }} as date)) as first_local_date,
        max(cast({{ to_local_timestamp('settled.period_start_utc', 'markets.market_timezone') }} as date)) as last_local_date
    from settled
    inner join markets
        on markets.market_code = settled.market_code
    group by settled.balancing_group_eic, settled.market_code, markets.market_timezone, markets.isp_minutes

),

-- The span of local days the settlement covers per group: local midnight of the first day to local midnight
-- after the last, as UTC instants.
spans as (

    select
        balancing_group_eic,
        market_code,
        isp_minutes,
        {{ from_local_timestamp('first_local_date', 'market_timezone') }} as span_start_utc,
        {{ from_local_timestamp(dbt.dateadd('day', 1, 'last_local_date'), 'market_timezone') }} as span_end_utc
    from settled_days

),

points as (

    select
        assigned.metering_point_id,
        groups.balancing_group_eic,
        confirmed.supply_start_utc
    from {{ ref('int_metering_points_balancing_group_assigned') }} as assigned
    inner join groups
        on groups.balancing_group_id = assigned.balancing_group_id
    inner join {{ ref('int_metering_points_confirmed') }} as confirmed
        on confirmed.metering_point_id = assigned.metering_point_id

),

-- The group's meter intervals within its span. The point list and the spans are small (hash joins).
intervals as (

    select
        points.balancing_group_eic,
        spans.isp_minutes,
        filled.metering_point_id,
        filled.interval_start_utc,
        filled.interval_end_utc,
        filled.interval_minutes,
        filled.hour_start_utc,
        filled.consumption_type,
        filled.energy_kwh
    from {{ ref('int_meter_intervals_filled') }} as filled
    inner join points
        on points.metering_point_id = filled.metering_point_id
    inner join spans
        on spans.balancing_group_eic = points.balancing_group_eic
    where filled.interval_start_utc < spans.span_end_utc
        and filled.interval_end_utc > spans.span_start_utc

),

-- Intervals as long as the ISP (15-minute meters): one interval is one ISP, summed per group and start.
-- A point has one interval per ISP, so the row count is the number of points with data.
isp_length_sums as (

    select
        balancing_group_eic,
        interval_start_utc as period_start_utc,
        sum(energy_kwh) as metered_kwh,
        sum(case when consumption_type = 'achieved' then energy_kwh else 0 end) as achieved_kwh,
        sum(case when consumption_type = 'recalculated' then energy_kwh else 0 end) as recalculated_kwh,
        sum(case when consumption_type = 'estimated' then energy_kwh else 0 end) as estimated_kwh,
        count(*) as points_with_data_count,
        sum(case when consumption_type = 'estimated' then 1 else 0 end) as points_with_estimates_count
    from intervals
    where interval_minutes = isp_minutes
    group by balancing_group_eic, interval_start_utc

),

isp_length_metered as (

    select
        balancing_group_eic,
        period_start_utc,
        cast(metered_kwh * cast(0.001 as decimal(4, 3)) as decimal(38, 6)) as metered_mwh,
        cast(achieved_kwh * cast(0.001 as decimal(4, 3)) as decimal(38, 6)) as achieved_mwh,
        cast(recalculated_kwh * cast(0.001 as decimal(4, 3)) as decimal(38, 6)) as recalculated_mwh,
        cast(estimated_kwh * cast(0.001 as decimal(4, 3)) as decimal(38, 6)) as estimated_mwh,
        points_with_data_count,
        points_with_estimates_count
    from isp_length_sums

),

-- Every ISP of each group's span at the market's ISP length, with its UTC hour (the join key of the spread).
isp_series as (

    {{ interval_series('spans', 'span_start_utc', 'span_end_utc', 'isp_minutes', 'period_start_utc') }}

),

isp_grid as (

    select
        balancing_group_eic,
        period_start_utc,
        {{ dbt.dateadd('minute', 'isp_minutes', 'period_start_utc') }} as period_end_utc,
        {{ from_local_timestamp(dbt.date_trunc('hour', to_local_timestamp('period_start_utc', "'UTC'")), "'UTC'") }} as hour_start_utc
    from isp_series

),

-- Intervals of another length (hourly meters): spread over the ISPs they overlap, per point and interval.
-- On the usual aligned grids an interval overlaps each of its ISPs by least(interval, ISP) minutes, so that
-- share is rounded once per interval before the join (a quarter of the divisions); any other overlap is
-- divided in the join.
spread_intervals as (

    select
        intervals.*,
        least(intervals.interval_minutes, intervals.isp_minutes) as aligned_overlap_minutes,
        {{ divide_round_half_up(
            'intervals.energy_kwh * least(intervals.interval_minutes, intervals.isp_minutes)',
            'intervals.interval_minutes * 1000',
            6
        ) }} as aligned_share_mwh
    from intervals
    where intervals.interval_minutes <> intervals.isp_minutes

),

spread_overlaps as (

    select
        spread_intervals.balancing_group_eic,
        isp_grid.period_start_utc,
        spread_intervals.metering_point_id,
        spread_intervals.consumption_type,
        spread_intervals.energy_kwh,
        spread_intervals.interval_minutes,
        spread_intervals.aligned_overlap_minutes,
        spread_intervals.aligned_share_mwh,
        {{ overlap_minutes('isp_grid.period_start_utc', 'isp_grid.period_end_utc', 'spread_intervals.interval_start_utc', 'spread_intervals.interval_end_utc') }}
            as overlap_minutes
    from spread_intervals
    inner join isp_grid
        on isp_grid.balancing_group_eic = spread_intervals.balancing_group_eic
        and isp_grid.hour_start_utc = spread_intervals.hour_start_utc
        and isp_grid.period_start_utc < spread_intervals.interval_end_utc
        and isp_grid.period_end_utc > spread_intervals.interval_start_utc

),

spread as (

    select
        balancing_group_eic,
        period_start_utc,
        metering_point_id,
        consumption_type,
        case
            when overlap_minutes = aligned_overlap_minutes then aligned_share_mwh
            else {{ divide_round_half_up('energy_kwh * overlap_minutes', 'interval_minutes * 1000', 6) }}
        end as metered_mwh
    from spread_overlaps

),

spread_metered as (

    select
        balancing_group_eic,
        period_start_utc,
        sum(metered_mwh) as metered_mwh,
        sum(case when consumption_type = 'achieved' then metered_mwh else 0 end) as achieved_mwh,
        sum(case when consumption_type = 'recalculated' then metered_mwh else 0 end) as recalculated_mwh,
        sum(case when consumption_type = 'estimated' then metered_mwh else 0 end) as estimated_mwh,
        count(distinct metering_point_id) as points_with_data_count,
        count(distinct case when consumption_type = 'estimated' then metering_point_id end) as points_with_estimates_count
    from spread
    group by balancing_group_eic, period_start_utc

),

-- A point has intervals of one length, so it is counted on one side only and the counts add up.
metered as (

    select
        balancing_group_eic,
        period_start_utc,
        sum(metered_mwh) as metered_mwh,
        sum(achieved_mwh) as achieved_mwh,
        sum(recalculated_mwh) as recalculated_mwh,
        sum(estimated_mwh) as estimated_mwh,
        sum(points_with_data_count) as points_with_data_count,
        sum(points_with_estimates_count) as points_with_estimates_count
    from (
        select * from isp_length_metered
        union all
        select * from spread_metered
    ) as both_resolutions
    group by balancing_group_eic, period_start_utc

),

periods as (

    select balancing_group_eic, period_start_utc from settled
    union
    select balancing_group_eic, period_start_utc from metered

),

-- Points expected per ISP: a running count of supply starts up to the ISP's start (a supply start at the ISP's
-- start counts: changes sort before the ISP at the same instant). Avoids joining every point to every ISP.
timeline as (

    select balancing_group_eic, period_start_utc as at_utc, 1 as is_period, 0 as points_added
    from periods
    union all
    select balancing_group_eic, supply_start_utc as at_utc, 0 as is_period, count(*) as points_added
    from points
    where supply_start_utc is not null
    group by balancing_group_eic, supply_start_utc

),

expected as (

    select
        balancing_group_eic,
        period_start_utc,
        expected_count
    from (
        select
            balancing_group_eic,
            at_utc as period_start_utc,
            is_period,
            sum(points_added) over (
                partition by balancing_group_eic
                order by at_utc, is_period
                rows between unbounded preceding and current row
            ) as expected_count
        from timeline
    ) as running
    where is_period = 1

)

select
    coalesce(settled.market_code, groups.market_code) as market_code,
    groups.company_id,
    groups.balancing_group_id,
    periods.balancing_group_eic,
    periods.period_start_utc,
    cast(coalesce(settled.period_minutes, spans.isp_minutes) as integer) as period_minutes,
    settled.settled_mwh,
    cast(metered.metered_mwh as decimal(38, 6)) as metered_mwh,
    cast(metered.achieved_mwh as decimal(38, 6)) as achieved_mwh,
    cast(metered.recalculated_mwh as decimal(38, 6)) as recalculated_mwh,
    cast(metered.estimated_mwh as decimal(38, 6)) as estimated_mwh,
    cast(coalesce(expected.expected_count, 0) as integer) as metering_points_expected_count,
    cast(coalesce(metered.points_with_data_count, 0) as integer) as metering_points_with_data_count,
    cast(coalesce(metered.points_with_estimates_count, 0) as integer) as metering_points_with_estimates_count
from periods
left join settled
    on settled.balancing_group_eic = periods.balancing_group_eic
    and settled.period_start_utc = periods.period_start_utc
left join metered
    on metered.balancing_group_eic = periods.balancing_group_eic
    and metered.period_start_utc = periods.period_start_utc
left join expected
    on expected.balancing_group_eic = periods.balancing_group_eic
    and expected.period_start_utc = periods.period_start_utc
left join groups
    on groups.balancing_group_eic = periods.balancing_group_eic
left join spans
    on spans.balancing_group_eic = periods.balancing_group_eic
