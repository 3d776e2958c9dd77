"""File contracts of cost allocation (seed 002, Enectiva): objects, billing meters, their readings, invoices received,
price lists and service-charge reconciliations.

A facility manager's sites are a tree of objects (complex → building → tenant, any depth) of
configurable types. Invoices received for a site's billing meters are distributed down the tree in
proportion to metered consumption (`allocation.cost_allocation`), and tenants get a yearly
service-charge reconciliation (`allocation.service_charges`). These are the files both read.
"""

from __future__ import annotations

from ingestion.source_contract import Column, NotBefore, Source

ENERGY_TYPES = ("electricity", "gas", "water", "heat")
EXPENSE_CATEGORIES = ("telecommunication", "maintenance", "salaries", "other")
BOOLEAN = ("true", "false")

OBJECT_TYPES = Source(
    name="object_types",
    description=(
        "The object types of the site tree (complex, building, tenant, ... as the facility manager defines them) with "
        "their reconciliation functions: a `reconciliation source` type can have its costs reconciled to the "
        "`reconciliation target` objects below it (usually tenants)."
    ),
    delivered_by="the facility manager's configuration, whenever a type or its functions change",
    file_pattern="*.csv",
    key=("type_id",),
    notes=("A type delivered again in a later file replaces the earlier one.",),
    columns=(
        Column("type_id", "text", "Stable id of the type (`building`)."),
        Column("name", "text", "Name shown to users (`Building`)."),
        Column("is_reconciliation_source", "text", "`true` when objects of this type reconcile costs to targets below them.", allowed=BOOLEAN),
        Column("is_reconciliation_target", "text", "`true` when objects of this type receive a share of reconciled costs.", allowed=BOOLEAN),
    ),
)

SITE_OBJECTS = Source(
    name="site_objects",
    description=(
        "The objects of the site tree: each with its type, its parent (empty for a root such as a complex) and its "
        "billing parameters (floor area, currency, monthly service-charge advance)."
    ),
    delivered_by="the facility manager's object register, whenever an object is added or changed",
    file_pattern="*.csv",
    key=("object_id",),
    notes=(
        "An object delivered again in a later file replaces the earlier one. A tree with a cycle or an unknown parent "
        "or type stops the allocation with every problem named (`allocation.hierarchy`); the rows still load.",
    ),
    columns=(
        Column("object_id", "text", "Stable id of the object (`SC-B1-T03`)."),
        Column("parent_id", "text", "Id of the object it belongs to; empty for a root.", required=False),
        Column("type_id", "text", "Its type (`object_types.type_id`)."),
        Column("name", "text", "Name shown on documents."),
        Column("floor_area_m2", "decimal", "Floor area, m²; needed by a heating key that splits by area.", required=False, minimum=0, maximum=1000000, decimal_places=2),
        Column("currency", "text", "Billing parameter: ISO 4217 currency of the object's service charges; needed for a reconciliation target.", required=False),
        Column(
            "monthly_service_charge_advance", "decimal", "Billing parameter: what the tenant pays each month towards its service charges, in `currency`.",
            required=False, minimum=0, maximum=1000000, decimal_places=2,
        ),
        Column("email", "text", "Billing parameter: where the tenant's reconciliation document is sent.", required=False),
    ),
)

BILLING_METERS = Source(
    name="billing_meters",
    description="The meters of the site objects, per energy type; a meter marked as invoiced is one invoices are received for.",
    delivered_by="the facility manager's meter register, whenever a meter is added or changed",
    file_pattern="*.csv",
    key=("meter_id",),
    notes=("A meter delivered again in a later file replaces the earlier one.",),
    columns=(
        Column("meter_id", "text", "Stable id of the meter."),
        Column("object_id", "text", "The object it measures (`site_objects.object_id`)."),
        Column("energy_type", "text", "What it measures.", allowed=ENERGY_TYPES),
        Column("unit", "text", "Unit of its readings.", allowed=("kWh", "m3", "GJ")),
        Column("is_invoiced", "text", "`true` when it is a billing meter that invoices are received for (\"Mark as invoiced\").", allowed=BOOLEAN),
    ),
)

METER_CONSUMPTION = Source(
    name="meter_consumption",
    description="Consumption read from each meter over a period (a month, or the reconciliation year), in the meter's unit.",
    delivered_by="the metering system or the facility manager's readings, after each reading",
    file_pattern="*.csv",
    key=("meter_id", "period_start", "period_end"),
    time_column="period_start",
    row_rules=(NotBefore("period_start", "period_end"),),
    notes=(
        "A reading delivered again for the same meter and period in a later file replaces the earlier one. "
        "`complete` `false` marks a period with missing readings: it is used with a warning for allocation, and is "
        "not enough for a water reconciliation, which needs consumption for the whole period.",
    ),
    columns=(
        Column("meter_id", "text", "The meter (`billing_meters.meter_id`)."),
        Column("period_start", "date", "First day of the period."),
        Column("period_end", "date", "Last day of the period (inclusive)."),
        Column("quantity", "decimal", "Consumption over the period, in the meter's unit.", minimum=0, maximum=1000000000, decimal_places=3),
        Column("complete", "text", "`true` when the readings cover the whole period.", allowed=BOOLEAN),
    ),
)

