"""File contracts of every partner source: the columns, types, units and rules a file must follow.

One `Source` per folder of the landing zone (`data/inbox/<source.name>/`). The contract is
the single description of a partner file: the loader validates against it, the raw table is
created from it, Great Expectations suites are derived from it and the README's
"Input files" section documents it. Change a contract here and everything follows.

Common rules for all sources
----------------------------
* CSV, UTF-8, comma separated, first line is the header with exactly the listed columns in
  the listed order, `"` quotes fields that contain commas; one record per line (no line
  breaks inside fields); the file ends with a newline (a file that does not is treated as
  truncated: its last line is rejected).
* Decimals use `.` as separator and no thousands separator. Empty means missing.
* Instants are ISO 8601 with a UTC offset (`2026-03-29T03:00:00+03:00`); a local time
  without an offset is ambiguous on daylight-saving days and is rejected. Interval data
  use the interval-start convention: the row stamped 00:00 covers 00:00-00:15.
* Months are `YYYY-MM` in the market's local calendar; dates are `YYYY-MM-DD`.
* A row that breaks a rule is quarantined in `raw.rejected_rows` with file, line and reason;
  the other rows of the file load. Within one file, a second row with the same key is
  rejected as a duplicate. The same key in a later file is a revision (see dbt staging).
"""

from __future__ import annotations

from ingestion.allocation_sources import ALLOCATION_SOURCES
from ingestion.emobility_sources import EMOBILITY_SOURCES
from ingestion.source_contract import Column, ColumnType, NotBefore, RequiredWhen, RowRule, Source

__all__ = ["Column", "ColumnType", "NotBefore", "RequiredWhen", "RowRule", "Source", "SOURCES", "SOURCES_BY_NAME"]


COMPANIES = Source(
    name="companies",
    description="Supplier companies of the group, one per market.",
    delivered_by="the supplier's own master data",
    file_pattern="*.csv",
    key=("company_id",),
    columns=(
        Column("company_id", "text", "Stable company code, e.g. `VB-RO`."),
        Column("legal_name", "text", "Registered name printed on invoices."),
        Column("country_code", "text", "ISO 3166-1 alpha-2 country of the market.", allowed=("RO", "BG")),
        Column("market_timezone", "text", "IANA time zone of the market, e.g. `Europe/Bucharest`."),
        Column("vat_number", "text", "VAT identification number with country prefix."),
    ),
)

LOCATIONS = Source(
    name="locations",
    description="The company's tree of locations (region > site > building); metering points hang off the leaves.",
    delivered_by="the supplier's own master data",
    file_pattern="*.csv",
    key=("location_id",),
    columns=(
        Column("location_id", "text", "Stable location code."),
        Column("company_id", "text", "Owning company (`companies.company_id`)."),
        Column("parent_location_id", "text", "Parent location; empty for a root.", required=False),
        Column("location_type", "text", "Level in the tree.", allowed=("region", "site", "building")),
        Column("name", "text", "Human-readable name."),
        Column("address", "text", "Street address; empty for regions.", required=False),
        Column("city", "text", "City; empty for regions.", required=False),
    ),
)

DSO_CONFIRMATIONS = Source(
    name="dso_confirmations",
    description=(
        "The distributors' monthly confirmation of customers and metering points that switched to the "
        "supplier: one row per metering point confirmed in the month."
    ),
    delivered_by="each distribution system operator (DSO), monthly",
    file_pattern="*.csv",
    key=("metering_point_id", "confirmation_month"),
    time_column="confirmation_month",
    columns=(
        Column("confirmation_month", "month", "Month of the confirmation, `YYYY-MM`."),
        Column("dso_id", "text", "Distributor code."),
        Column("company_id", "text", "Supplier company the point is confirmed to."),
        Column("customer_id", "text", "Customer code (the supplier's)."),
        Column("customer_name", "text", "Customer name as registered with the DSO."),
        Column("customer_class", "text", "Customer class.", allowed=("household", "commercial", "industrial")),
        Column("customer_vat_number", "text", "Customer VAT number; empty for households.", required=False),
        Column("metering_point_id", "text", "Metering point identifier (EIC/POD code)."),
        Column("location_id", "text", "Location the metering point belongs to (`locations.location_id`)."),
        Column("supply_start_date", "date", "First day of supply by the company, local date."),
        Column("interval_minutes", "integer", "Metering interval: 15 or 60.", allowed=("15", "60")),
        Column("connection_capacity_kw", "decimal", "Contracted connection capacity in kW.", minimum=0, decimal_places=3),
        Column("voltage_level", "text", "Connection voltage level.", allowed=("LV", "MV", "HV")),
    ),
)

