"""Great Expectations 1.x suites for the raw tables, derived from the file contracts.

Every source in `ingestion.sources.SOURCES` loads into `raw.<source>`: the contract's columns,
typed, plus the lineage columns in `LINEAGE_COLUMNS`. The loader already rejects rows that
break the contract, so these suites are a second, independent line of defence over the
loaded table, plus a few expectations the loader does not check (the `SOURCE_RULES`
registry below). They are meant to run as Dagster asset checks; this module has no Dagster
import and only returns plain Python values (`SuiteResult.to_metadata()`).

What a suite expects, for a source:

* the table has exactly the contract columns plus the lineage columns;
* required columns and lineage columns are never null;
* columns with allowed values only hold those values (nulls are ignored: optionality is the
  not-null expectation's business);
* columns with a minimum/maximum stay within it;
* the key is unique within one delivered file (key + `_source_file`): the same key in a
  later file is a legal revision, not a duplicate;
* `_source_line` is at least 2 (line 1 is the header);
* the source-specific rules in `SOURCE_RULES`.

Great Expectations is imported lazily (it costs seconds), so importing this module is cheap.
Validation runs in one in-process ephemeral GX context (no files written, no network, no
progress bars), created on first use and reused with the suites for the life of the process.
"""

from __future__ import annotations

import functools
import logging
import math
import os
import threading
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ingestion.raw_schema import LINEAGE_COLUMNS as _RAW_LINEAGE_COLUMNS
from ingestion.sources import Column, Source

if TYPE_CHECKING:  # pragma: no cover - typing only
    import great_expectations as gx
    import pandas

__all__ = [
    "LINEAGE_COLUMNS",
    "SOURCE_RULES",
    "ColumnPairOrdered",
    "FailedExpectation",
    "SuiteResult",
    "ValuesBetween",
    "ValuesInSet",
    "build_suite",
    "suite_name",
    "validate_frame",
]

LINEAGE_COLUMNS: tuple[str, ...] = tuple(name for name, _ in _RAW_LINEAGE_COLUMNS)
"""Columns the loader adds to every raw table (`ingestion.raw_schema`): file, 1-based line, load run, ..."""

FIRST_DATA_LINE = 2
SAMPLE_SIZE = 5
"""How many unexpected values (and row locations) a failure summary shows."""

_PARTIAL_UNEXPECTED_COUNT = 20  # rows GX returns per failure; we de-duplicate them down to SAMPLE_SIZE
_MAX_FAILURES_IN_METADATA = 25
_NUMERIC_TYPES = frozenset({"integer", "decimal"})


# --------------------------------------------------------------------------------------------
# Source-specific rules: a small declarative registry
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ValuesBetween:
    """Every non-null value of `column` lies within [minimum, maximum] (either bound optional)."""

    column: str
    minimum: float | None
    maximum: float | None
    reason: str

    def expectation(self, source: Source) -> Any:
        import great_expectations as gx

        return gx.expectations.ExpectColumnValuesToBeBetween(
            column=self.column,
            min_value=self.minimum,
            max_value=self.maximum,
            description=f"{_bounds_text(self.column, self.minimum, self.maximum)}: {self.reason}",
            notes=self.reason,
            meta=_meta(source, "registry", "sanity_range", self.column),
        )


@dataclass(frozen=True)
class ValuesInSet:
    """Every non-null value of `column` is one of `values` (given in the column's own type)."""

    column: str
    values: tuple[Any, ...]
    reason: str

    def expectation(self, source: Source) -> Any:
        import great_expectations as gx

        return gx.expectations.ExpectColumnValuesToBeInSet(
            column=self.column,
            value_set=list(self.values),
            description=f"{self.column} in {{{', '.join(map(str, self.values))}}}: {self.reason}",
            notes=self.reason,
            meta=_meta(source, "registry", "value_set", self.column),
        )


