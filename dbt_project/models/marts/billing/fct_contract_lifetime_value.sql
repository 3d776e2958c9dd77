-- Each contract's value over its whole lifetime: what its final documents billed (net of VAT) plus what its remaining
-- months are expected to bring, by a rule set in dbt_project.yml (vars, override with --vars):
--   contract_value_basis             'ordered' = the current version's ordered monthly kWh; 'actual' = the average kWh of
--                                    the billed months in the lookback
--   contract_value_lookback_months   billed months the unit value (and the 'actual' quantity) come from
--   contract_value_open_ended_months months an open-ended contract is projected beyond its last billed month
--   contract_value_charge_types      line charge types that count as the contract's value (all supply charges by default;
--                                    ['energy'] gives the value of the energy alone)
-- unit_value_per_kwh = Σ counted net of the lookback months ÷ their kWh, half up to 6 decimals (the current energy price
-- when nothing was billed yet). projected = remaining months × monthly kWh × unit value, rounded half up once.
-- Amounts are per currency: a contract billed in two currencies (the Bulgarian euro changeover) has a row for each, and
-- only the row of its current currency carries the projection.
{% set charge_types = var('contract_value_charge_types') %}

with current_versions as (

    select contract_id, company_id, customer_id, product_code, currency, ordered_monthly_kwh, energy_price_per_kwh,
           coalesce(valid_to, effective_to) as contract_end_date
    from {{ ref('dim_contracts') }}
    where is_current

),

first_versions as (

    select contract_id, min(valid_from) as contract_start_date
    from {{ ref('dim_contracts') }}
    group by contract_id

),

billed_lines as (

    select contract_id, currency, billing_month, net_amount
    from {{ ref('fct_invoice_lines') }}
    where billing_stage = 'final'
      and invoice_type <> 'penalty'
      and contract_id is not null
      and charge_type in ({% for charge_type in charge_types %}'{{ charge_type }}'{% if not loop.last %}, {% endif %}{% endfor %})

),

billed_months as (

    select contract_id, currency, billing_month, sum(net_amount) as net_amount
    from billed_lines
    group by all

),

month_kwh as (

    select contract_id, consumption_month as billing_month, total_kwh
    from {{ ref('fct_monthly_contract_consumption') }}

),

ranked as (

    select
        billed_months.*,
        coalesce(month_kwh.total_kwh, 0) as total_kwh,
        row_number() over (partition by billed_months.contract_id, billed_months.currency order by billed_months.billing_month desc) as recency
    from billed_months
    left join month_kwh using (contract_id, billing_month)

),

per_currency as (

    select
        contract_id,
        currency,
        cast(count(*) as integer) as billed_months_count,
        min(billing_month) as first_billed_month,
        max(billing_month) as last_billed_month,
        cast(sum(total_kwh) as decimal(18, 3)) as billed_kwh,
        cast(sum(net_amount) as decimal(18, 2)) as billed_net_amount,
        cast(count(*) filter (where recency <= {{ var('contract_value_lookback_months') }}) as integer) as lookback_months_count,
        cast(sum(total_kwh) filter (where recency <= {{ var('contract_value_lookback_months') }}) as decimal(18, 3)) as lookback_kwh,
        cast(sum(net_amount) filter (where recency <= {{ var('contract_value_lookback_months') }}) as decimal(18, 2)) as lookback_net_amount
    from ranked
    group by all

),

projected as (

    select
        per_currency.*,
        current_versions.company_id,
        current_versions.customer_id,
        current_versions.product_code,
        current_versions.contract_end_date,
        first_versions.contract_start_date,
        per_currency.currency = current_versions.currency as is_current_currency,
        case
            when per_currency.currency <> current_versions.currency then 0
            when current_versions.contract_end_date is null then {{ var('contract_value_open_ended_months') }}
            else greatest(0, date_diff('month', per_currency.last_billed_month, date_trunc('month', current_versions.contract_end_date)))
        end as remaining_months_count,
        case '{{ var('contract_value_basis') }}'
            when 'actual' then {{ divide_round_half_up('per_currency.lookback_kwh', 'per_currency.lookback_months_count', 3) }}
            else current_versions.ordered_monthly_kwh
        end as projected_monthly_kwh,
        coalesce(
            {{ divide_round_half_up('per_currency.lookback_net_amount', 'per_currency.lookback_kwh', 6) }},
            current_versions.energy_price_per_kwh
        ) as unit_value_per_kwh
    from per_currency
    inner join current_versions using (contract_id)
    inner join first_versions using (contract_id)

)

select
    contract_id,
    company_id,
    customer_id,
    product_code,
    currency,
    is_current_currency,
    contract_start_date,
    contract_end_date,
    first_billed_month,
    last_billed_month,
    billed_months_count,
    billed_kwh,
    billed_net_amount,
    cast(remaining_months_count as integer) as remaining_months_count,
    '{{ var('contract_value_basis') }}' as projection_basis,
    cast(projected_monthly_kwh as decimal(18, 3)) as projected_monthly_kwh,
    cast(unit_value_per_kwh as decimal(18, 6)) as unit_value_per_kwh,
    projected_net_amount,
    cast(billed_net_amount + projected_net_amount as decimal(18, 2)) as lifetime_net_amount
from (
    select
        projected.*,
        -- months x kWh is exact in decimal(18, 3); x the unit value in decimal(36, 9); rounded half up once
        cast(round(cast(remaining_months_count * projected_monthly_kwh as decimal(18, 3)) * cast(unit_value_per_kwh as decimal(18, 6)), 2)
            as decimal(18, 2)) as projected_net_amount
    from projected
) as valued
