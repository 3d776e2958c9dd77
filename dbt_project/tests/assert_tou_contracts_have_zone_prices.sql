{{ config(severity='warn') }}
-- TOU contract versions whose billing settings in force lack a price for a tariff zone of their market
-- (the `tariff_zones` seed: RO day/night, BG day/night/peak). Returns one row per version, settings row
-- and missing zone; settings_effective_from is null when no settings are in force on the version's first day
-- (tariff_zone is then every zone of the market). A warning, not an error: the contract can still be loaded,
-- but its energy cannot be priced until the CRM delivers the prices.
with contracts as (

    select
        contract_id,
        addendum_number,
        company_id,
        effective_from,
        effective_to,
        lead(effective_from) over (partition by contract_id order by addendum_number) as next_effective_from,
        product_code
    from {{ ref('stg_crm__contracts') }}

),

tou_versions as (

    select
        contracts.contract_id,
        contracts.addendum_number,
        companies.country_code as market_code,
        contracts.effective_from as valid_from,
        case
            when contracts.next_effective_from is null then contracts.effective_to
            when contracts.effective_to is not null
                and contracts.effective_to < cast({{ dbt.dateadd('day', -1, 'contracts.next_effective_from') }} as date)
                then contracts.effective_to
            else cast({{ dbt.dateadd('day', -1, 'contracts.next_effective_from') }} as date)
        end as valid_to
    from contracts
    left join {{ ref('stg_masterdata__companies') }} as companies
        on companies.company_id = contracts.company_id
    where contracts.product_code = 'TOU'

),

settings as (

    select
        contract_id,
        effective_from as valid_from,
        cast({{ dbt.dateadd('day', -1, 'lead(effective_from) over (partition by contract_id order by effective_from)') }} as date)
            as valid_to,
        day_price_per_kwh,
        night_price_per_kwh,
        peak_price_per_kwh
    from {{ ref('stg_crm__contract_billing_settings') }}

),

market_zones as (

    select distinct market_code, tariff_zone
    from {{ ref('tariff_zones') }}

),

-- every settings row in force during some day of a TOU version
overlapping as (

    select
        tou_versions.contract_id,
        tou_versions.addendum_number,
        tou_versions.market_code,
        settings.valid_from as settings_effective_from,
        settings.day_price_per_kwh,
        settings.night_price_per_kwh,
        settings.peak_price_per_kwh
    from tou_versions
    inner join settings
        on settings.contract_id = tou_versions.contract_id
        and settings.valid_from <= coalesce(tou_versions.valid_to, cast('9999-12-31' as date))
        and coalesce(settings.valid_to, cast('9999-12-31' as date)) >= tou_versions.valid_from

),

missing_prices as (

    select
        overlapping.contract_id,
        overlapping.addendum_number,
        overlapping.settings_effective_from,
        market_zones.tariff_zone
    from overlapping
    inner join market_zones
        on market_zones.market_code = overlapping.market_code
    where (market_zones.tariff_zone = 'day' and overlapping.day_price_per_kwh is null)
        or (market_zones.tariff_zone = 'night' and overlapping.night_price_per_kwh is null)
        or (market_zones.tariff_zone = 'peak' and overlapping.peak_price_per_kwh is null)

),

no_settings_on_first_day as (

    select
        tou_versions.contract_id,
        tou_versions.addendum_number,
        cast(null as date) as settings_effective_from,
        market_zones.tariff_zone
    from tou_versions
    left join market_zones
        on market_zones.market_code = tou_versions.market_code
    where not exists (
        select 1
        from settings
        where settings.contract_id = tou_versions.contract_id
            and settings.valid_from <= tou_versions.valid_from
            and coalesce(settings.valid_to, cast('9999-12-31' as date)) >= tou_versions.valid_from
    )

)

select * from missing_prices
union all
select * from no_settings_on_first_day