@dataclass(frozen=True)
class ColumnPairOrdered:
    """`later` >= `earlier` (or strictly > when `or_equal` is false) on rows where both are present."""

    later: str
    earlier: str
    reason: str
    or_equal: bool = True

    def expectation(self, source: Source) -> Any:
        import great_expectations as gx

        operator = ">=" if self.or_equal else ">"
        return gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=self.later,
            column_B=self.earlier,
            or_equal=self.or_equal,
            ignore_row_if="either_value_is_missing",
            description=f"{self.later} {operator} {self.earlier} where both are present: {self.reason}",
            notes=self.reason,
            meta=_meta(source, "registry", "column_pair_order", self.later, self.earlier),
        )


Rule = ValuesBetween | ValuesInSet | ColumnPairOrdered

SOURCE_RULES: dict[str, tuple[Rule, ...]] = {
    # Ranges (energy per interval, temperatures, fee amounts) live in the contract, so the loader
    # quarantines offending rows and the suite re-checks them as `contract/range`.
    "meter_readings": (
        ValuesInSet("interval_minutes", (15, 60), "metering intervals are quarter-hours or hours"),
    ),
    "contracts": (
        ColumnPairOrdered(
            "effective_to", "effective_from", "a contract term cannot end before it starts (open-ended when empty)"
        ),
    ),
}
"""Expectations the contract cannot express, per source name. Add rules here, not in `build_suite`."""


# --------------------------------------------------------------------------------------------
# Suites
# --------------------------------------------------------------------------------------------


def suite_name(source: Source) -> str:
    """Name of the suite that validates `source.raw_table`."""
    return f"{source.raw_table}.contract"


def build_suite(source: Source) -> gx.ExpectationSuite:
    """A new Great Expectations suite for `source`'s raw table, derived from its contract.

    Returns a fresh, unsaved suite on each call; `validate_frame` keeps its own cached copy.
    """
    import great_expectations as gx

    E = gx.expectations
    expectations: list[Any] = []
    expected_columns = [*source.column_names, *LINEAGE_COLUMNS]
    expectations.append(
        E.ExpectTableColumnsToMatchSet(
            column_set=expected_columns,
            exact_match=True,
            description=f"{source.raw_table} has exactly the contract columns plus the lineage columns",
            meta=_meta(source, "contract", "columns"),
        )
    )

    for column in source.columns:
        expectations.extend(_column_expectations(source, column))

    key_with_file = [*source.key, "_source_file"]
    expectations.append(
        E.ExpectCompoundColumnsToBeUnique(
            column_list=key_with_file,
            ignore_row_if="never",
            description=(
                f"key ({', '.join(source.key)}) unique within one file; a key repeated in a later file is a revision"
            ),
            notes="The loader rejects a second row with the same key in one file as a duplicate.",
            meta=_meta(source, "contract", "key_unique_per_file", *key_with_file),
        )
    )

    for lineage_column in LINEAGE_COLUMNS:
        expectations.append(
            E.ExpectColumnValuesToNotBeNull(
                column=lineage_column,
                description=f"lineage column {lineage_column} is always filled by the loader",
                meta=_meta(source, "lineage", "not_null", lineage_column),
            )
        )
    expectations.append(
        E.ExpectColumnValuesToBeBetween(
            column="_source_line",
            min_value=FIRST_DATA_LINE,
            description="_source_line >= 2: line 1 of every file is the header",
            meta=_meta(source, "lineage", "first_data_line", "_source_line"),
        )
    )

    expectations.extend(rule.expectation(source) for rule in SOURCE_RULES.get(source.name, ()))

    # Passing the expectations to the constructor (rather than suite.add_expectation, which looks
    # for a store in the "current" GX context and raises without one) keeps the suite a plain,
    # context-free value. A registry rule that repeats a contract rule exactly is kept once.
    unique: dict[tuple[str, str], Any] = {}
    for expectation in expectations:
        unique.setdefault((expectation.expectation_type, repr(sorted(expectation.configuration.kwargs.items()))), expectation)
    return gx.ExpectationSuite(
        name=suite_name(source),
        expectations=list(unique.values()),
        meta={
            "source": source.name,
            "raw_table": source.raw_table,
            "derived_from": "ingestion.sources contract + ingestion.expectations.SOURCE_RULES",
            "key": list(source.key),
        },
        notes=f"Second line of defence over {source.raw_table}: {source.description}",
    )


