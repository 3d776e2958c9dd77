-- Every local hour 0-23 of every market falls in exactly one tariff zone range.
with hours as (

    select markets.market_code, hour_of_day.local_hour
    from {{ ref('markets') }} as markets
    cross join (
        {% for hour in range(24) -%}
        select {{ hour }} as local_hour{% if not loop.last %} union all {% endif %}
        {% endfor %}
    ) as hour_of_day

)

select
    hours.market_code,
    hours.local_hour,
    count(tariff_zones.tariff_zone) as zones_count
from hours
left join {{ ref('tariff_zones') }} as tariff_zones
    on tariff_zones.market_code = hours.market_code
    and hours.local_hour >= tariff_zones.from_local_hour
    and hours.local_hour < tariff_zones.to_local_hour
group by hours.market_code, hours.local_hour
having count(tariff_zones.tariff_zone) <> 1
