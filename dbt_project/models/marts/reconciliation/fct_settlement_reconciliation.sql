-- The market operator's settled volume of each balancing group and imbalance settlement period (ISP) against
-- the group's aggregated meter data (int_settlement_periods_metered), with the difference and its most likely
-- explanation. difference_mwh = settled − metered (a missing side counts as 0); tolerance_mwh =
-- greatest(0.001 MWh, 0.5 % of |settled|) (macro settlement_reconciliation_tolerance_mwh). Explanation, first
-- that applies:
--   no_settlement            the group has meter data in the ISP but the market operator settled no volume
--   no_meter_data            settled, but no metering point of the group has meter data in the ISP
--   matches                  |difference| <= tolerance
--   estimated_intervals      some of the group's meter data in the ISP are estimates (missing or rejected
--                            readings): the period cannot be reconciled until actual readings replace them; the
--                            detail says whether the difference is within the estimated energy
--   missing_metering_points  settled > metered and metering points expected in the ISP (supplied) have no meter
--                            data: their consumption could close it
--   unexplained              anything else: to be raised with the TSO
-- difference_pct = difference × 100 / settled, exact decimal division rounded half up to 4 decimals.
with periods as (

    select * from {{ ref('int_settlement_periods_metered') }}

),

markets as (

    select market_code, timezone as market_timezone from {{ ref('markets') }}

),

compared as (

    select
        periods.*,
        markets.market_timezone,
        cast(coalesce(periods.settled_mwh, 0) - coalesce(periods.metered_mwh, 0) as decimal(38, 6)) as difference_mwh,
        {{ settlement_reconciliation_tolerance_mwh('periods.settled_mwh') }} as tolerance_mwh,
        periods.metering_points_expected_count - periods.metering_points_with_data_count as metering_points_missing_count
    from periods
    left join markets
        on markets.market_code = periods.market_code

),

explained as (

    select
        compared.*,
        case
            when settled_mwh is null then 'no_settlement'
            when metered_mwh is null then 'no_meter_data'
            when abs(difference_mwh) <= tolerance_mwh then 'matches'
            when metering_points_with_estimates_count > 0 then 'estimated_intervals'
            when metering_points_missing_count > 0 and difference_mwh > 0 then 'missing_metering_points'
            else 'unexplained'
        end as explanation,
        cast(settled_mwh as {{ dbt.type_string() }}) as settled_text,
        cast(metered_mwh as {{ dbt.type_string() }}) as metered_text,
        case when difference_mwh > 0 then '+' else '' end || cast(difference_mwh as {{ dbt.type_string() }}) as difference_text,
        cast(tolerance_mwh as {{ dbt.type_string() }}) as tolerance_text,
        cast(estimated_mwh as {{ dbt.type_string() }}) as estimated_text,
        cast(metering_points_expected_count as {{ dbt.type_string() }}) as expected_text,
        cast(metering_points_with_data_count as {{ dbt.type_string() }}) as with_data_text,
        cast(metering_points_missing_count as {{ dbt.type_string() }}) as missing_text,
        cast(metering_points_with_estimates_count as {{ dbt.type_string() }}) as with_estimates_text
    from compared

)

select
    market_code,
    company_id,
    balancing_group_id,
    balancing_group_eic,
    cast({{ to_local_timestamp('period_start_utc', 'market_timezone') }} as date) as delivery_date,
    period_start_utc,
    {{ to_local_timestamp('period_start_utc', 'market_timezone') }} as period_start_local,
    period_minutes,
    settled_mwh,
    metered_mwh,
    achieved_mwh,
    recalculated_mwh,
    estimated_mwh,
    difference_mwh,
    cast(case
        when settled_mwh <> 0 then {{ divide_round_half_up('difference_mwh * 100', 'settled_mwh', 4) }}
    end as decimal(38, 4)) as difference_pct,
    tolerance_mwh,
    metering_points_expected_count,
    metering_points_with_data_count,
    cast(metering_points_missing_count as integer) as metering_points_missing_count,
    metering_points_with_estimates_count,
    explanation,
    case explanation
        when 'matches' then
            'Settled ' || settled_text || ' MWh and metered ' || metered_text || ' MWh agree within the tolerance of '
            || tolerance_text || ' MWh (difference ' || difference_text || ' MWh).'
        when 'no_settlement' then
            'Metered ' || metered_text || ' MWh from ' || with_data_text || ' of ' || expected_text
            || ' metering points, but the market operator settled no volume for this period: ask the TSO for the settlement of the period.'
        when 'no_meter_data' then
            case
                when metering_points_expected_count = 0 then
                    'Settled ' || settled_text || ' MWh, but no metering point of the group is supplied in this period (none assigned, '
                    || 'or supply not started yet): check the group''s metering point assignment and supply start dates.'
                else
                    'Settled ' || settled_text || ' MWh, but none of the ' || expected_text
                    || ' metering points supplied in the group has meter data for this period: the DSO has not delivered their readings.'
            end
        when 'estimated_intervals' then
            'Settled ' || settled_text || ' MWh vs metered ' || metered_text || ' MWh: the difference of ' || difference_text
            || case
                when abs(difference_mwh) <= estimated_mwh then ' MWh is within the '
                else ' MWh is larger than the '
            end
            || estimated_text || ' MWh estimated for missing readings of ' || with_estimates_text
            || ' metering point(s): the period cannot be reconciled until actual readings replace the estimates.'
        when 'missing_metering_points' then
            'Settled ' || settled_text || ' MWh exceeds metered ' || metered_text || ' MWh by ' || cast(difference_mwh as {{ dbt.type_string() }}) || ' MWh and '
            || missing_text || ' of ' || expected_text
            || ' metering points supplied in the group have no meter data for this period: their consumption could close it once the DSO delivers it.'
        else
            'Settled ' || settled_text || ' MWh vs metered ' || metered_text || ' MWh: the difference of ' || difference_text
            || ' MWh exceeds the tolerance of ' || tolerance_text || ' MWh and is explained neither by estimates ('
            || coalesce(estimated_text, '0') || ' MWh) nor by metering points without data (' || missing_text || ' of ' || expected_text
            || '): raise it with the TSO.'
    end as explanation_detail
from explained
