-- Every balancing group's EIC code is 16 characters from the EIC alphabet (0-9, A-Z, '-') with the ENTSO-E
-- check character last: the 15 characters' values (0-9, A-Z = 10-35, '-' = 36) weighted 16 down to 2 and
-- summed; check value = 36 - ((sum - 1) mod 37). Returns the invalid codes with the expected check character.
{%- set alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-' %}
with codes as (

    select
        balancing_group_id,
        eic_code,
        {% for position in range(1, 16) -%}
        (position(substring(eic_code, {{ position }}, 1) in '{{ alphabet }}') - 1) * {{ 17 - position }}
        {%- if not loop.last %} +{% endif %}
        {% endfor -%} as weighted_sum
    from {{ ref('balancing_groups') }}

),

checked as (

    select
        codes.*,
        substring('{{ alphabet }}', 36 - mod(weighted_sum - 1, 37) + 1, 1) as expected_check_character
    from codes

)

select *
from checked
where length(eic_code) <> 16
    {%- for position in range(1, 16) %}
    or position(substring(eic_code, {{ position }}, 1) in '{{ alphabet }}') = 0
    {%- endfor %}
    or substring(eic_code, 16, 1) <> expected_check_character
