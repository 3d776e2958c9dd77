"""Schedules: the day-ahead forecast before the market's gate closure, the weekly model choice, monthly billing.

At the forecast cutoff (12:00 local by default) on D-1 the `day_ahead` job forecasts delivery day D
and writes the purchase plan; the day-ahead auction closes at 12:00 CET (13:00 in Bucharest and
Sofia), which leaves the desk an hour to nominate. Off by default: switch it on in the UI.
"""

import datetime as dt
import os

from dagster import DefaultScheduleStatus, MultiPartitionKey, RunRequest, ScheduleEvaluationContext, schedule

from orchestration.jobs import billing_job, day_ahead_job, model_selection_job
from orchestration.partitions import BILLING_COMPANIES, BILLING_DAY, DELIVERY_TIMEZONE

CUTOFF_HOUR = int(os.environ.get("VOLTBILL_FORECAST_CUTOFF_HOUR", "12"))


@schedule(
    job=day_ahead_job,
    cron_schedule=f"0 {CUTOFF_HOUR} * * *",
    execution_timezone=DELIVERY_TIMEZONE,
    default_status=DefaultScheduleStatus.STOPPED,
    description="Every day at the cutoff: forecast tomorrow and write its purchase plan, before gate closure.",
)
def day_ahead_schedule(context: ScheduleEvaluationContext) -> RunRequest:
    delivery_day = context.scheduled_execution_time.date() + dt.timedelta(days=1)
    return RunRequest(
        run_key=delivery_day.isoformat(),
        partition_key=delivery_day.isoformat(),
        run_config={"ops": {"forecasting__series_forecasts": {"config": {"cutoff_hour": CUTOFF_HOUR}}}},
    )


@schedule(
    job=model_selection_job,
    cron_schedule="0 5 * * 1",
    execution_timezone=DELIVERY_TIMEZONE,
    default_status=DefaultScheduleStatus.STOPPED,
    description="Every Monday at 05:00: backtest the last eight weeks again and re-choose each series' model.",
)
def model_selection_schedule(context: ScheduleEvaluationContext) -> RunRequest:
    return RunRequest(run_key=context.scheduled_execution_time.date().isoformat())


BILLING_HOUR = int(os.environ.get("VOLTBILL_BILLING_HOUR", "6"))


@schedule(
    job=billing_job,
    cron_schedule=f"0 {BILLING_HOUR} {BILLING_DAY} * *",
    execution_timezone=DELIVERY_TIMEZONE,
    default_status=DefaultScheduleStatus.STOPPED,
    description=(
        "On the billing day of each month (VOLTBILL_BILLING_DAY, default the 5th, at VOLTBILL_BILLING_HOUR): bill the "
        "month just ended for every company, one run per company."
    ),
)
def billing_schedule(context: ScheduleEvaluationContext):
    today = context.scheduled_execution_time.date()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    for company in BILLING_COMPANIES:
        key = MultiPartitionKey({"month": last_month.isoformat(), "company": company})
        yield RunRequest(
            run_key=f"{company}|{last_month.isoformat()}",
            partition_key=key,
            run_config={"ops": {name: {"config": {"billing_day": BILLING_DAY}} for name in ("billing__invoices", "billing__penalty_invoices")}},
        )
