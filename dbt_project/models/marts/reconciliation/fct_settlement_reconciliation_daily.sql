-- Settlement reconciliation per balancing group and local delivery day: volumes, the number of settlement periods
-- per explanation, and the volume-weighted difference Σ|settled − metered| × 100 / Σ settled (never a mean of
-- per-period percentages). A 23- or 25-hour day has 92 or 100 quarter-hour periods.
select
    delivery_date,
    market_code,
    company_id,
    balancing_group_id,
    balancing_group_eic,
    cast(count(*) as integer) as settlement_periods_count,
    sum(settled_mwh) as settled_mwh,
    sum(metered_mwh) as metered_mwh,
    sum(estimated_mwh) as estimated_mwh,
    sum(difference_mwh) as net_difference_mwh,
    sum(abs(difference_mwh)) as absolute_difference_mwh,
    case
        when sum(settled_mwh) <> 0
            then {{ divide_round_half_up('sum(abs(difference_mwh)) * 100', 'sum(settled_mwh)', 4) }}
    end as absolute_difference_pct,
    {%- for explanation in ['matches', 'no_settlement', 'no_meter_data', 'estimated_intervals', 'missing_metering_points', 'unexplained'] %}
    cast(sum(case when explanation = '{{ explanation }}' then 1 else 0 end) as integer) as {{ explanation }}_count{{ ',' if not loop.last }}
    {%- endfor %}
from {{ ref('fct_settlement_reconciliation') }}
group by delivery_date, market_code, company_id, balancing_group_id, balancing_group_eic
