-- Registry of the files the loader processed, one row per (source, content hash).
select
    ingestion_id,
    ingestion_seq,
    source,
    file_name,
    sha256,
    size_bytes,
    rows_loaded,
    rows_rejected,
    status,
    message,
    ingested_at
from {{ source('ingestion', 'ingested_files') }}