def _column_expectations(source: Source, column: Column) -> list[Any]:
    import great_expectations as gx

    E = gx.expectations
    expectations: list[Any] = []
    if column.required:
        expectations.append(
            E.ExpectColumnValuesToNotBeNull(
                column=column.name,
                description=f"{column.name} is required (never empty)",
                meta=_meta(source, "contract", "required", column.name),
            )
        )
    if column.allowed is not None:
        values = [_typed_value(column, value) for value in column.allowed]
        expectations.append(
            E.ExpectColumnValuesToBeInSet(
                column=column.name,
                value_set=values,
                description=f"{column.name} is one of {', '.join(column.allowed)}",
                meta=_meta(source, "contract", "allowed", column.name),
            )
        )
    if column.minimum is not None or column.maximum is not None:
        if column.type not in _NUMERIC_TYPES:
            raise ValueError(
                f"{source.name}.{column.name}: minimum/maximum are only supported on integer and decimal "
                f"columns, not {column.type}"
            )
        expectations.append(
            E.ExpectColumnValuesToBeBetween(
                column=column.name,
                min_value=column.minimum,
                max_value=column.maximum,
                description=_bounds_text(column.name, column.minimum, column.maximum),
                meta=_meta(source, "contract", "range", column.name),
            )
        )
    return expectations


def _typed_value(column: Column, value: str) -> Any:
    """An allowed value (written as text in the contract) in the type the raw column holds."""
    if column.type == "integer":
        return int(value)
    if column.type == "decimal":
        return float(value)  # validation compares decimals as floats (see _prepare_frame)
    return value


def _meta(source: Source, origin: str, rule: str, *columns: str) -> dict[str, Any]:
    return {"source": source.name, "origin": origin, "rule": rule, "columns": list(columns)}


def _bounds_text(column: str, minimum: float | None, maximum: float | None) -> str:
    if minimum is not None and maximum is not None:
        return f"{column} between {minimum:g} and {maximum:g}"
    if minimum is not None:
        return f"{column} >= {minimum:g}"
    return f"{column} <= {maximum:g}"


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FailedExpectation:
    """One expectation that did not hold, in terms a person can act on."""

    expectation_type: str
    columns: tuple[str, ...]
    summary: str
    """One line: what was expected, how many rows broke it (count and percent), sample values."""
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    sample: tuple[str, ...] = ()
    """Up to `SAMPLE_SIZE` distinct offending values, as text (`null` for a missing value)."""
    locations: tuple[str, ...] = ()
    """Up to `SAMPLE_SIZE` offending rows as `<_source_file>:<_source_line>` (when those columns exist)."""
    rule: str = ""
    """Which rule of the suite failed (`contract/required`, `registry/sanity_range`, ...)."""


@dataclass(frozen=True)
class SuiteResult:
    """Outcome of validating one frame against one source's suite."""

    success: bool
    evaluated: int
    failed: int
    row_count: int
    failures: tuple[FailedExpectation, ...]
    suite_name: str = ""

    def to_metadata(self) -> dict[str, str | int | float]:
        """Plain-typed metadata for a Dagster asset check (no GX or numpy objects)."""
        metadata: dict[str, str | int | float] = {
            "suite": self.suite_name,
            "success": bool(self.success),
            "row_count": int(self.row_count),
            "expectations_evaluated": int(self.evaluated),
            "expectations_failed": int(self.failed),
        }
        if self.failures:
            shown = self.failures[:_MAX_FAILURES_IN_METADATA]
            lines = [f"- {failure.summary}" for failure in shown]
            if len(self.failures) > len(shown):
                lines.append(f"- ... and {len(self.failures) - len(shown)} more")
            metadata["failures"] = "\n".join(lines)
            metadata["failed_expectation_types"] = ", ".join(
                sorted({failure.expectation_type for failure in self.failures})
            )
            counts = [failure.unexpected_count for failure in self.failures if failure.unexpected_count]
            if counts:
                metadata["max_unexpected_rows"] = int(max(counts))
        return metadata


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------

_LOCK = threading.RLock()


