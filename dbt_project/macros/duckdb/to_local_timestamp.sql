{#-
    Time-zone conversions. Instants are stored as TIMESTAMPTZ (UTC); local calendar values are plain
    TIMESTAMPs (wall-clock time without zone). DuckDB-specific: `timezone(zone, x)` (ICU, built in).

    to_local_timestamp(timestamp_utc, time_zone)
        TIMESTAMPTZ instant -> TIMESTAMP wall-clock time in the IANA `time_zone`.
        The argument must be a TIMESTAMPTZ: on a plain TIMESTAMP DuckDB's `timezone()` goes the other way.
    from_local_timestamp(local_timestamp, time_zone)
        TIMESTAMP wall-clock time in `time_zone` -> TIMESTAMPTZ instant. Only use it for wall-clock
        times that exist exactly once (local midnights in our markets: DST switches at 03:00/04:00).

    `time_zone` is a SQL expression: a column (`market_timezone`) or a quoted literal (`'UTC'`).
-#}
{% macro to_local_timestamp(timestamp_utc, time_zone) -%}
    {{ return(adapter.dispatch('to_local_timestamp', 'voltbill')(timestamp_utc, time_zone)) }}
{%- endmacro %}

{% macro default__to_local_timestamp(timestamp_utc, time_zone) -%}
    {{ exceptions.raise_compiler_error("to_local_timestamp has no implementation for adapter '" ~ adapter.type() ~ "' yet") }}
{%- endmacro %}

{% macro duckdb__to_local_timestamp(timestamp_utc, time_zone) -%}
    timezone({{ time_zone }}, {{ timestamp_utc }})
{%- endmacro %}


{% macro from_local_timestamp(local_timestamp, time_zone) -%}
    {{ return(adapter.dispatch('from_local_timestamp', 'voltbill')(local_timestamp, time_zone)) }}
{%- endmacro %}

{% macro default__from_local_timestamp(local_timestamp, time_zone) -%}
    {{ exceptions.raise_compiler_error("from_local_timestamp has no implementation for adapter '" ~ adapter.type() ~ "' yet") }}
{%- endmacro %}

{% macro duckdb__from_local_timestamp(local_timestamp, time_zone) -%}
    timezone({{ time_zone }}, cast({{ local_timestamp }} as timestamp))
{%- endmacro %}
