"""Dagster wiring: the one `Definitions` object, resources, jobs, sensors and check factories. No business logic."""
