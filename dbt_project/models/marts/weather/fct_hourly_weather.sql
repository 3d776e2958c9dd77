-- Hourly temperature per market: the observation (latest delivery) and the latest forecast issued
-- strictly before the hour began, with the hour in the market's local time.
with temperatures as (

    select * from {{ ref('stg_weather__temperatures') }}

),

actuals as (

    select *
    from (
        select
            market_code,
            valid_at_utc,
            temperature_c,
            row_number() over (
                partition by market_code, valid_at_utc
                order by ingestion_seq desc, source_line desc
            ) as delivery_rank
        from temperatures
        where kind = 'actual'
    ) as ranked_actuals
    where delivery_rank = 1

),

forecasts as (

    select *
    from (
        select
            market_code,
            valid_at_utc,
            issued_at_utc,
            temperature_c,
            row_number() over (
                partition by market_code, valid_at_utc
                order by issued_at_utc desc, ingestion_seq desc, source_line desc
            ) as issue_rank
        from temperatures
        where kind = 'forecast'
            and issued_at_utc < valid_at_utc
    ) as ranked_forecasts
    where issue_rank = 1

),

hours as (

    select market_code, valid_at_utc from actuals
    union
    select market_code, valid_at_utc from forecasts

),

markets as (

    select * from {{ ref('markets') }}

),

localized as (

    select
        hours.market_code,
        hours.valid_at_utc,
        markets.timezone as market_timezone,
        {{ to_local_timestamp('hours.valid_at_utc', 'markets.timezone') }} as valid_at_local
    from hours
    left join markets
        on markets.market_code = hours.market_code

)

select
    localized.market_code,
    localized.valid_at_utc,
    localized.valid_at_local,
    cast(localized.valid_at_local as date) as local_date,
    cast(extract(hour from localized.valid_at_local) as integer) as local_hour,
    localized.market_timezone,
    cast(actuals.temperature_c as decimal(18, 2)) as actual_temperature_c,
    cast(forecasts.temperature_c as decimal(18, 2)) as forecast_temperature_c,
    forecasts.issued_at_utc as forecast_issued_at_utc
from localized
left join actuals
    on actuals.market_code = localized.market_code
    and actuals.valid_at_utc = localized.valid_at_utc
left join forecasts
    on forecasts.market_code = localized.market_code
    and forecasts.valid_at_utc = localized.valid_at_utc
