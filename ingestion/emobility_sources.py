"""File contracts of the EV-charging sources: charge detail records, the EVSE registry, EMP offers and taxes, OCPI tariffs.

The group's charge point operator (CPO) rates every charge detail record (CDR) of its charging
stations and invoices each e-mobility provider (EMP) monthly (seed 003, Hubject Invoice
Management). These are the files the rating reads; `rating/` prices them and `assets/emobility.py`
runs it. The CPO's own account (subsidiaries per country, invoice and rounding settings) is the
`cpo_subsidiaries` seed, its bank details the `company_bank_accounts` seed.
"""

from __future__ import annotations

from ingestion.source_contract import Column, NotBefore, RequiredWhen, Source

PRICE_COMPONENTS = ("session_fee", "energy", "time", "parking")

CHARGE_DETAIL_RECORDS = Source(
    name="charge_detail_records",
    description=(
        "Charge detail records (CDRs): one finished charging session at one of the CPO's EVSEs, authorised by an "
        "e-mobility provider's customer. Each is rated once (`emobility.cdr_ratings`) and invoiced to the EMP."
    ),
    delivered_by="the CPO's charge point management system, as a CSV export or as OCPI 2.2.1 CDR objects",
    file_pattern="*.csv",
    ocpi_object="CDR",
    key=("cdr_id",),
    time_column="start_date_time",
    row_rules=(
        NotBefore("start_date_time", "end_date_time"),
        RequiredWhen("credit_reference_id", "credit", "true"),
    ),
    notes=(
        "A CDR id is rated once: a CDR delivered again with the same `cdr_id` in a later file is loaded (so nothing "
        "is lost) but never rated a second time; the control center lists it as a repeat.",
        "OCPI 2.2.1 CDR objects (`*.json`, one object or an array) become the same rows: `cdr_id` from `id`, the EVSE "
        "from `cdr_location.evse_id`, `emp_id` from `cdr_token.country_code` and `cdr_token.party_id` joined by `-`, "
        "`product_id` and `tariff_id` from the first entry of `tariffs` (OCPI has no product id: the tariff the session "
        "was sold under is its product), `total_time_hours` and `total_parking_time_hours` from `total_time` and "
        "`total_parking_time`, and `charging_periods_json` keeps the charging periods as delivered. The line of a JSON "
        "row is the line where its object starts.",
    ),
    columns=(
        Column("cdr_id", "text", "The CPO's unique id of the charge detail record (OCPI `id`)."),
        Column("start_date_time", "timestamptz", "Start of the charging session, ISO 8601 with offset."),
        Column("end_date_time", "timestamptz", "End of the session (when the vehicle left), ISO 8601 with offset; not before the start."),
        Column("evse_id", "text", "EVSE id of the charging point (eMI3 format, `RO*VBC*E00012`); must be in `evse_data` to be rated."),
        Column("emp_id", "text", "Provider id of the e-mobility provider whose customer charged (`RO-EMO`): the party invoiced."),
        Column("product_id", "text", "Product the session was sold under; needed for Product Pricing, empty otherwise.", required=False),
        Column("currency", "text", "ISO 4217 currency of the session (three letters); rated only in EUR, BGN, CZK, DKK, NOK, RON, SEK, CHF."),
        Column("total_energy_kwh", "decimal", "Energy charged, kWh.", minimum=0, maximum=100000, decimal_places=4),
        Column("total_time_hours", "decimal", "Duration of the session, start to end, hours.", minimum=0, maximum=1000, decimal_places=6),
        Column(
            "total_parking_time_hours", "decimal",
            "Part of the session with the vehicle parked but not charging, hours; empty means none.",
            required=False, minimum=0, maximum=1000, decimal_places=6,
        ),
        Column("credit", "text", "`true` for a credit CDR that reverses an earlier CDR, `false` otherwise.", allowed=("true", "false")),
        Column("credit_reference_id", "text", "A credit CDR's reference to the CDR it reverses; required when `credit` is `true`, empty otherwise.", required=False),
        Column("tariff_id", "text", "Id of the OCPI tariff the session was charged under, when the CPMS knows it.", required=False),
        Column(
            "charging_periods_json", "text",
            "The OCPI charging periods as a JSON array (`[{\"start_date_time\": ..., \"dimensions\": [...]}]`); empty "
            "means one period from the start with the session's totals.",
            required=False,
        ),
    ),
)

