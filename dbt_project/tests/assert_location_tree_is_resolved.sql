-- Every location's root was reached: the root has no parent. Fails for a cycle, an orphan (parent not
-- delivered) or a tree deeper than var location_tree_max_depth.
select locations.*
from {{ ref('dim_locations') }} as locations
inner join {{ ref('stg_masterdata__locations') }} as roots
    on roots.location_id = locations.root_location_id
where roots.parent_location_id is not null
