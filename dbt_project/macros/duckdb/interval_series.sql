{#-
    interval_series(relation, start_column, end_column, step_minutes_column, output_column)

    One row per fixed-length interval between two instants, for every row of `relation`:
    all columns of the row plus `output_column` (TIMESTAMPTZ), running from `start_column` (inclusive)
    to `end_column` (exclusive) in steps of `step_minutes_column` minutes. The series is computed on
    UTC wall-clock values, so a 23- or 25-hour local day gets 92 or 100 quarter-hours.

    `relation` is anything that can follow FROM (a ref or a CTE name). DuckDB-specific: range(), unnest().
-#}
{% macro interval_series(relation, start_column, end_column, step_minutes_column, output_column) -%}
    {{ return(adapter.dispatch('interval_series', 'voltbill')(relation, start_column, end_column, step_minutes_column, output_column)) }}
{%- endmacro %}

{% macro default__interval_series(relation, start_column, end_column, step_minutes_column, output_column) -%}
    {{ exceptions.raise_compiler_error("interval_series has no implementation for adapter '" ~ adapter.type() ~ "' yet") }}
{%- endmacro %}

{% macro duckdb__interval_series(relation, start_column, end_column, step_minutes_column, output_column) -%}
    select
        series.* exclude (_series_utc_wall_clock),
        timezone('UTC', series._series_utc_wall_clock) as {{ output_column }}
    from (
        select
            base.*,
            unnest(range(
                timezone('UTC', base.{{ start_column }}),
                timezone('UTC', base.{{ end_column }}),
                to_minutes(cast(base.{{ step_minutes_column }} as bigint))
            )) as _series_utc_wall_clock
        from {{ relation }} as base
    ) as series
{%- endmacro %}
