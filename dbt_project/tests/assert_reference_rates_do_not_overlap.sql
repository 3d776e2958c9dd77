-- Dated reference rates never overlap: at most one row is in force on any day for one key.
--   excise_rates            key (country_code, customer_class, currency), range [valid_from, valid_to]
--   reactive_energy_prices  key (market_code, currency),                   range [valid_from, valid_to]
--   reference_interest_rates key (rate_code), range [valid_from, day before the code's next valid_from]
-- An empty valid_to means open-ended. Also returns ranges that end before they start.
-- Returns one row per offending pair (or inverted range); empty when the seeds are consistent.
with ranges as (
    select
        'excise_rates' as seed_name,
        country_code || '/' || customer_class || '/' || currency as range_key,
        valid_from,
        valid_to
    from {{ ref('excise_rates') }}

    union all

    select
        'reactive_energy_prices' as seed_name,
        market_code || '/' || currency as range_key,
        valid_from,
        valid_to
    from {{ ref('reactive_energy_prices') }}

    union all

    -- A rate applies until the next row of its code: two rows overlap only when they share valid_from.
    select
        'reference_interest_rates' as seed_name,
        rate_code as range_key,
        valid_from,
        cast(null as date) as valid_to
    from {{ ref('reference_interest_rates') }}
),

numbered as (
    select
        seed_name,
        range_key,
        valid_from,
        valid_to,
        row_number() over (partition by seed_name, range_key order by valid_from, valid_to) as row_number_in_key
    from ranges
),

interest_rate_ranges as (
    -- interest rates: the end of a row is the day before the next distinct valid_from of the code
    select
        numbered.seed_name,
        numbered.range_key,
        numbered.valid_from,
        (
            select {{ dbt.dateadd('day', -1, 'min(later.valid_from)') }}
            from numbered as later
            where later.seed_name = numbered.seed_name
                and later.range_key = numbered.range_key
                and later.valid_from > numbered.valid_from
        ) as valid_to,
        numbered.row_number_in_key
    from numbered
    where numbered.seed_name = 'reference_interest_rates'
),

all_ranges as (
    select seed_name, range_key, valid_from, valid_to, row_number_in_key
    from numbered
    where seed_name <> 'reference_interest_rates'
    union all
    select seed_name, range_key, valid_from, valid_to, row_number_in_key
    from interest_rate_ranges
)

select
    earlier.seed_name,
    earlier.range_key,
    earlier.valid_from as first_valid_from,
    earlier.valid_to as first_valid_to,
    later.valid_from as second_valid_from,
    later.valid_to as second_valid_to,
    'overlapping validity' as problem
from all_ranges as earlier
inner join all_ranges as later
    on later.seed_name = earlier.seed_name
    and later.range_key = earlier.range_key
    and later.row_number_in_key > earlier.row_number_in_key
where later.valid_from <= coalesce(earlier.valid_to, cast('9999-12-31' as date))
    and earlier.valid_from <= coalesce(later.valid_to, cast('9999-12-31' as date))

union all

select
    seed_name,
    range_key,
    valid_from as first_valid_from,
    valid_to as first_valid_to,
    cast(null as date) as second_valid_from,
    cast(null as date) as second_valid_to,
    'valid_to before valid_from' as problem
from all_ranges
where valid_to < valid_from
