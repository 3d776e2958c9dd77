-- One row per metering point: the attributes of its latest DSO confirmation (latest confirmation month,
-- then latest delivery), with the company's market and time zone and the supply start as a UTC instant.
with confirmations as (

    select * from {{ ref('stg_dso__confirmations') }}

),

ranked as (

    select
        confirmations.*,
        row_number() over (
            partition by metering_point_id
            order by confirmation_month desc, ingestion_seq desc, source_line desc
        ) as confirmation_rank,
        count(*) over (partition by metering_point_id) as confirmations_count,
        min(confirmation_month) over (partition by metering_point_id) as first_confirmation_month
    from confirmations

),

latest as (

    select * from ranked where confirmation_rank = 1

),

companies as (

    select * from {{ ref('stg_masterdata__companies') }}

),

markets as (

    select * from {{ ref('markets') }}

)

select
    latest.metering_point_id,
    latest.dso_id,
    latest.company_id,
    latest.customer_id,
    latest.location_id,
    latest.interval_minutes,
    latest.connection_capacity_kw,
    latest.voltage_level,
    latest.supply_start_date,
    {{ from_local_timestamp('latest.supply_start_date', 'markets.timezone') }} as supply_start_utc,
    companies.country_code as market_code,
    markets.timezone as market_timezone,
    latest.first_confirmation_month,
    latest.confirmation_month as last_confirmation_month,
    latest.confirmations_count,
    latest.source_file as confirmation_source_file,
    latest.source_line as confirmation_source_line
from latest
left join companies
    on companies.company_id = latest.company_id
left join markets
    on markets.market_code = companies.country_code
