-- Seed 001 report "customs": the monthly excise declaration to the customs authority per company, billing
-- month and currency: electrical energy (CN code 2716 00 00) released for consumption, taxable and exempt MWh,
-- and the excise due in `currency` (rpt_excise summed: final documents only, credit notes negative).
select
    excise.company_id,
    companies.country_code,
    excise.billing_month as declaration_month,
    '2716 00 00' as cn_code,
    'Electrical energy' as product_description,
    excise.currency,
    cast(count(distinct excise.customer_id) as integer) as customers_count,
    cast(sum(excise.billed_mwh) as decimal(18, 6)) as released_mwh,
    cast(sum(excise.taxable_mwh) as decimal(18, 6)) as taxable_mwh,
    cast(sum(excise.exempt_mwh) as decimal(18, 6)) as exempt_mwh,
    cast(sum(excise.excise_amount) as decimal(18, 2)) as excise_amount
from {{ ref('rpt_excise') }} as excise
left join {{ ref('dim_companies') }} as companies
    on companies.company_id = excise.company_id
group by excise.company_id, companies.country_code, excise.billing_month, excise.currency