CONTRACTS = Source(
    name="contracts",
    description=(
        "Supply contracts and their addenda. Addendum 0 is the original contract; each later addendum "
        "replaces the terms from its `effective_from` date."
    ),
    delivered_by="the supplier's CRM",
    file_pattern="*.csv",
    key=("contract_id", "addendum_number"),
    time_column="effective_from",
    row_rules=(NotBefore(earlier="effective_from", later="effective_to"),),
    columns=(
        Column("contract_id", "text", "Contract number."),
        Column("addendum_number", "integer", "0 for the original contract, 1, 2, ... for addenda.", minimum=0),
        Column("company_id", "text", "Supplier company."),
        Column("customer_id", "text", "Customer."),
        Column("product_code", "text", "Energy product.", allowed=("FIX", "TOU", "INDEX")),
        Column("energy_price_per_kwh", "decimal", "Energy price per kWh (fixed, or the margin for INDEX), in `currency`.", minimum=0),
        Column("currency", "text", "ISO 4217 currency of the prices.", allowed=("RON", "BGN", "EUR")),
        Column("ordered_monthly_kwh", "decimal", "Ordered (contracted) active energy per month, kWh.", minimum=0, decimal_places=3),
        Column("tolerance_pct", "decimal", "Tolerance band around the ordered quantity, percent.", minimum=0, maximum=100, decimal_places=2),
        Column("effective_from", "date", "First local day the terms apply."),
        Column("effective_to", "date", "Last local day the terms apply; empty for open-ended.", required=False),
        Column("signed_date", "date", "Date the document was signed."),
        Column("invoice_language", "text", "Language of invoices.", allowed=("en", "ro", "bg")),
        Column("invoice_email", "text", "Address invoices are e-mailed to.", required=False),
        Column("payment_terms_days", "integer", "Days from issue to due date.", minimum=0, maximum=365),
    ),
)

YES_NO = ("yes", "no")

