-- divide_round_half_up (used by deviation_pct, difference_pct and decimal_mean) is exact decimal arithmetic
-- rounded half up, on values where a binary-float division rounds the other way: 2.010 x 100 / 200 is
-- exactly 1.005 (-> 1.01), but the DOUBLE 1.005 is 1.00499999... and rounds to 1.00.
-- Returns the cases whose result differs from the expected decimal.
with cases as (

    select cast('2.010' as decimal(18, 3)) * 100 as numerator, cast('200.000' as decimal(18, 3)) as denominator, cast('1.01' as decimal(18, 3)) as expected_2, cast('1.005' as decimal(18, 3)) as expected_3
    union all
    select cast('-2.010' as decimal(18, 3)) * 100, cast('200.000' as decimal(18, 3)), cast('-1.01' as decimal(18, 3)), cast('-1.005' as decimal(18, 3))
    union all
    select cast('1.000' as decimal(18, 3)), cast('3.000' as decimal(18, 3)), cast('0.33' as decimal(18, 3)), cast('0.333' as decimal(18, 3))
    union all
    select cast('2.000' as decimal(18, 3)), cast('3.000' as decimal(18, 3)), cast('0.67' as decimal(18, 3)), cast('0.667' as decimal(18, 3))
    union all
    select cast('-118.000' as decimal(18, 3)) * 100, cast('-120.000' as decimal(18, 3)), cast('98.33' as decimal(18, 3)), cast('98.333' as decimal(18, 3))
    union all
    select cast('0.0045' as decimal(18, 4)), cast('1.000' as decimal(18, 3)), cast('0.00' as decimal(18, 3)), cast('0.005' as decimal(18, 3))

),

computed as (

    select
        cases.*,
        {{ divide_round_half_up('numerator', 'denominator', 2) }} as result_2,
        {{ divide_round_half_up('numerator', 'denominator', 3) }} as result_3,
        {{ divide_round_half_up('numerator', '0', 2) }} as result_by_zero
    from cases

)

select *
from computed
where result_2 <> expected_2
    or result_3 <> expected_3
    or result_by_zero is not null
