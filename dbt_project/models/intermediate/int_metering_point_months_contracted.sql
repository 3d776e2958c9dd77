-- One row per metering point and local month of its interval spine, with the contract version in force
-- for the point's customer on the month's first day of supply (the later of the month's first day and the
-- supply start). When several contracts of the customer qualify, the one with the latest valid_from wins
-- (then the lowest contract_id). contract_id is null when no contract is in force.
-- This is the one contract-assignment rule: fct_monthly_consumption and fct_monthly_contract_consumption
-- both take their contract version from here.
with point_months as (

    select distinct
        metering_point_id,
        local_month,
        company_id,
        customer_id,
        supply_start_date
    from {{ ref('int_meter_intervals_spined') }}

),

dated as (

    select
        point_months.*,
        case
            when supply_start_date > local_month then supply_start_date
            else local_month
        end as first_supply_date
    from point_months

),

contract_candidates as (

    select
        dated.metering_point_id,
        dated.local_month,
        contracts.contract_id,
        contracts.addendum_number,
        row_number() over (
            partition by dated.metering_point_id, dated.local_month
            order by contracts.valid_from desc, contracts.contract_id, contracts.addendum_number desc
        ) as contract_rank
    from dated
    inner join {{ ref('int_contract_versions_sequenced') }} as contracts
        on contracts.company_id = dated.company_id
        and contracts.customer_id = dated.customer_id
        and contracts.valid_from <= dated.first_supply_date
        and (contracts.valid_to is null or contracts.valid_to >= dated.first_supply_date)

)

select
    dated.metering_point_id,
    dated.local_month,
    dated.company_id,
    dated.customer_id,
    dated.supply_start_date,
    dated.first_supply_date,
    contract_candidates.contract_id,
    contract_candidates.addendum_number
from dated
left join contract_candidates
    on contract_candidates.metering_point_id = dated.metering_point_id
    and contract_candidates.local_month = dated.local_month
    and contract_candidates.contract_rank = 1
