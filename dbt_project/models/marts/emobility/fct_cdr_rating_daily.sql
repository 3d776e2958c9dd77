-- Dashboard figures per subsidiary country and local session day: CDRs received, rated, not rated, repeats,
-- notifications to the CPO, and the rated energy and amounts per currency.
with cdrs as (
    select
        c.*,
        cast(timezone(coalesce(e.time_zone, 'UTC'), c.session_start) as date) as session_day
    from {{ ref('fct_cdr_control_center') }} as c
    left join {{ ref('stg_emobility__evse_data') }} as e on e.evse_id = c.evse_id
)

select
    session_day,
    coalesce(country_code, 'unknown') as country_code,
    currency,
    count(*) as cdrs_received,
    count(*) filter (where rating_status = 'rated') as cdrs_rated,
    count(*) filter (where rating_status = 'not_rated') as cdrs_not_rated,
    count(*) filter (where rating_status = 'repeat') as cdrs_repeated,
    count(*) filter (where rating_status = 'pending') as cdrs_pending,
    count(*) filter (where notifies_cpo) as notifications,
    -- a credit CDR takes its energy back, as it takes its amount back
    cast(coalesce(sum(case when is_credit then -energy_kwh else energy_kwh end) filter (where rating_status = 'rated'), 0) as decimal(18,4))
        as rated_energy_kwh,
    cast(coalesce(sum(net_amount) filter (where rating_status = 'rated'), 0) as decimal(18,2)) as rated_net_amount,
    cast(coalesce(sum(gross_amount) filter (where rating_status = 'rated'), 0) as decimal(18,2)) as rated_gross_amount
from cdrs
group by session_day, coalesce(country_code, 'unknown'), currency
