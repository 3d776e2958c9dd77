"""Quality checks on key marts: the Great Expectations suites of `ingestion.mart_expectations`.

Blocking: when a mart that money is computed from or reported in (consumption for billing, imbalance for the
traders' costs, the issued invoices for finance) fails its suite, the serving copy is not published.
"""

from dagster import AssetCheckResult, AssetCheckSeverity, AssetChecksDefinition, AssetKey, asset_check

from ingestion.mart_expectations import MART_SUITES, validate_mart
from orchestration.resources import WAREHOUSE_WRITER_POOL, WarehouseResource


def build_mart_check(mart: str) -> AssetChecksDefinition:
    @asset_check(
        asset=AssetKey(["marts", mart]),
        name=f"{mart}_expectations",
        blocking=True,
        pool=WAREHOUSE_WRITER_POOL,
        description=f"Great Expectations suite for marts.{mart} (keys, allowed values, ranges).",
    )
    def check(warehouse: WarehouseResource) -> AssetCheckResult:
        with warehouse.connect() as connection:
            frame = connection.execute(f"SELECT * FROM marts.{mart}").df()
        result = validate_mart(mart, frame)
        return AssetCheckResult(passed=result.success, severity=AssetCheckSeverity.ERROR, metadata=result.to_metadata())

    return check


MART_CHECKS = [build_mart_check(mart) for mart in MART_SUITES]
