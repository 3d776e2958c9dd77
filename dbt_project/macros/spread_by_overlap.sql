{#-
    spread_by_overlap(quantity, from_start, from_end, from_minutes, to_start, to_end, scale=6)

    The part of `quantity`, measured over [from_start, from_end) of `from_minutes` minutes, that falls in
    [to_start, to_end): quantity × overlap minutes / from_minutes, exact and rounded half-up to `scale`
    decimals. For rows already joined on overlap. The one rule by which plans, trades, bilateral schedules,
    forecasts and hourly meters move between resolutions: an hour of 0.1 MWh is four quarter-hours of 0.025,
    and four quarter-hours add up to their hour.
-#}
{% macro spread_by_overlap(quantity, from_start, from_end, from_minutes, to_start, to_end, scale=6) -%}
    {{ divide_round_half_up('(' ~ quantity ~ ') * ' ~ overlap_minutes(from_start, from_end, to_start, to_end), from_minutes, scale) }}
{%- endmacro %}