def validate_frame(source: Source, frame: pandas.DataFrame) -> SuiteResult:
    """Validate `frame` (the raw table of `source`, e.g. from DuckDB's `.df()`) against its suite.

    DECIMAL columns holding `decimal.Decimal` objects are converted to float for validation only
    (the suites check ranges and sets, where float precision is ample); `frame` is not modified.
    """
    date_columns = frozenset(column.name for column in source.columns if column.type in ("date", "month"))
    return run_suite(_cached_suite(source), source.name, _prepare_frame(source, frame), date_columns)


def run_suite(suite: Any, batch_name: str, prepared: pandas.DataFrame, date_columns: frozenset[str]) -> SuiteResult:
    """Run a suite over an in-memory frame in the process-wide ephemeral context."""
    with _LOCK, _quiet():
        batch_definition = _batch_definition(batch_name)
        batch = batch_definition.get_batch(batch_parameters={"dataframe": prepared})
        result = batch.validate(
            suite,
            result_format={
                "result_format": "SUMMARY",
                "partial_unexpected_count": _PARTIAL_UNEXPECTED_COUNT,
                "include_unexpected_rows": False,
            },
        )
    failed_results = sorted(  # structural (table-level) failures first: they explain the others
        (item for item in result.results if not item.success),
        key=lambda item: not str(item.expectation_config.type).startswith("expect_table_"),
    )
    failures = tuple(_failed_expectation(item, prepared, date_columns) for item in failed_results)
    statistics = result.statistics
    return SuiteResult(
        success=bool(result.success),
        evaluated=int(statistics.get("evaluated_expectations", len(result.results))),
        failed=int(statistics.get("unsuccessful_expectations", len(failures))),
        row_count=len(prepared),
        failures=failures,
        suite_name=suite.name,
    )


@functools.lru_cache(maxsize=None)
def _cached_suite(source: Source) -> Any:
    return build_suite(source)


@functools.lru_cache(maxsize=1)
def _context() -> Any:
    """The process-wide ephemeral GX context: in-memory stores, no analytics, no progress bars."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    with _quiet():
        import great_expectations as gx
        from great_expectations.data_context.types.base import (
            DataContextConfig,
            InMemoryStoreBackendDefaults,
            ProgressBarsConfig,
        )

        config = DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(),
            progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
            analytics_enabled=False,
        )
        context = gx.get_context(mode="ephemeral", project_config=config)
        context.data_sources.add_pandas(name="voltbill_raw")
    return context


@functools.lru_cache(maxsize=None)
def _batch_definition(source_name: str) -> Any:
    with _LOCK:
        datasource = _context().data_sources.get("voltbill_raw")
        asset = datasource.add_dataframe_asset(name=source_name)
        return asset.add_batch_definition_whole_dataframe(name="whole_frame")


class _quiet:
    """Silence GX's Python warnings and chatty loggers while it runs."""

    def __enter__(self) -> None:
        self._warnings = warnings.catch_warnings()
        self._warnings.__enter__()
        warnings.simplefilter("ignore")
        self._logger = logging.getLogger("great_expectations")
        self._level = self._logger.level
        self._logger.setLevel(logging.ERROR)

    def __exit__(self, *exc: object) -> None:
        self._logger.setLevel(self._level)
        self._warnings.__exit__(*exc)


def _prepare_frame(source: Source, frame: pandas.DataFrame) -> pandas.DataFrame:
    """The frame as GX should see it: decimal columns as float, a positional index."""
    import pandas as pd

    conversions: dict[str, Any] = {}
    for column in source.columns:
        if column.type != "decimal" or column.name not in frame.columns:
            continue
        series = frame[column.name]
        if series.dtype == object or isinstance(series.dtype, pd.ArrowDtype):
            conversions[column.name] = _to_float(series)
    prepared = frame.assign(**conversions) if conversions else frame
    if not isinstance(prepared.index, pd.RangeIndex) or prepared.index.start != 0 or prepared.index.step != 1:
        prepared = prepared.reset_index(drop=True)
    return prepared


def _to_float(series: pandas.Series) -> pandas.Series:
    """Decimal objects (or None) to float64; leave the column alone when something is not numeric."""
    try:
        return series.astype("float64")
    except (TypeError, ValueError):
        return series  # let the range expectation report the odd values