CONTRACT_BILLING_SETTINGS = Source(
    name="contract_billing_settings",
    description=(
        "The billing settings of each supply contract, effective-dated: regulated tariff, time-of-use zone prices, "
        "which invoice types are issued, due-date rule, days of grace per invoice type, late-payment penalty terms, "
        "reactive-energy threshold, excise exemption and intermediary. A row applies from its `effective_from` until "
        "the contract's next row. The contract terms themselves (product, energy price or INDEX margin, currency, "
        "ordered quantity, tolerance, invoice language and e-mail, payment terms) are in `contracts`, not here."
    ),
    delivered_by="the supplier's CRM",
    file_pattern="*.csv",
    key=("contract_id", "effective_from"),
    time_column="effective_from",
    notes=(
        "Prices are per kWh in the currency of the contract terms in force on the same day (`contracts.currency`): "
        "a new currency (the BG euro changeover) or a new price needs a new settings row from that day.",
        "A TOU contract needs a price for every tariff zone of its market (the `tariff_zones` seed: day and night, plus "
        "peak in BG). The product is in another file, so the loader cannot check this; the dbt test "
        "`assert_tou_contracts_have_zone_prices` warns about a TOU contract whose settings lack a zone price.",
        "`intermediary_commission_pct` belongs with `intermediary_id` (both present or both empty); the loader's row "
        "rules compare with a fixed value only, so this is not checked on load.",
    ),
    row_rules=(
        RequiredWhen(column="advance_basis", when_column="advance_invoices", value="yes"),
        RequiredWhen(column="deviation_price_per_kwh", when_column="deviation_invoices", value="yes"),
    ),
    columns=(
        Column("contract_id", "text", "Contract number (`contracts.contract_id`)."),
        Column("effective_from", "date", "First local day the settings apply; they stay in force until the contract's next settings row."),
        Column(
            "regulated_tariff", "text",
            "`yes`: the customer is eligible for and billed at the regulated tariff (product FIX; the regulated price per kWh "
            "is `contracts.energy_price_per_kwh`); `no`: a market product.",
            allowed=YES_NO,
        ),
        Column(
            "day_price_per_kwh", "decimal",
            "TOU energy price per kWh in the `day` tariff zone, 6 decimals, in `contracts.currency`. Empty for FIX and INDEX; "
            "required for TOU (checked by a dbt test, not the loader).",
            required=False, minimum=0,
        ),
        Column(
            "night_price_per_kwh", "decimal",
            "TOU energy price per kWh in the `night` tariff zone, 6 decimals, in `contracts.currency`. Empty for FIX and INDEX; "
            "required for TOU (checked by a dbt test, not the loader).",
            required=False, minimum=0,
        ),
        Column(
            "peak_price_per_kwh", "decimal",
            "TOU energy price per kWh in the `peak` tariff zone, 6 decimals, in `contracts.currency`. Only in markets with a "
            "peak zone (BG): required there for TOU (checked by a dbt test), empty otherwise.",
            required=False, minimum=0,
        ),
        Column(
            "advance_invoices", "text",
            "`yes`: an advance invoice is issued each month before the actual consumption is known (the regularisation "
            "deducts it); `no`: only the regularisation on actual consumption.",
            allowed=YES_NO,
        ),
        Column(
            "advance_basis", "text",
            "Quantity the advance is priced on: `estimate` = the customer's monthly estimate (the ordered quantity when the "
            "customer gave none), `ordered` = `contracts.ordered_monthly_kwh`. Required when `advance_invoices` is `yes`, "
            "empty otherwise.",
            required=False, allowed=("estimate", "ordered"),
        ),
        Column(
            "deviation_invoices", "text",
            "`yes`: kWh outside the tolerance band around the ordered quantity (`contracts.tolerance_pct`) are invoiced "
            "at `deviation_price_per_kwh`; `no`: no deviation invoices.",
            allowed=YES_NO,
        ),
        Column(
            "deviation_price_per_kwh", "decimal",
            "Price per kWh outside the tolerance band, 6 decimals, in `contracts.currency`. Required when "
            "`deviation_invoices` is `yes`, empty otherwise.",
            required=False, minimum=0,
        ),
        Column(
            "green_certificate_invoices", "text",
            "`yes`: a green-certificate regularisation is issued when the regulator publishes the final quota; `no`: none.",
            allowed=YES_NO,
        ),
        Column(
            "due_date_rule", "text",
            "How an invoice's due date follows from its issue date (`billing.due_dates`): `<n>d` = n calendar days after "
            "issue (0-366), `eom+<n>` = end of the issue month + n days, `day <d>` = day d (1-31) of the next month, "
            "`<n>bd` = n-th working day after issue (1-366); optional suffix ` noroll` keeps a due date falling on a "
            "non-working day (otherwise it moves to the next working day). Empty: `<contracts.payment_terms_days>d`. "
            "The syntax is checked by billing, not the loader.",
            required=False,
        ),
        Column(
            "grace_days_advance", "integer",
            "Calendar days after the due date of an advance invoice before late-payment interest starts (0-366).",
            minimum=0, maximum=366,
        ),
        Column(
            "grace_days_regularisation", "integer",
            "Calendar days of grace of regularisation invoices, also used for deviation and green-certificate invoices (0-366).",
            minimum=0, maximum=366,
        ),
        Column(
            "grace_days_penalty", "integer",
            "Calendar days of grace of penalty-interest invoices (0-366).",
            minimum=0, maximum=366,
        ),
        Column(
            "penalty_reference_rate", "text",
            "Reference rate of late-payment interest, % a year, as published on each day: `ROBOR3M` (3-month ROBOR), `BIR` "
            "(BNB base interest rate), `ECB_MRO` (ECB main refinancing rate), or `fixed` (no reference: the annual rate is "
            "`penalty_margin_pct` alone).",
            allowed=("ROBOR3M", "BIR", "ECB_MRO", "fixed"),
        ),
        Column(
            "penalty_margin_pct", "decimal",
            "Margin added to the reference rate, percentage points a year, 4 decimals (the whole annual rate when the "
            "reference is `fixed`).",
            minimum=0, maximum=100, decimal_places=4,
        ),
        Column(
            "penalty_day_count", "text",
            "Day count of late-payment interest: daily interest = unpaid amount x annual rate / 100 / 360 (`ACT/360`) or / 365 (`ACT/365`).",
            allowed=("ACT/360", "ACT/365"),
        ),
        Column(
            "reactive_threshold_tan_phi", "decimal",
            "Inductive reactive energy allowed per kWh of active energy, tan φ max, 6 decimals (cos φ 0.95 is 0.328684); "
            "inductive kvarh above it are charged. Empty: no reactive-energy charge.",
            required=False, minimum=0, maximum=10,
        ),
        Column(
            "excise_exempt_share_pct", "decimal",
            "Share of the consumption exempt from excise under the customer's own exemption certificate, percent (0-100, "
            "2 decimals; 0 = none). Exemptions of a whole customer class (e.g. households) are in billing's excise table, not here.",
            minimum=0, maximum=100, decimal_places=2,
        ),
        Column(
            "intermediary_id", "text",
            "Intermediary (broker) who brought the contract and earns a commission; empty when none.",
            required=False,
        ),
        Column(
            "intermediary_commission_pct", "decimal",
            "The intermediary's commission, percent of the invoiced energy net amount (0-100, 2 decimals). Given exactly "
            "when `intermediary_id` is (not checked on load).",
            required=False, minimum=0, maximum=100, decimal_places=2,
        ),
    ),
)

