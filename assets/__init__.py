"""Dagster assets grouped by domain; each is thin and calls into the plain-Python packages."""
