-- Locations (region > site > building), last delivered version per location_id.
with latest as (
    {{ latest_row_per_key(source('masterdata', 'locations'), ['location_id']) }}
)

select
    location_id,
    company_id,
    parent_location_id,
    location_type,
    name as location_name,
    address,
    city,
    _source_file as source_file,
    _source_line as source_line,
    _ingestion_id as ingestion_id,
    _ingestion_seq as ingestion_seq,
    _ingested_at as ingested_at,
    _versions_count as versions_count
from latest