CUSTOMER_ESTIMATES = Source(
    name="customer_estimates",
    description=(
        "The customers' own estimates of their monthly consumption: one row per supply contract and month, the active "
        "energy the customer expects the whole contract (all its metering points) to use in that month. An advance "
        "invoice of a contract whose billing settings say `advance_basis` = `estimate` is priced on the estimate of the "
        "month it is for; a month the customer gave no estimate for falls back to the ordered quantity "
        "(`contracts.ordered_monthly_kwh`). Contracts with `advance_basis` = `ordered` or without advances ignore it."
    ),
    delivered_by=(
        "the supplier's CRM (customer portal; estimates given by phone, e-mail or the meter-reading app are keyed in "
        "by customer service), an export whenever customers have given or changed estimates"
    ),
    file_pattern="*.csv",
    key=("contract_id", "estimate_month"),
    time_column="estimate_month",
    notes=(
        "A row delivered again for the same (`contract_id`, `estimate_month`) in a later file is the customer's "
        "corrected estimate: it replaces the earlier one (staging keeps the last delivered version, the raw table keeps "
        "every delivery). Within one file a key appears once; a second row with it is rejected as a duplicate.",
        "`estimate_month` must be the first day of the month (`2026-03-01` for March 2026). The loader checks that it "
        "is a valid date but its rules cannot check the day of a date, so a row for another day loads; the dbt test "
        "on `stg_crm__customer_estimates` warns about it. Billing looks estimates up by the first day of the month, "
        "so such a row is never used (the ordered quantity applies).",
        "A month without a row means the customer gave no estimate for it (an export without rows is valid); an "
        "estimate cannot be withdrawn, only replaced by a later one.",
    ),
    columns=(
        Column("contract_id", "text", "Contract number (`contracts.contract_id`)."),
        Column(
            "estimate_month", "date",
            "First day (`YYYY-MM-01`) of the local calendar month the estimate is for.",
        ),
        Column(
            "estimated_kwh", "decimal",
            "The customer's estimate of the contract's active energy for the whole month (all its metering points), "
            "kWh, at most 3 decimals; 0 is allowed (e.g. a site shut for the month).",
            minimum=0, decimal_places=3,
        ),
        Column(
            "submitted_on", "date",
            "Local date the customer gave this estimate (for a corrected estimate: the date of the correction).",
        ),
        Column(
            "channel", "text",
            "How the customer gave the estimate: the customer `portal`, by `phone` or `email` to customer service, or "
            "the `meter_reading_app`.",
            allowed=("portal", "phone", "email", "meter_reading_app"),
        ),
    ),
)

