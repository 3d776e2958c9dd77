-- Invoice number series of the register (billing.number_series), as written.
select
    company_id,
    series,
    prefix,
    cast(digits as integer) as digits,
    cast(first_number as bigint) as first_number,
    cast(next_number as bigint) as next_number,
    configured_at,
    updated_at
from {{ source('billing', 'number_series') }}