RECEIVED_INVOICES = Source(
    name="received_invoices",
    description=(
        "Invoices received: for energy, per billing meter (period, amount, consumption), distributed down the tree; "
        "for other expenses (telecommunication, maintenance, salaries), per object. An invoice above its "
        "`alert_threshold_amount` raises an overcharge alert."
    ),
    delivered_by="the facility manager's accounts payable, as invoices arrive",
    file_pattern="*.csv",
    key=("invoice_id",),
    time_column=None,
    row_rules=(NotBefore("period_start", "period_end"),),
    notes=(
        "An invoice counts in the energy costs once its period has ended; until then the object's price list prices "
        "the consumption. An invoice delivered again in a later file replaces the earlier one.",
    ),
    columns=(
        Column("invoice_id", "text", "The supplier's invoice number (unique)."),
        Column("category", "text", "Energy type, or the expense category of a non-energy invoice.", allowed=ENERGY_TYPES + EXPENSE_CATEGORIES),
        Column("meter_id", "text", "Energy invoices: the billing meter invoiced; empty for other expenses.", required=False),
        Column("object_id", "text", "The object invoiced (for energy, the billing meter's object)."),
        Column("period_start", "date", "First day invoiced."),
        Column("period_end", "date", "Last day invoiced (inclusive)."),
        Column("amount", "decimal", "Invoiced amount, in `currency`.", minimum=0, maximum=1000000000, decimal_places=2),
        Column("consumption", "decimal", "Energy invoices: the consumption invoiced, in `unit`; empty for other expenses.", required=False, minimum=0, maximum=1000000000, decimal_places=3),
        Column("unit", "text", "Unit of `consumption`.", required=False, allowed=("kWh", "m3", "GJ")),
        Column("currency", "text", "ISO 4217 currency of the amount."),
        Column("note", "text", "Free text.", required=False),
        Column("alert_threshold_amount", "decimal", "\"Alert when overcharged\": an amount above this raises an alert.", required=False, minimum=0, maximum=1000000000, decimal_places=2),
    ),
)

PRICE_LISTS = Source(
    name="price_lists",
    description="Unit prices per energy type for an object and everything below it, valid over a period: they price consumption an invoice does not cover yet.",
    delivered_by="the facility manager's supply contracts, whenever a price changes",
    file_pattern="*.csv",
    key=("price_list_id",),
    row_rules=(NotBefore("valid_from", "valid_to"),),
    columns=(
        Column("price_list_id", "text", "Stable id of the price entry."),
        Column("energy_type", "text", "Energy type priced.", allowed=ENERGY_TYPES),
        Column("object_id", "text", "Object the price applies to, with everything below it."),
        Column("valid_from", "date", "First day the price applies."),
        Column("valid_to", "date", "Last day the price applies; empty means open-ended.", required=False),
        Column("unit_price", "decimal", "Price per unit, in `currency`.", minimum=0, maximum=100000, decimal_places=6),
        Column("unit", "text", "Unit priced.", allowed=("kWh", "m3", "GJ")),
        Column("currency", "text", "ISO 4217 currency of the price."),
    ),
)

SERVICE_CHARGE_RECONCILIATIONS = Source(
    name="service_charge_reconciliations",
    description=(
        "The service-charge reconciliations to run: per source object (a building) and period, each cost to reconcile "
        "to the tenants below it and how: `non_energy` equally, `water` by each tenant's water meters, `heating` a "
        "share by metered heat and the rest by floor area; and the document template."
    ),
    delivered_by="the facility manager, once a year per building",
    file_pattern="*.csv",
    key=("spec_id",),
    row_rules=(NotBefore("period_start", "period_end"),),
    notes=(
        "All rows of one source object and period form one reconciliation with one `template`: `smart_cube` needs "
        "exactly one `water` and one `heating` row, or no document is produced and the error says which is missing.",
    ),
    columns=(
        Column("spec_id", "text", "Stable id of the row."),
        Column("source_object_id", "text", "The object whose costs are reconciled (its type must be a reconciliation source)."),
        Column("period_start", "date", "First day of the reconciliation period."),
        Column("period_end", "date", "Last day of the reconciliation period (inclusive)."),
        Column("kind", "text", "How the cost is split.", allowed=("non_energy", "water", "heating")),
        Column("name", "text", "Name on the document (`Cleaning and maintenance`)."),
        Column("cost", "decimal", "Cost to reconcile, in `currency`.", minimum=0, maximum=1000000000, decimal_places=2),
        Column("currency", "text", "ISO 4217 currency of the cost."),
        Column("consumption_share_pct", "decimal", "`heating`: percent split by metered heat; the rest by floor area.", required=False, minimum=0, maximum=100, decimal_places=2),
        Column("template", "text", "Document template of the reconciliation.", allowed=("smart_cube", "generic")),
    ),
)

ALLOCATION_SOURCES: tuple[Source, ...] = (
    OBJECT_TYPES,
    SITE_OBJECTS,
    BILLING_METERS,
    METER_CONSUMPTION,
    RECEIVED_INVOICES,
    PRICE_LISTS,
    SERVICE_CHARGE_RECONCILIATIONS,
)