METER_READINGS = Source(
    name="meter_readings",
    description=(
        "Interval meter data: active energy and inductive/capacitive reactive energy per metering "
        "point and interval (15 or 60 minutes)."
    ),
    delivered_by="each DSO, one file per month (corrections arrive as later files)",
    file_pattern="*.csv",
    key=("metering_point_id", "interval_start"),
    time_column="interval_start",
    notes=(
        "A reading for a key already delivered in an earlier file is a recalculation: it supersedes "
        "the earlier value, which stays in history.",
    ),
    columns=(
        Column("metering_point_id", "text", "Metering point identifier."),
        Column("interval_start", "timestamptz", "Start of the interval, ISO 8601 with UTC offset."),
        Column("interval_minutes", "integer", "Length of the interval: 15 or 60.", allowed=("15", "60")),
        Column("energy_kwh", "decimal", "Active energy consumed in the interval, kWh.", minimum=0, maximum=100_000, decimal_places=3),
        Column("inductive_kvarh", "decimal", "Inductive reactive energy, kvarh.", minimum=0, maximum=100_000, decimal_places=3),
        Column("capacitive_kvarh", "decimal", "Capacitive reactive energy, kvarh.", minimum=0, maximum=100_000, decimal_places=3),
    ),
)

DSO_CONSUMPTION = Source(
    name="dso_consumption",
    description="The distributors' monthly billed consumption per metering point and tariff zone.",
    delivered_by="each DSO, monthly",
    file_pattern="*.csv",
    key=("billing_month", "metering_point_id", "tariff_zone"),
    time_column="billing_month",
    columns=(
        Column("billing_month", "month", "Local calendar month, `YYYY-MM`."),
        Column("dso_id", "text", "Distributor code."),
        Column("metering_point_id", "text", "Metering point identifier."),
        Column("tariff_zone", "text", "Time-of-use zone (see the `tariff_zones` seed).", allowed=("day", "night", "peak")),
        Column("energy_kwh", "decimal", "Active energy in the zone, kWh.", minimum=0, decimal_places=3),
        Column("inductive_kvarh", "decimal", "Inductive reactive energy in the zone, kvarh.", minimum=0, decimal_places=3),
        Column("capacitive_kvarh", "decimal", "Capacitive reactive energy in the zone, kvarh.", minimum=0, decimal_places=3),
    ),
)

