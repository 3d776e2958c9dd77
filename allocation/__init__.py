"""Cost allocation down an object hierarchy and service-charge reconciliations (seed 002, Enectiva). No Dagster import."""
