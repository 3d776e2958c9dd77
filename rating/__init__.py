"""Rating charge detail records (CDRs) of EV charging sessions: OCPI 2.2.1 tariffs and Hubject-style offers. No Dagster import."""
