"""Quality checks on key marts: the Great Expectations suites of `ingestion.mart_expectations`.

Blocking: when a mart that billing relies on fails its suite, the serving copy is not published.
"""

from dagster import AssetCheckResult, AssetCheckSeverity, AssetKey, asset_check

from ingestion.mart_expectations import validate_mart
from orchestration.resources import WAREHOUSE_WRITER_POOL, WarehouseResource


@asset_check(
    asset=AssetKey(["marts", "fct_monthly_consumption"]),
    name="fct_monthly_consumption_expectations",
    blocking=True,
    pool=WAREHOUSE_WRITER_POOL,
    description="Great Expectations suite for marts.fct_monthly_consumption (keys, types, ranges).",
)
def fct_monthly_consumption_expectations(warehouse: WarehouseResource) -> AssetCheckResult:
    with warehouse.connect() as connection:
        frame = connection.execute("SELECT * FROM marts.fct_monthly_consumption").df()
    result = validate_mart("fct_monthly_consumption", frame)
    return AssetCheckResult(passed=result.success, severity=AssetCheckSeverity.ERROR, metadata=result.to_metadata())


MART_CHECKS = [fct_monthly_consumption_expectations]
