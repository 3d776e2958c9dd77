{#-
    decimal_mean(sum_expression, count_expression, scale=3)

    Exact mean of non-negative decimals, rounded half up to `scale` decimals, as DECIMAL(18, scale).
    Plain avg() or decimal division returns a binary float on DuckDB; here the quotient is formed on
    integer units: floor((2 * sum * 10^scale + n) / (2 * n)) * 10^-scale, which is exact while the sum
    in units stays below 2^52. Portable: only floor, arithmetic and casts.
-#}
{% macro decimal_mean(sum_expression, count_expression, scale=3) -%}
    cast(
        cast(
            floor((2 * ({{ sum_expression }}) * {{ 10 ** scale }} + ({{ count_expression }})) / (2 * ({{ count_expression }})))
            as decimal(38, 0)
        ) * cast({{ '0.' ~ ('0' * (scale - 1)) ~ '1' }} as decimal(18, {{ scale }}))
        as decimal(18, {{ scale }})
    )
{%- endmacro %}
