-- One row per line of an issued document, with the document's attributes. Amounts and quantities are signed
-- as issued: credit-note and deduction lines are already negative, nothing is negated here, so sums over any
-- set of lines give the net invoiced. energy_kwh / energy_mwh convert the quantity of active-energy lines
-- (charge_type energy, unit kWh or MWh) exactly (× 1000 or × 0.001); null for other lines.
with lines as (

    select * from {{ ref('stg_billing__invoice_lines') }}

),

invoices as (

    select * from {{ ref('fct_invoices') }}

)

select
    lines.company_id,
    lines.invoice_number,
    lines.line_number,
    invoices.invoice_type,
    invoices.billing_stage,
    invoices.contract_id,
    invoices.customer_id,
    invoices.customer_class,
    invoices.billing_period,
    invoices.billing_month,
    invoices.issue_date,
    invoices.currency,
    invoices.consumption_type,
    invoices.intermediary_id,
    lines.charge_type,
    lines.description,
    lines.quantity,
    lines.unit,
    lines.unit_price,
    lines.net_amount,
    lines.vat_category,
    lines.vat_rate_pct,
    lines.metering_point_id,
    lines.charged_invoice_number,
    cast(case
        when lines.charge_type = 'energy' and lines.unit = 'kWh' then lines.quantity
        when lines.charge_type = 'energy' and lines.unit = 'MWh' then lines.quantity * 1000
    end as decimal(18, 6)) as energy_kwh,
    cast(case
        when lines.charge_type = 'energy' and lines.unit = 'kWh' then lines.quantity * cast(0.001 as decimal(4, 3))
        when lines.charge_type = 'energy' and lines.unit = 'MWh' then lines.quantity
    end as decimal(18, 9)) as energy_mwh,
    lines.quantity < 0 as is_negative
from lines
left join invoices
    on invoices.company_id = lines.company_id
    and invoices.invoice_number = lines.invoice_number