def _failed_expectation(item: Any, frame: pandas.DataFrame, date_columns: frozenset[str]) -> FailedExpectation:
    config = item.expectation_config
    expectation_type = str(config.type)
    kwargs = dict(config.kwargs)
    columns = _columns_of(kwargs)
    meta = config.meta or {}
    rule = f"{meta.get('origin', '')}/{meta.get('rule', '')}".strip("/")
    description = getattr(config, "description", None) or expectation_type
    subject = f"{expectation_type}({', '.join(columns)})" if columns else expectation_type
    result = dict(item.result or {})
    message = _exception_message(item.exception_info)
    if message is not None:
        summary = f"{subject} could not be evaluated: {message}"
        return FailedExpectation(expectation_type, columns, summary, rule=rule)

    if expectation_type == "expect_table_columns_to_match_set":
        mismatched = (result.get("details") or {}).get("mismatched") or {}
        missing = sorted(map(str, mismatched.get("missing", [])))
        unexpected = sorted(map(str, mismatched.get("unexpected", [])))
        parts = []
        if missing:
            parts.append(f"missing {', '.join(missing)}")
        if unexpected:
            parts.append(f"unexpected {', '.join(unexpected)}")
        summary = f"{subject}: columns do not match the contract: {'; '.join(parts) or 'mismatch'}"
        return FailedExpectation(
            expectation_type, tuple(missing + unexpected), summary, sample=tuple(missing + unexpected), rule=rule
        )

    count = result.get("unexpected_count")
    percent = result.get("unexpected_percent")
    sample = _sample(result.get("partial_unexpected_list") or [], columns, date_columns)
    locations = _locations(result.get("partial_unexpected_index_list") or [], frame)
    parts = [f"{subject} failed — {description}"]
    if count is not None:
        parts.append(f"{int(count)} {_rows_text(result)} unexpected ({_percent(percent)})")
    elif "observed_value" in result:
        parts.append(f"observed {_format_value(result['observed_value'])}")
    if sample:
        parts.append(f"e.g. {', '.join(sample)}")
    if locations:
        parts.append(f"at {', '.join(locations)}")
    return FailedExpectation(
        expectation_type=expectation_type,
        columns=columns,
        summary="; ".join(parts),
        unexpected_count=int(count) if count is not None else None,
        unexpected_percent=float(percent) if percent is not None else None,
        sample=sample,
        locations=locations,
        rule=rule,
    )


def _exception_message(exception_info: Any) -> str | None:
    """First line of the error GX caught while evaluating an expectation, or None.

    GX reports it either flat ({"raised_exception": True, "exception_message": ...}) or, when a
    metric failed (e.g. a missing column), keyed by the metric's id: {"<metric id>": {...}}.
    """
    if not isinstance(exception_info, dict):
        return None
    candidates = [exception_info, *(value for value in exception_info.values() if isinstance(value, dict))]
    for candidate in candidates:
        if candidate.get("raised_exception") or candidate.get("exception_message"):
            text = str(candidate.get("exception_message") or "unknown error").strip()
            return (text.splitlines() or ["unknown error"])[0][:300]
    return None


def _columns_of(kwargs: dict[str, Any]) -> tuple[str, ...]:
    if "column" in kwargs:
        return (str(kwargs["column"]),)
    if "column_list" in kwargs:
        return tuple(map(str, kwargs["column_list"]))
    if "column_A" in kwargs:
        return (str(kwargs["column_A"]), str(kwargs["column_B"]))
    return ()


def _rows_text(result: dict[str, Any]) -> str:
    """'of N rows', or 'of M checked rows (N in total)' when GX skipped rows with missing values.

    GX computes `unexpected_percent` over the rows it checked (missing values are ignored by
    every expectation except not-null), so the denominator is spelled out to match it.
    """
    total = result.get("element_count")
    if total is None:
        return "rows"
    missing = int(result.get("missing_count") or 0)
    if missing:
        return f"of {int(total) - missing} checked rows ({int(total)} in total)"
    return f"of {int(total)} rows"


