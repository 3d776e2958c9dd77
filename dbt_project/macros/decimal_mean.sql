{#-
    decimal_mean(sum_expression, count_expression, scale=3)

    Exact mean sum / count rounded half up to `scale` decimals, as DECIMAL(18, scale), without binary
    floats: the division is divide_round_half_up (DuckDB's `/` and avg() return a DOUBLE).
-#}
{% macro decimal_mean(sum_expression, count_expression, scale=3) -%}
    cast({{ divide_round_half_up(sum_expression, count_expression, scale) }} as decimal(18, {{ scale }}))
{%- endmacro %}