EVSE_DATA = Source(
    name="evse_data",
    description=(
        "The CPO's EVSE registry (Hubject EVSE data): every charging point with its operator, country and location. "
        "A CDR at an EVSE not listed here is not rated (`No EVSE Data is available`)."
    ),
    delivered_by="the CPO's charge point management system, whenever a charging point is added or changed",
    file_pattern="*.csv",
    key=("evse_id",),
    time_column="last_updated",
    notes=("An EVSE delivered again in a later file replaces the earlier record.",),
    columns=(
        Column("evse_id", "text", "EVSE id (eMI3 format, `RO*VBC*E00012`)."),
        Column("operator_id", "text", "The CPO's operator id (`RO*VBC`)."),
        Column("country_code", "text", "ISO 3166-1 alpha-2 country of the charging point: the subsidiary that invoices its sessions."),
        Column("location_id", "text", "The CPO's id of the charging site."),
        Column("location_name", "text", "Name of the site shown to drivers.", required=False),
        Column("street", "text", "Street and number of the site.", required=False),
        Column("city", "text", "City of the site."),
        Column("postal_code", "text", "Postal code of the site.", required=False),
        Column("time_zone", "text", "IANA time zone of the site (`Europe/Bucharest`): tariff restrictions by time of day and the invoiced month are local."),
        Column("power_type", "text", "Power type of the connector.", allowed=("AC_1_PHASE", "AC_2_PHASE", "AC_3_PHASE", "DC")),
        Column("max_power_kw", "decimal", "Maximum power of the EVSE, kW.", minimum=0, maximum=2000, decimal_places=1),
        Column("last_updated", "timestamptz", "When the CPMS last changed the record, ISO 8601 with offset."),
    ),
)

E_MOBILITY_PROVIDERS = Source(
    name="e_mobility_providers",
    description="The e-mobility providers (EMPs) subscribed to the CPO's offers, with the billing details printed on their invoices.",
    delivered_by="the CPO's partner management (Hubject subscriptions), whenever a provider subscribes or changes its details",
    file_pattern="*.csv",
    key=("emp_id",),
    notes=("A provider delivered again in a later file replaces the earlier record.",),
    columns=(
        Column("emp_id", "text", "Provider id (`RO-EMO`): the id CDRs carry and invoice numbers end with."),
        Column("legal_name", "text", "Registered name of the provider, printed on its invoices."),
        Column("vat_number", "text", "VAT identification number with country prefix.", required=False),
        Column("street", "text", "Billing address: street and number."),
        Column("city", "text", "Billing address: city."),
        Column("postal_code", "text", "Billing address: postal code.", required=False),
        Column("country_code", "text", "Billing address: ISO 3166-1 alpha-2 country."),
        Column("invoice_email", "text", "Where its invoices are sent.", required=False),
        Column("subscribed_on", "date", "Day the provider subscribed to the CPO's offers."),
    ),
)

