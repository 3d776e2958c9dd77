-- Location tree (region > site > building) flattened: each location with its root, depth (root = 0) and
-- the path of names from the root. Ancestors are resolved by a fixed number of self-joins
-- (var location_tree_max_depth) instead of a recursive CTE, so the SQL runs on every warehouse.
{%- set max_depth = var('location_tree_max_depth') | int %}
with locations as (

    select * from {{ ref('stg_masterdata__locations') }}

),

ancestors as (

    select
        node.location_id,
        node.company_id,
        node.parent_location_id,
        node.location_type,
        node.location_name,
        node.address,
        node.city
        {%- for level in range(1, max_depth + 1) %},
        ancestor_{{ level }}.location_id as ancestor_{{ level }}_id,
        ancestor_{{ level }}.location_name as ancestor_{{ level }}_name
        {%- endfor %}
    from locations as node
    {%- for level in range(1, max_depth + 1) %}
    left join locations as ancestor_{{ level }}
        on ancestor_{{ level }}.location_id = {{ 'node' if level == 1 else 'ancestor_' ~ (level - 1) }}.parent_location_id
    {%- endfor %}

)

select
    location_id,
    company_id,
    parent_location_id,
    location_type,
    location_name as name,
    address,
    city,
    coalesce(
        {%- for level in range(max_depth, 0, -1) %}
        ancestor_{{ level }}_id,
        {%- endfor %}
        location_id
    ) as root_location_id,
    cast(
        {%- for level in range(1, max_depth + 1) %}
        case when ancestor_{{ level }}_id is not null then 1 else 0 end +
        {%- endfor %}
        0
    as integer) as depth,
    {%- for level in range(max_depth, 0, -1) %}
    case when ancestor_{{ level }}_id is not null then ancestor_{{ level }}_name || ' > ' else '' end ||
    {%- endfor %}
    location_name as path
from ancestors
