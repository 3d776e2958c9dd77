{#-
    overlap_minutes(start_a, end_a, start_b, end_b)

    Minutes two half-open intervals [start_a, end_a) and [start_b, end_b) have in common, for rows
    already joined on `start_a < end_b and end_a > start_b` (so the result is positive). Used to spread
    a quantity of one resolution over periods of another (hourly plans over 15-minute settlement periods
    or market time units, and back) in proportion to the overlap.
-#}
{% macro overlap_minutes(start_a, end_a, start_b, end_b) -%}
    date_diff('minute', greatest({{ start_a }}, {{ start_b }}), least({{ end_a }}, {{ end_b }}))
{%- endmacro %}
