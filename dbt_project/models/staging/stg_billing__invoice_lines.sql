-- Lines of the issued documents (billing.invoice_lines); credit-note and deduction lines are negative.
select
    company_id,
    invoice_number,
    cast(line_number as integer) as line_number,
    charge_type,
    description,
    cast(quantity as decimal(18, 6)) as quantity,
    unit,
    cast(unit_price as decimal(18, 6)) as unit_price,
    cast(net_amount as decimal(18, 2)) as net_amount,
    vat_category,
    cast(vat_rate_pct as decimal(5, 2)) as vat_rate_pct,
    metering_point_id,
    charged_invoice_number
from {{ source('billing', 'invoice_lines') }}
