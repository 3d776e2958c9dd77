{#-
    settlement_reconciliation_tolerance_mwh(settled_mwh): the largest difference between the settled volume of
    a balancing group's settlement period and its aggregated meter data still called a match:
    greatest(var settlement_reconciliation_tolerance_min_mwh, var settlement_reconciliation_tolerance_share
    x |settled|), defaults greatest(0.001 MWh, 0.5 % of the settled volume), rounded half up to 6 decimals
    (MWh with 6 decimals is 1 Wh, the settlement's own resolution). A missing settled volume counts as 0.
    The minimum keeps a small group from being flagged for a difference of a few kWh (meter data are
    rounded to 1 Wh per interval, hourly meters are spread over quarter-hours with rounding).
-#}
{% macro settlement_reconciliation_tolerance_mwh(settled_mwh) -%}
    cast(greatest(
        cast({{ var('settlement_reconciliation_tolerance_min_mwh', 0.001) }} as decimal(18, 6)),
        cast(round(
            abs(coalesce({{ settled_mwh }}, 0)) * cast({{ var('settlement_reconciliation_tolerance_share', 0.005) }} as decimal(9, 6)),
            6
        ) as decimal(18, 6))
    ) as decimal(18, 6))
{%- endmacro %}
