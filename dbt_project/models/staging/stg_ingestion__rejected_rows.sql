-- Rows the loader quarantined while parsing partner files (file-contract violations).
select
    source,
    source_file,
    line_number,
    reason_code,
    reason,
    record,
    ingestion_id,
    ingestion_seq,
    rejected_at
from {{ source('ingestion', 'rejected_rows') }}
