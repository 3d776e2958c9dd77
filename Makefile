# Voltbill: `make run` builds everything on the sample portfolio, `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# The venv's tools first: dagster-dbt looks for `dbt` on PATH when `dagster dev` re-parses the project.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export DAGSTER_HOME := $(CURDIR)
export VOLTBILL_DATA_DIR ?= $(CURDIR)/data
export VOLTBILL_WAREHOUSE_PATH ?= $(VOLTBILL_DATA_DIR)/warehouse/voltbill.duckdb
export PYTHONUNBUFFERED := 1
# Absolute paths: dbt records them in the manifest, and Dagster runs dbt from another directory.
DBT_FLAGS := --project-dir $(CURDIR)/dbt_project --profiles-dir $(CURDIR)/dbt_project
SAMPLE_SEED ?= 42
SAMPLE_METERS ?= 160
SAMPLE_MONTHS ?= 13
BENCH_METERS ?= 1000
BENCH_CDRS ?= 1000000
BENCH_INVOICES ?= 10000
# Console log level of CLI runs (the UI keeps every event at DEBUG regardless).
RUN_LOG_CONFIG := {"loggers": {"console": {"config": {"log_level": "INFO"}}}}
# make run: the pipeline (what the `pipeline` job runs), the model choice by backtest, then the day-ahead forecast for the last
# FORECAST_DAYS delivery days up to the day after the last metered one (one run, single-run
# backfill), then the dbt models and serving copy that read the forecasts.
FORECAST_DAYS ?= 8
DAY_AHEAD_ASSETS := key:"forecasting/series_forecasts" or key:"forecasting/purchase_plans"
MODEL_SELECTION_ASSET := key:"forecasting/model_selection"
# Billing partitions (month x company) run through orchestration.billing_runs, oldest month first.
BILLING_PARTITIONED := key:"billing/issued_invoices" or key:"billing/number_series" or key:"billing/invoice_documents" or key:"billing/invoice_lines" or key:"billing/invoice_vat_groups" or key:"billing/recalculation_values" or key:"billing/billing_exceptions" or key:"billing/penalty_invoices"
# The documents: render (PDF, e-invoices, zips), period exports, e-mail (when VOLTBILL_SMTP_HOST is set), notices.
INVOICING_ASSETS := key:"invoicing/*"
PIPELINE_ASSETS := not ($(DAY_AHEAD_ASSETS) or $(MODEL_SELECTION_ASSET) or $(BILLING_PARTITIONED) or $(INVOICING_ASSETS))
# After billing: the sample bank's statements are ingested and matched, then penalties, then the billing marts.
PAYMENT_ASSETS := key:"raw/bank_statement_lines" or key:"staging/stg_bank__statement_lines" or key:"billing/payment_allocations" or key:"billing/payment_queue"
BILLING_MARTS := (key:"staging/stg_billing__*"+ or key:"staging/stg_bank__statement_lines"+) and not ($(BILLING_PARTITIONED) or $(PAYMENT_ASSETS) or $(INVOICING_ASSETS))
FORECAST_MARTS := key:"staging/stg_forecasting__series_forecasts"+ or key:"staging/stg_forecasting__purchase_plans"+
# reports/dashboard is downstream of the marts, so every `make run` step that rebuilds marts (the pipeline, the forecast
# marts, the billing marts) redraws it: the last one draws it over everything the run built.

.PHONY: run test dev manifest sample system-check bench bench-forecast bench-billing bench-invoices bench-rating docs clean help

help:
	@echo "make run    - install, generate the sample portfolio, run the pipeline, choose forecasting models, forecast the last 8 delivery days, bill every month, render the invoice documents, draw the dashboard, print the outputs"
	@echo "make test   - run the full test suite"
	@echo "make dev    - start the Dagster UI on http://127.0.0.1:3000"
	@echo "make bench  - pipeline benchmark (BENCH_METERS=$(BENCH_METERS) metering points x 13 months, 15 min)"
	@echo "make bench-billing - one month's billing (all invoice types) of BENCH_METERS meters against a SQL floor"
	@echo "make bench-invoices - render BENCH_INVOICES=$(BENCH_INVOICES) invoice PDFs in a process pool against the naive loop on a sample"
	@echo "make bench-rating - rate BENCH_CDRS=$(BENCH_CDRS) Standard Pricing CDRs against a SQL floor (target < 60 s)"
	@echo "make bench-forecast - forecast accuracy on real data (elecdemand) and day-ahead speed for BENCH_METERS meters (after make run)"

system-check:
	@$(PYTHON) --version >/dev/null 2>&1 || { echo "error: $(PYTHON) not found. Install Python 3.11 (Debian: apt-get install python3.11 python3.11-venv) or run make PYTHON=/path/to/python3.11"; exit 1; }
	@ldconfig -p | grep -q 'libpango-1.0.so' || { echo "error: Pango is missing; WeasyPrint needs it to render invoices. Install it: sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0"; exit 1; }
	@ldconfig -p | grep -q 'libharfbuzz-subset.so' || echo "warning: libharfbuzz-subset0 is missing: invoice PDFs render ~5x slower (fontTools fallback). Install it: sudo apt-get install libharfbuzz-subset0"
	@fc-list 2>/dev/null | grep -q 'DejaVuSans.ttf' || { echo "error: the DejaVu fonts are missing; invoices need them for Romanian and Cyrillic text. Install them: sudo apt-get install fonts-dejavu-core"; exit 1; }
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || echo "warning: Chromium is missing: make test opens the dashboard in it (headless). Install it: sudo apt-get install chromium"

