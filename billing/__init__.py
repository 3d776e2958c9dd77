"""Billing: invoice arithmetic, charges, invoice types, penalties, payment matching and the invoice register.

Plain Python, no Dagster. Everything computes in memory except `billing.register`, which keeps the
invoice register (numbers, issued invoices) in the warehouse through a DuckDB connection it is given.
"""
