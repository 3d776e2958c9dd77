{#-
    reconciliation_tolerance_kwh(dso_energy_kwh): the largest difference between metered and DSO energy
    still called a match: greatest(var reconciliation_tolerance_min_kwh, var reconciliation_tolerance_share
    x the DSO figure), defaults greatest(1 kWh, 0.5 % of the DSO figure), rounded to 3 decimals.
-#}
{% macro reconciliation_tolerance_kwh(dso_energy_kwh) -%}
    cast(greatest(
        cast({{ var('reconciliation_tolerance_min_kwh') }} as decimal(18, 3)),
        cast(coalesce({{ dso_energy_kwh }}, 0) * cast({{ var('reconciliation_tolerance_share') }} as decimal(9, 6)) as decimal(18, 3))
    ) as decimal(18, 3))
{%- endmacro %}
