"""Partitions: the delivery day of the day-ahead market.

A delivery day is a local calendar day of the market (23, 24 or 25 hours). Partitions are cut in
`DELIVERY_TIMEZONE` (Europe/Bucharest by default; Sofia shares its clock, so one calendar serves
both markets of the sample portfolio) and reach one day ahead: at noon on D-1 the partition of D
exists, so the day-ahead schedule can forecast it.
"""

import os

from dagster import DailyPartitionsDefinition

DELIVERY_TIMEZONE = os.environ.get("VOLTBILL_DELIVERY_TIMEZONE", "Europe/Bucharest")
FIRST_DELIVERY_DAY = os.environ.get("VOLTBILL_FIRST_DELIVERY_DAY", "2025-10-01")

delivery_days = DailyPartitionsDefinition(start_date=FIRST_DELIVERY_DAY, timezone=DELIVERY_TIMEZONE, end_offset=1)