DSO_NETWORK_FEES = Source(
    name="dso_network_fees",
    description="Pass-through network fees the DSO charges per metering point and month.",
    delivered_by="each DSO, monthly",
    file_pattern="*.csv",
    key=("billing_month", "metering_point_id", "fee_code"),
    time_column="billing_month",
    columns=(
        Column("billing_month", "month", "Local calendar month, `YYYY-MM`."),
        Column("dso_id", "text", "Distributor code."),
        Column("metering_point_id", "text", "Metering point identifier."),
        Column("fee_code", "text", "Fee.", allowed=("distribution", "transmission", "system_services", "capacity")),
        Column("quantity", "decimal", "Billed quantity in `unit`.", minimum=0, decimal_places=3),
        Column("unit", "text", "Unit of the quantity.", allowed=("kWh", "kW")),
        Column("unit_price", "decimal", "Price per unit, up to 6 decimals.", minimum=0),
        Column("amount", "decimal", "Net amount = round(quantity x unit_price, 2); negative for a credit.", minimum=-1_000_000_000, maximum=1_000_000_000, decimal_places=2),
        Column("currency", "text", "ISO 4217 currency of the amount.", allowed=("RON", "BGN", "EUR")),
    ),
)

WEATHER = Source(
    name="weather",
    description="Hourly air temperature per market: observations and day-ahead forecasts.",
    delivered_by="the weather service, daily",
    file_pattern="*.csv",
    key=("market_code", "valid_at", "kind", "issued_at"),
    time_column="valid_at",
    row_rules=(RequiredWhen(column="issued_at", when_column="kind", value="forecast"),),
    columns=(
        Column("market_code", "text", "Market (country code).", allowed=("RO", "BG")),
        Column("valid_at", "timestamptz", "Start of the hour the value is for, ISO 8601 with offset."),
        Column("kind", "text", "`actual` observation or `forecast`.", allowed=("actual", "forecast")),
        Column("issued_at", "timestamptz", "When a forecast was issued; empty for actuals.", required=False),
        Column("temperature_c", "decimal", "Air temperature, degrees Celsius.", minimum=-50, maximum=50, decimal_places=2),
    ),
)

SETTLEMENT_VOLUMES = Source(
    name="settlement_volumes",
    description="The market/system operator's settled (allocated) consumption per balancing group and imbalance settlement period.",
    delivered_by="the transmission system operator, daily and in monthly revisions",
    file_pattern="*.csv",
    key=("market_code", "balancing_group_eic", "period_start"),
    time_column="period_start",
    columns=(
        Column("market_code", "text", "Market (country code).", allowed=("RO", "BG")),
        Column("balancing_group_eic", "text", "EIC code of the balancing group (see the `balancing_groups` seed)."),
        Column("period_start", "timestamptz", "Start of the imbalance settlement period, ISO 8601 with offset."),
        Column("period_minutes", "integer", "Length of the settlement period, minutes.", allowed=("15", "60")),
        Column("settled_mwh", "decimal", "Settled (allocated) consumption of the group in the period, MWh.", minimum=0, decimal_places=6),
    ),
)

IMBALANCE_PRICES = Source(
    name="imbalance_prices",
    description="Imbalance prices per market and settlement period: one single price, or a long and a short price.",
    delivered_by="the transmission system operator, daily (CSV; ENTSO-E A85 XML is parsed to the same rows)",
    file_pattern="*.csv",
    key=("market_code", "period_start", "price_category"),
    time_column="period_start",
    xml_document_types=("A85",),
    columns=(
        Column("market_code", "text", "Market (country code).", allowed=("RO", "BG")),
        Column("period_start", "timestamptz", "Start of the imbalance settlement period, ISO 8601 with offset."),
        Column("period_minutes", "integer", "Length of the settlement period, minutes.", allowed=("15", "60")),
        Column("price_category", "text", "`single`, or `long` (surplus) / `short` (deficit) under dual pricing.", allowed=("single", "long", "short")),
        Column("price_per_mwh", "decimal", "Imbalance price per MWh, in `currency`; may be negative.", minimum=-100000, maximum=100000, decimal_places=2),
        Column("currency", "text", "ISO 4217 currency of the price.", allowed=("RON", "BGN", "EUR")),
    ),
)

