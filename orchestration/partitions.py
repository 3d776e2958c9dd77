"""Partitions: the delivery day of the day-ahead market, and the billing month of each company.

A delivery day is a local calendar day of the market (23, 24 or 25 hours). Partitions are cut in
`DELIVERY_TIMEZONE` (Europe/Bucharest by default; Sofia shares its clock, so one calendar serves
both markets of the sample portfolio) and reach one day ahead: at noon on D-1 the partition of D
exists, so the day-ahead schedule can forecast it.
"""

import os

from dagster import DailyPartitionsDefinition, MonthlyPartitionsDefinition, MultiPartitionsDefinition, StaticPartitionsDefinition

DELIVERY_TIMEZONE = os.environ.get("VOLTBILL_DELIVERY_TIMEZONE", "Europe/Bucharest")
FIRST_DELIVERY_DAY = os.environ.get("VOLTBILL_FIRST_DELIVERY_DAY", "2025-10-01")

delivery_days = DailyPartitionsDefinition(start_date=FIRST_DELIVERY_DAY, timezone=DELIVERY_TIMEZONE, end_offset=1)

# Billing: one partition per (month, company). A month's partition exists once the month is over (end_offset 0):
# its documents are issued on the billing day of the next month. The companies are the group's supply companies.
FIRST_BILLING_MONTH = os.environ.get("VOLTBILL_FIRST_BILLING_MONTH", FIRST_DELIVERY_DAY[:7] + "-01")
BILLING_COMPANIES = tuple(company.strip() for company in os.environ.get("VOLTBILL_BILLING_COMPANIES", "VB-RO,VB-BG").split(",") if company.strip())

# Day of the following month a billing month is issued and dated on (and the billing schedule runs).
BILLING_DAY = int(os.environ.get("VOLTBILL_BILLING_DAY", "5"))

billing_months = MonthlyPartitionsDefinition(start_date=FIRST_BILLING_MONTH, timezone=DELIVERY_TIMEZONE, end_offset=0)
billing_partitions = MultiPartitionsDefinition({"month": billing_months, "company": StaticPartitionsDefinition(list(BILLING_COMPANIES))})