def _sample(values: list[Any], columns: tuple[str, ...], date_columns: frozenset[str]) -> tuple[str, ...]:
    """Distinct offending values as text, dates as `YYYY-MM-DD` (GX hands them back as datetimes or strings)."""
    seen: list[str] = []
    for value in values:
        if isinstance(value, (list, tuple)) and len(value) == len(columns) > 1:
            value = dict(zip(columns, value))  # a column pair's (A, B) values
        if isinstance(value, dict):
            text = "(" + ", ".join(
                f"{key}={_format_value(item, key in date_columns)}" for key, item in value.items()
            ) + ")"
        else:
            text = _format_value(value, len(columns) == 1 and columns[0] in date_columns)
        if text not in seen:
            seen.append(text)
        if len(seen) == SAMPLE_SIZE:
            break
    return tuple(seen)


def _locations(index_list: list[Any], frame: pandas.DataFrame) -> tuple[str, ...]:
    if "_source_file" not in frame.columns or "_source_line" not in frame.columns:
        return ()
    locations: list[str] = []
    for position in index_list[:SAMPLE_SIZE]:
        if isinstance(position, dict):  # index given by column values
            continue
        try:
            file = frame["_source_file"].iat[int(position)]
            line = frame["_source_line"].iat[int(position)]
        except (IndexError, TypeError, ValueError):
            continue
        locations.append(f"{_format_value(file)}:{_format_value(line)}")
    return tuple(locations)


def _format_value(value: Any, as_date: bool = False) -> str:
    if isinstance(value, dict):  # a row of a multi-column expectation
        return "(" + ", ".join(f"{key}={_format_value(item)}" for key, item in value.items()) + ")"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_format_value(item) for item in value) + "]"
    if _is_missing(value):
        return "null"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if as_date:
        try:
            import pandas as pd

            return pd.Timestamp(value).date().isoformat()
        except (TypeError, ValueError):
            pass
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    try:
        import pandas as pd

        return bool(pd.isna(value)) if not isinstance(value, (str, bytes)) else False
    except (TypeError, ValueError):
        return False


def _percent(percent: Any) -> str:
    if percent is None:
        return "?%"
    value = float(percent)
    if value == 0:
        return "0%"
    if value < 0.01:
        return "<0.01%"
    return f"{value:.2f}%".replace(".00%", "%")


# --------------------------------------------------------------------------------------------
# Validating what a run ingested
# --------------------------------------------------------------------------------------------


def combine_results(source: Source, results: list[SuiteResult]) -> SuiteResult:
    """One result for several validated batches of the same source: fails if any batch failed."""
    if not results:
        return SuiteResult(True, 0, 0, 0, (), suite_name(source))
    return SuiteResult(
        success=all(result.success for result in results),
        evaluated=max(result.evaluated for result in results),
        failed=max(result.failed for result in results),
        row_count=sum(result.row_count for result in results),
        failures=tuple(failure for result in results for failure in result.failures),
        suite_name=suite_name(source),
    )


def validate_pending_files(connection: Any, source: Source) -> SuiteResult:
    """Validate every loaded file of `source` whose rows have not passed the suite yet.

    One file at a time, so a very large delivery is never held in memory as one frame; each
    file's outcome is recorded in `raw.ingested_files.expectations_passed`. A file that failed
    stays pending, so the blocking check keeps failing on every run until its rows are fixed:
    bad data cannot slip through on a rerun.
    """
    pending = connection.execute(
        """
        SELECT ingestion_id FROM raw.ingested_files
        WHERE source = ? AND rows_loaded > 0 AND expectations_passed IS NOT TRUE
        ORDER BY ingestion_seq
        """,
        [source.name],
    ).fetchall()
    results = []
    for (ingestion_id,) in pending:
        frame = connection.execute(f"SELECT * FROM {source.raw_table} WHERE _ingestion_id = ?", [ingestion_id]).df()
        result = validate_frame(source, frame)
        connection.execute(
            "UPDATE raw.ingested_files SET expectations_passed = ? WHERE source = ? AND ingestion_id = ?",
            [result.success, source.name, ingestion_id],
        )
        results.append(result)
    return combine_results(source, results)