DAY_AHEAD_PRICES = Source(
    name="day_ahead_prices",
    description="Day-ahead market clearing prices per market and market time unit (CSV; ENTSO-E A44 XML is parsed to the same rows).",
    delivered_by="the power exchange (OPCOM, IBEX), daily after the auction",
    file_pattern="*.csv",
    key=("market_code", "period_start"),
    time_column="period_start",
    xml_document_types=("A44",),
    columns=(
        Column("market_code", "text", "Market (country code).", allowed=("RO", "BG")),
        Column("period_start", "timestamptz", "Start of the market time unit, ISO 8601 with offset."),
        Column("period_minutes", "integer", "Length of the market time unit, minutes.", allowed=("15", "60")),
        Column("price_per_mwh", "decimal", "Clearing price per MWh, in `currency`; may be negative.", minimum=-100000, maximum=100000, decimal_places=2),
        Column("currency", "text", "ISO 4217 currency of the price.", allowed=("RON", "BGN", "EUR")),
    ),
)

EXCHANGE_TRADES = Source(
    name="exchange_trades",
    description="Trades executed on the power exchange (day-ahead auction and intraday) for a balancing group.",
    delivered_by="the trading desk's exchange trade export (OPCOM, IBEX), daily",
    file_pattern="*.csv",
    key=("trade_id",),
    time_column="delivery_start",
    notes=(
        "A buy adds its volume to the balancing group's position in the delivery period, a sell subtracts it; "
        "cost = volume x price, a sell is revenue (negative cost).",
    ),
    columns=(
        Column("trade_id", "text", "Exchange trade identifier, unique per exchange."),
        Column("market_code", "text", "Market (country code).", allowed=("RO", "BG")),
        Column("exchange", "text", "Power exchange.", allowed=("OPCOM", "IBEX")),
        Column("market_segment", "text", "Market the trade was made on.", allowed=("day_ahead", "intraday")),
        Column("balancing_group_eic", "text", "EIC code of the balancing group the trade is for."),
        Column("delivery_start", "timestamptz", "Start of the delivery period, ISO 8601 with offset."),
        Column("delivery_minutes", "integer", "Length of the delivery period, minutes.", allowed=("15", "60")),
        Column("side", "text", "`buy` or `sell`.", allowed=("buy", "sell")),
        Column("volume_mwh", "decimal", "Traded energy over the delivery period, MWh.", minimum=0, maximum=100000, decimal_places=3),
        Column("price_per_mwh", "decimal", "Trade price per MWh, in `currency`; may be negative.", minimum=-100000, maximum=100000, decimal_places=2),
        Column("currency", "text", "ISO 4217 currency of the price.", allowed=("RON", "BGN", "EUR")),
        Column("executed_at", "timestamptz", "When the trade was executed, ISO 8601 with offset."),
    ),
)

BILATERAL_PURCHASES = Source(
    name="bilateral_purchases",
    description="Delivery schedules of bilateral purchase contracts (forward, baseload, peak) per balancing group and period.",
    delivered_by="the trading desk's contract register, when a contract is signed or its schedule changes",
    file_pattern="*.csv",
    key=("contract_id", "delivery_start"),
    time_column="delivery_start",
    notes=("A schedule row delivered again for the same contract and period in a later file revises the earlier one.",),
    columns=(
        Column("contract_id", "text", "Bilateral contract number."),
        Column("counterparty", "text", "The seller."),
        Column("market_code", "text", "Market (country code).", allowed=("RO", "BG")),
        Column("balancing_group_eic", "text", "EIC code of the balancing group the energy is delivered to."),
        Column("delivery_start", "timestamptz", "Start of the delivery period, ISO 8601 with offset."),
        Column("delivery_minutes", "integer", "Length of the delivery period, minutes.", allowed=("15", "60")),
        Column("volume_mwh", "decimal", "Contracted energy over the delivery period, MWh.", minimum=0, maximum=100000, decimal_places=3),
        Column("price_per_mwh", "decimal", "Contract price per MWh, in `currency`.", minimum=-100000, maximum=100000, decimal_places=2),
        Column("currency", "text", "ISO 4217 currency of the price.", allowed=("RON", "BGN", "EUR")),
    ),
)

