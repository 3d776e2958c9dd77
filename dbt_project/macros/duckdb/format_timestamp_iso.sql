{#-
    format_timestamp_iso(timestamp_utc): text `YYYY-MM-DDTHH:MM:SSZ` of a TIMESTAMPTZ instant, in UTC,
    for messages people read (rejection reasons). DuckDB-specific: strftime().
-#}
{% macro format_timestamp_iso(timestamp_utc) -%}
    {{ return(adapter.dispatch('format_timestamp_iso', 'voltbill')(timestamp_utc)) }}
{%- endmacro %}

{% macro default__format_timestamp_iso(timestamp_utc) -%}
    {{ exceptions.raise_compiler_error("format_timestamp_iso has no implementation for adapter '" ~ adapter.type() ~ "' yet") }}
{%- endmacro %}

{% macro duckdb__format_timestamp_iso(timestamp_utc) -%}
    strftime(timezone('UTC', {{ timestamp_utc }}), '%Y-%m-%dT%H:%M:%SZ')
{%- endmacro %}
