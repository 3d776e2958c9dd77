-- The e-mobility providers subscribed to the CPO's offers, last delivered record of each.
with latest as (
    {{ latest_row_per_key(source('emobility', 'e_mobility_providers'), ['emp_id']) }}
)

select
    emp_id,
    legal_name,
    vat_number,
    street,
    city,
    postal_code,
    upper(country_code) as country_code,
    invoice_email,
    subscribed_on,
    _source_file as source_file,
    _source_line as source_line
from latest