BANK_STATEMENT_LINES = Source(
    name="bank_statement_lines",
    description=(
        "The bank's statement export of the group companies' accounts: one row per booked transaction, money received "
        "(customers paying invoices by bank transfer) and money paid out (refunds). Billing matches the received lines "
        "to the issued invoices (`billing.payment_matching`)."
    ),
    delivered_by="each company's bank, as a CSV statement export per account (the sample writes one file per company, currency and booking month)",
    file_pattern="*.csv",
    key=("statement_id", "line_number"),
    time_column="booking_date",
    notes=(
        "The receiving company is the owner of `account_iban` (the `company_bank_accounts` seed). A line delivered again "
        "with the same (`statement_id`, `line_number`) in a later file is the bank's correction of it: staging keeps the "
        "last delivered version. Lines are matched in (`booking_date`, `statement_id`, `line_number`) order: by an invoice "
        "number or payment reference quoted in `remittance_info`, else by the payer's IBAN (once an earlier referenced payment "
        "made it known) and the exact open amount; what cannot be matched is queued for finance with a reason, never guessed.",
        "`remittance_info` is the payer's free text as the bank passes it on (quote it when it contains a comma; no line "
        "breaks inside a field).",
    ),
    columns=(
        Column("statement_id", "text", "The bank's identifier of the statement the line belongs to, unique per bank account."),
        Column("line_number", "integer", "Position of the line within its statement, 1, 2, ...", minimum=1),
        Column(
            "account_iban", "text",
            "IBAN of the group company's own account that received (or sent) the money, as printed by the bank (spaces "
            "allowed); identifies the company through the `company_bank_accounts` seed.",
        ),
        Column("booking_date", "date", "Day the bank booked the transaction on the statement."),
        Column(
            "value_date", "date",
            "Day the money arrived on (or left) the account: the payment date for late-payment interest. May differ from "
            "`booking_date` by a few days either way.",
        ),
        Column(
            "amount", "decimal",
            "Amount of the transaction in `currency`, 2 decimals: > 0 money received, < 0 money paid out (a refund or "
            "chargeback, never matched to an invoice). 0 is accepted here but queued by the matching.",
            minimum=-1_000_000_000, maximum=1_000_000_000, decimal_places=2,
        ),
        Column("currency", "text", "ISO 4217 currency of the amount (the account's currency).", allowed=("RON", "BGN", "EUR")),
        Column("payer_name", "text", "Name of the payer (the counterparty for money paid out) as given by the bank; empty when unknown.", required=False),
        Column(
            "payer_iban", "text",
            "IBAN of the payer's account (the counterparty for money paid out); empty when the bank gives none. Once a "
            "referenced payment has tied it to a customer, it identifies that customer's payments without a reference.",
            required=False,
        ),
        Column(
            "remittance_info", "text",
            "Free text the payer typed (payment details): normally quotes the invoice number or the payment reference, in "
            "any case, with or without spaces and dashes (`Plata factura VBR00000123 martie`); empty when none.",
            required=False,
        ),
        Column("bank_reference", "text", "The bank's own transaction identifier, for tracing a line back in the bank's systems; empty when none.", required=False),
    ),
)

SOURCES: tuple[Source, ...] = (
    COMPANIES,
    LOCATIONS,
    DSO_CONFIRMATIONS,
    CONTRACTS,
    CONTRACT_BILLING_SETTINGS,
    CUSTOMER_ESTIMATES,
    METER_READINGS,
    DSO_CONSUMPTION,
    DSO_NETWORK_FEES,
    WEATHER,
    SETTLEMENT_VOLUMES,
    IMBALANCE_PRICES,
    DAY_AHEAD_PRICES,
    EXCHANGE_TRADES,
    BILATERAL_PURCHASES,
    BANK_STATEMENT_LINES,
    *EMOBILITY_SOURCES,
    *ALLOCATION_SOURCES,
)

SOURCES_BY_NAME: dict[str, Source] = {source.name: source for source in SOURCES}