$(VENV)/.installed: pyproject.toml requirements.lock | system-check
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	touch $@

dbt_project/target/manifest.json: $(VENV)/.installed $(shell find dbt_project -name '*.sql' -o -name '*.yml' -o -name '*.csv' 2>/dev/null | grep -v '/target/')
	$(BIN)/dbt parse $(DBT_FLAGS) --quiet
	@touch $@

manifest: dbt_project/target/manifest.json

sample: $(VENV)/.installed
	@if [ -z "$$(ls -A $(VOLTBILL_DATA_DIR)/inbox/meter_readings 2>/dev/null)" ]; then \
		$(BIN)/voltbill generate-sample --out $(VOLTBILL_DATA_DIR) --seed $(SAMPLE_SEED) --meters $(SAMPLE_METERS) --months $(SAMPLE_MONTHS); \
	else echo "Sample portfolio already in $(VOLTBILL_DATA_DIR)/inbox (make clean to regenerate)"; fi

run: manifest sample
	$(BIN)/voltbill recover-runs
	$(BIN)/dagster asset materialize -m orchestration.definitions --select '$(PIPELINE_ASSETS)' --config-json '$(RUN_LOG_CONFIG)'
	$(BIN)/dagster asset materialize -m orchestration.definitions --select '$(MODEL_SELECTION_ASSET)' --config-json '$(RUN_LOG_CONFIG)'
	$(BIN)/dagster asset materialize -m orchestration.definitions --select '$(DAY_AHEAD_ASSETS)' \
		--partition-range "$$($(BIN)/voltbill delivery-days --last $(FORECAST_DAYS))" --config-json '$(RUN_LOG_CONFIG)'
	$(BIN)/dagster asset materialize -m orchestration.definitions --select '$(FORECAST_MARTS)' --config-json '$(RUN_LOG_CONFIG)'
	$(BIN)/python -m orchestration.billing_runs invoices
	@if [ -z "$$(ls -A $(VOLTBILL_DATA_DIR)/inbox/bank_statement_lines 2>/dev/null)" ]; then \
		$(BIN)/voltbill generate-payments --warehouse $(VOLTBILL_WAREHOUSE_PATH) --out $(VOLTBILL_DATA_DIR) --seed $(SAMPLE_SEED); \
	else echo "Bank statements already in $(VOLTBILL_DATA_DIR)/inbox/bank_statement_lines"; fi
	$(BIN)/dagster asset materialize -m orchestration.definitions --select '$(PAYMENT_ASSETS)' --config-json '$(RUN_LOG_CONFIG)'
	$(BIN)/python -m orchestration.billing_runs penalties
	$(BIN)/dagster asset materialize -m orchestration.definitions --select '$(BILLING_MARTS)' --config-json '$(RUN_LOG_CONFIG)'
	$(BIN)/dagster asset materialize -m orchestration.definitions --select '$(INVOICING_ASSETS)' --config-json '$(RUN_LOG_CONFIG)'
	$(BIN)/voltbill outputs

dev: manifest
	$(BIN)/dagster dev -m orchestration.definitions --host 127.0.0.1 --port 3000

test: manifest
	$(BIN)/pytest

bench: manifest
	$(BIN)/python -m tests.benchmarks.bench_pipeline --meters $(BENCH_METERS)

# One month's billing of BENCH_METERS meters (builds their warehouse first; BENCH_KEEP=DIR reuses one).
bench-billing: manifest
	$(BIN)/python -m tests.benchmarks.bench_billing --meters $(BENCH_METERS) $(if $(BENCH_KEEP),--keep $(BENCH_KEEP))

# Invoice PDFs: the production renderer (process pool, shared fonts and stylesheets) against the naive loop.
bench-invoices: $(VENV)/.installed
	$(BIN)/python -m tests.benchmarks.bench_invoices --invoices $(BENCH_INVOICES)

# One million Standard Pricing CDRs through the production rating against a decimal SQL floor.
bench-rating: manifest
	$(BIN)/python -m tests.benchmarks.bench_rating --cdrs $(BENCH_CDRS)

# Accuracy on real data (elecdemand), then day-ahead speed on 1,000 meters (needs `make run` first).
bench-forecast: $(VENV)/.installed
	$(BIN)/python -m tests.benchmarks.bench_forecast
	$(BIN)/python -m tests.benchmarks.bench_day_ahead --meters $(BENCH_METERS)

clean:
	rm -rf data/inbox/*/ data/truth data/warehouse data/serving data/outputs .dagster dbt_project/target

docs: manifest
	$(BIN)/dbt docs generate $(DBT_FLAGS)
	@echo "dbt docs: dbt_project/target/index.html (serve with: $(BIN)/dbt docs serve $(DBT_FLAGS))"
