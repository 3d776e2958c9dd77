-- Bank statement lines, last delivered version of each (statement_id, line_number): a line delivered again in a
-- later file is the bank's correction of it. Positive amounts are money received, negative money paid out.
with latest as (
    {{ latest_row_per_key(source('bank', 'statement_lines'), ['statement_id', 'line_number']) }}
)

select
    statement_id,
    line_number,
    account_iban,
    booking_date,
    value_date,
    amount,
    currency,
    payer_name,
    payer_iban,
    remittance_info,
    bank_reference,
    _source_file as source_file,
    _source_line as source_line,
    _ingestion_id as ingestion_id,
    _ingestion_seq as ingestion_seq,
    _ingested_at as ingested_at,
    _versions_count as versions_count
from latest
