"""Partner-file ingestion: source contracts, validation, quarantine, loading into raw.*, and the GX suites for raw tables and key marts (no Dagster)."""