EMP_OFFERS = Source(
    name="emp_offers",
    description=(
        "The CPO's offers per EMP subscription and country: how a session of the provider's customers is priced. "
        "Standard Pricing has one price per reference unit (kWh, minute, hour or session); Product Pricing has one "
        "row per product with a price per unit and per session; `ocpi_tariff` prices by an OCPI 2.2.1 tariff."
    ),
    delivered_by="the CPO's offer management (Hubject subscriptions), whenever an offer is agreed or changed",
    file_pattern="*.csv",
    key=("offer_id",),
    time_column=None,
    row_rules=(NotBefore("valid_from", "valid_to"), RequiredWhen("product_id", "pricing_methodology", "product_pricing")),
    notes=(
        "`pricing_methodology` is taken as delivered: a CDR under any other methodology than `standard_pricing`, "
        "`product_pricing` or `ocpi_tariff` is not rated (`Only standard price possible`).",
        "The offer that prices a session is the one for the session's EMP, the EVSE's country and (Product Pricing) "
        "the CDR's product that is valid on the session's local start day; a later file replaces an offer with the same id.",
        "A charging session validity (`min_session_minutes`, `min_session_energy_kwh`) makes shorter sessions not rated.",
    ),
    columns=(
        Column("offer_id", "text", "Unique id of the offer (one row per product for Product Pricing)."),
        Column("emp_id", "text", "Provider id of the subscribed EMP."),
        Column("country_code", "text", "ISO 3166-1 alpha-2 country of the CPO subsidiary the offer applies in."),
        Column("pricing_methodology", "text", "`standard_pricing`, `product_pricing` or `ocpi_tariff`; anything else is kept and not rated."),
        Column("product_id", "text", "Product Pricing: the product id the CDR must carry; empty for other methodologies.", required=False),
        Column(
            "reference_unit", "text", "Unit `price_per_unit` is per; empty for `ocpi_tariff`.",
            required=False, allowed=("kWh", "minute", "hour", "session"),
        ),
        Column("price_per_unit", "decimal", "Net price per reference unit, in `currency`.", required=False, minimum=0, maximum=1000, decimal_places=6),
        Column("price_per_session", "decimal", "Product Pricing: net session fee, in `currency`.", required=False, minimum=0, maximum=1000, decimal_places=6),
        Column("currency", "text", "ISO 4217 currency of the prices; a session in another currency is not rated."),
        Column("ocpi_tariff_id", "text", "`ocpi_tariff`: id of the tariff in `ocpi_tariffs`.", required=False),
        Column("min_session_minutes", "decimal", "Charging session validity: sessions shorter than this are not rated.", required=False, minimum=0, maximum=10000, decimal_places=2),
        Column("min_session_energy_kwh", "decimal", "Charging session validity: sessions with less energy are not rated.", required=False, minimum=0, maximum=10000, decimal_places=4),
        Column("valid_from", "date", "First local day the offer prices sessions."),
        Column("valid_to", "date", "Last local day the offer prices sessions; empty means open-ended.", required=False),
    ),
)

EMP_TAX_RATES = Source(
    name="emp_tax_rates",
    description=(
        "The CPO's tax configuration: the VAT rate per EMP, subsidiary country and price component. A provider "
        "without a rate for a component its sessions use is not rated (`Tax is not configured`) until one is added."
    ),
    delivered_by="the CPO's finance team (the Tax Configuration export, edited and delivered back)",
    file_pattern="*.csv",
    key=("emp_id", "country_code", "price_component", "valid_from"),
    notes=("The rate that applies is the latest one with `valid_from` on or before the session's local start day.",),
    columns=(
        Column("emp_id", "text", "Provider id of the EMP."),
        Column("country_code", "text", "ISO 3166-1 alpha-2 country of the CPO subsidiary."),
        Column("price_component", "text", "The price component the rate applies to.", allowed=PRICE_COMPONENTS),
        Column("vat_rate_pct", "decimal", "VAT rate in percent (19 = 19 %).", minimum=0, maximum=100, decimal_places=2),
        Column("valid_from", "date", "First day the rate applies."),
    ),
)

OCPI_TARIFFS = Source(
    name="ocpi_tariffs",
    description=(
        "OCPI 2.2.1 Tariff objects: machine-readable prices an `ocpi_tariff` offer refers to (price components ENERGY, "
        "TIME, PARKING_TIME and FLAT with step sizes and VAT, restrictions, min and max price)."
    ),
    delivered_by="the CPO's tariff management, as OCPI 2.2.1 Tariff JSON (one object or an array per file)",
    file_pattern="*.json",
    ocpi_object="Tariff",
    key=("tariff_id",),
    time_column="last_updated",
    notes=(
        "Each object is checked against OCPI 2.2.1 when it is read (`rating.ocpi`); one that is not valid is rejected "
        "with the JSON path and the reason, and the others load. A tariff delivered again in a later file replaces the earlier one.",
    ),
    columns=(
        Column("tariff_id", "text", "The tariff's `id`."),
        Column("country_code", "text", "The CPO's country code (`country_code`)."),
        Column("party_id", "text", "The CPO's party id (`party_id`)."),
        Column("currency", "text", "ISO 4217 currency of the tariff."),
        Column("last_updated", "timestamptz", "The tariff's `last_updated`."),
        Column("tariff_json", "text", "The Tariff object as delivered."),
    ),
)

EMOBILITY_SOURCES: tuple[Source, ...] = (
    EVSE_DATA,
    E_MOBILITY_PROVIDERS,
    EMP_OFFERS,
    EMP_TAX_RATES,
    OCPI_TARIFFS,
    CHARGE_DETAIL_RECORDS,
)
