"""Billing: invoice arithmetic, penalties and the invoice register, in plain Python (no Dagster, no warehouse I/O)."""
