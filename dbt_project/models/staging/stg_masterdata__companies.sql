-- Companies of the group, last delivered version per company_id.
with latest as (
    {{ latest_row_per_key(source('masterdata', 'companies'), ['company_id']) }}
)

select
    company_id,
    legal_name,
    country_code,
    market_timezone,
    vat_number,
    _source_file as source_file,
    _source_line as source_line,
    _ingestion_id as ingestion_id,
    _ingestion_seq as ingestion_seq,
    _ingested_at as ingested_at,
    _versions_count as versions_count
from latest
