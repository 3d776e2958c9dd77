-- Monthly consumption in long format: one row per local month, metering point, consumption type
-- (achieved, estimated, recalculated) and energy type (active kWh, inductive / capacitive reactive kvarh).
-- The contract is the version in force, for the point's customer, on the month's first day of supply
-- (the later of the month's first day and the supply start); when several contracts qualify the one with
-- the latest valid_from wins. Null when no contract is in force.
with intervals as (

    select * from {{ ref('int_meter_intervals_filled') }}

),

totals as (

    select
        metering_point_id,
        local_month,
        market_timezone,
        company_id,
        customer_id,
        consumption_type,
        sum(energy_kwh) as energy_kwh,
        sum(inductive_kvarh) as inductive_kvarh,
        sum(capacitive_kvarh) as capacitive_kvarh,
        count(*) as intervals_count
    from intervals
    group by metering_point_id, local_month, market_timezone, company_id, customer_id, consumption_type

),

point_months as (

    select distinct
        intervals.metering_point_id,
        intervals.local_month,
        intervals.company_id,
        intervals.customer_id,
        case
            when points.supply_start_date > intervals.local_month then points.supply_start_date
            else intervals.local_month
        end as first_supply_date
    from intervals
    inner join {{ ref('int_metering_points_confirmed') }} as points
        on points.metering_point_id = intervals.metering_point_id

),

contract_candidates as (

    select
        point_months.metering_point_id,
        point_months.local_month,
        contracts.contract_id,
        contracts.addendum_number,
        row_number() over (
            partition by point_months.metering_point_id, point_months.local_month
            order by contracts.valid_from desc, contracts.contract_id, contracts.addendum_number desc
        ) as contract_rank
    from point_months
    inner join {{ ref('int_contract_versions_sequenced') }} as contracts
        on contracts.company_id = point_months.company_id
        and contracts.customer_id = point_months.customer_id
        and contracts.valid_from <= point_months.first_supply_date
        and (contracts.valid_to is null or contracts.valid_to >= point_months.first_supply_date)

),

contracted as (

    select
        totals.*,
        contract_candidates.contract_id,
        contract_candidates.addendum_number
    from totals
    left join contract_candidates
        on contract_candidates.metering_point_id = totals.metering_point_id
        and contract_candidates.local_month = totals.local_month
        and contract_candidates.contract_rank = 1

),

unpivoted as (

    select contracted.*, 'active' as energy_type, energy_kwh as quantity, 'kWh' as unit from contracted
    union all
    select contracted.*, 'inductive_reactive' as energy_type, inductive_kvarh as quantity, 'kvarh' as unit from contracted
    union all
    select contracted.*, 'capacitive_reactive' as energy_type, capacitive_kvarh as quantity, 'kvarh' as unit from contracted

)

select
    local_month as consumption_month,
    metering_point_id,
    market_timezone,
    company_id,
    customer_id,
    contract_id,
    addendum_number,
    consumption_type,
    energy_type,
    cast(quantity as decimal(18, 3)) as quantity,
    unit,
    cast(intervals_count as integer) as intervals_count
from unpivoted
