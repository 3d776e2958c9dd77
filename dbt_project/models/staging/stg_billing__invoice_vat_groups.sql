-- VAT breakdown of the issued documents (billing.invoice_vat_groups), with the advances deducted.
select
    company_id,
    invoice_number,
    vat_category,
    cast(vat_rate_pct as decimal(5, 2)) as vat_rate_pct,
    cast(taxable_amount as decimal(18, 2)) as taxable_amount,
    cast(vat_amount as decimal(18, 2)) as vat_amount,
    cast(prepaid_taxable_amount as decimal(18, 2)) as prepaid_taxable_amount,
    cast(prepaid_vat_amount as decimal(18, 2)) as prepaid_vat_amount,
    cast(net_taxable_amount as decimal(18, 2)) as net_taxable_amount,
    cast(net_vat_amount as decimal(18, 2)) as net_vat_amount
from {{ source('billing', 'invoice_vat_groups') }}
