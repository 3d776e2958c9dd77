{#-
    divide_round_half_up(numerator, denominator, scale)

    Exact quotient numerator / denominator of two decimals (or integers), rounded half up (ties away
    from zero, like Python's ROUND_HALF_UP) to `scale` decimals, as DECIMAL(38, scale). Null when the
    denominator is 0 or either side is null.

    DuckDB-specific: DuckDB's `/` returns a DOUBLE for every DECIMAL (and integer) operand, whatever
    the precision (DECIMAL(38,10) / DECIMAL(38,10) is DOUBLE too), so a plain division would round a
    binary float: round(2.010 * 100 / 200.000, 2) gives 1.00, not 1.01. Here both sides are scaled to
    integer units of 10^-10 (HUGEINT, exact for inputs with at most 10 decimals and 28 integer digits)
    and the rounded quotient is formed with integer division (`//`):
        units = (2 * |n| * 10^scale + |d|) // (2 * |d|),  sign from n and d,
    then multiplied (exactly) by 10^-scale.
-#}
{% macro divide_round_half_up(numerator, denominator, scale=2) -%}
    {{ return(adapter.dispatch('divide_round_half_up', 'voltbill')(numerator, denominator, scale)) }}
{%- endmacro %}

{% macro default__divide_round_half_up(numerator, denominator, scale=2) -%}
    {{ exceptions.raise_compiler_error("divide_round_half_up has no implementation for adapter '" ~ adapter.type() ~ "' yet") }}
{%- endmacro %}

{% macro duckdb__divide_round_half_up(numerator, denominator, scale=2) -%}
    {%- set n_units = 'cast(cast(' ~ numerator ~ ' as decimal(38, 10)) * 10000000000 as hugeint)' -%}
    {%- set d_units = 'cast(cast(' ~ denominator ~ ' as decimal(38, 10)) * 10000000000 as hugeint)' -%}
    (case
        when ({{ denominator }}) = 0 then null
        else cast(
            cast(
                (case when (({{ numerator }}) < 0) <> (({{ denominator }}) < 0) then -1 else 1 end)
                * ((2 * abs({{ n_units }}) * {{ 10 ** scale }} + abs({{ d_units }})) // (2 * abs({{ d_units }})))
                as decimal(38, 0)
            ) * cast({{ '1' if scale == 0 else '0.' ~ ('0' * (scale - 1)) ~ '1' }} as decimal(38, {{ scale }}))
            as decimal(38, {{ scale }})
        )
    end)
{%- endmacro %}
