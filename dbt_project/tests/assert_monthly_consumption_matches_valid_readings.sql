-- fct_monthly_consumption checked against independent inputs, per metering point and local month:
--   1. achieved and recalculated rows hold exactly the valid current readings of int_meter_readings_validated
--      (count and the three energy sums, per consumption type), the month taken from each reading's own
--      instant in the market's time zone;
--   2. all rows of the month together have as many intervals as the local calendar has between the month's
--      first day of supply (local midnight) and the next month's local midnight, divided by the interval
--      length (so 23- and 25-hour days are counted right).
-- Returns the disagreeing combinations.
with monthly as (

    select * from {{ ref('fct_monthly_consumption') }}

),

readings as (

    select
        metering_point_id,
        cast({{ dbt.date_trunc('month', to_local_timestamp('interval_start_utc', 'market_timezone')) }} as date) as consumption_month,
        consumption_type,
        count(*) as intervals_count,
        sum(energy_kwh) as energy_kwh,
        sum(inductive_kvarh) as inductive_kvarh,
        sum(capacitive_kvarh) as capacitive_kvarh
    from {{ ref('int_meter_readings_validated') }}
    where is_current and is_valid
    group by 1, 2, 3

),

measured as (

    select metering_point_id, consumption_month, consumption_type, intervals_count, energy_kwh, inductive_kvarh, capacitive_kvarh
    from monthly
    where consumption_type in ('achieved', 'recalculated')

),

reading_mismatches as (

    select
        coalesce(measured.metering_point_id, readings.metering_point_id) as metering_point_id,
        coalesce(measured.consumption_month, readings.consumption_month) as consumption_month,
        coalesce(measured.consumption_type, readings.consumption_type) as consumption_type,
        'valid readings' as check_name,
        cast(measured.intervals_count as bigint) as mart_intervals_count,
        cast(readings.intervals_count as bigint) as expected_intervals_count
    from measured
    full outer join readings
        on readings.metering_point_id = measured.metering_point_id
        and readings.consumption_month = measured.consumption_month
        and readings.consumption_type = measured.consumption_type
    where measured.metering_point_id is null
        or readings.metering_point_id is null
        or measured.intervals_count <> readings.intervals_count
        or measured.energy_kwh <> readings.energy_kwh
        or measured.inductive_kvarh <> readings.inductive_kvarh
        or measured.capacitive_kvarh <> readings.capacitive_kvarh

),

month_totals as (

    select
        monthly.metering_point_id,
        monthly.consumption_month,
        points.market_timezone,
        points.interval_minutes,
        case
            when points.supply_start_date > monthly.consumption_month then points.supply_start_date
            else monthly.consumption_month
        end as first_supply_date,
        sum(monthly.intervals_count) as intervals_count
    from monthly
    inner join {{ ref('dim_metering_points') }} as points
        on points.metering_point_id = monthly.metering_point_id
    group by 1, 2, 3, 4, 5

),

month_minutes as (

    select
        month_totals.*,
        {{ dbt.datediff(
            from_local_timestamp('first_supply_date', 'market_timezone'),
            from_local_timestamp(dbt.dateadd('month', 1, 'consumption_month'), 'market_timezone'),
            'minute'
        ) }} as supplied_minutes
    from month_totals

),

calendar_mismatches as (

    select
        metering_point_id,
        consumption_month,
        cast(null as {{ dbt.type_string() }}) as consumption_type,
        'local calendar' as check_name,
        cast(intervals_count as bigint) as mart_intervals_count,
        cast(supplied_minutes / interval_minutes as bigint) as expected_intervals_count
    from month_minutes
    where intervals_count * interval_minutes <> supplied_minutes

)

select * from reading_mismatches
union all
select * from calendar_mismatches
