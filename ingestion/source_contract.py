"""The shape of a partner-file contract: `Source`, its `Column`s and row rules (see `ingestion.sources`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColumnType = Literal["text", "integer", "decimal", "date", "month", "timestamptz"]


@dataclass(frozen=True)
class Column:
    """One column of a partner file and the rules its values must satisfy."""

    name: str
    type: ColumnType
    description: str
    required: bool = True
    allowed: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    decimal_places: int = 6

    @property
    def sql_type(self) -> str:
        """The DuckDB type of the column in the raw table."""
        return {
            "text": "VARCHAR",
            "integer": "INTEGER",
            "decimal": f"DECIMAL(18,{self.decimal_places})",
            "date": "DATE",
            "month": "DATE",
            "timestamptz": "TIMESTAMPTZ",
        }[self.type]


@dataclass(frozen=True)
class NotBefore:
    """Row rule: `later` (when present) is on or after `earlier`; both columns of the same type."""

    earlier: str
    later: str


@dataclass(frozen=True)
class RequiredWhen:
    """Row rule: `column` must be present when `when_column` equals `value`, and empty otherwise."""

    column: str
    when_column: str
    value: str


RowRule = NotBefore | RequiredWhen


@dataclass(frozen=True)
class Source:
    """A partner file type: where it lands, what it must contain, where it loads."""

    name: str
    description: str
    delivered_by: str
    file_pattern: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    time_column: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    row_rules: tuple[RowRule, ...] = field(default_factory=tuple)
    xml_document_types: tuple[str, ...] = ()
    """ENTSO-E document types (`A44`, `A85`) also accepted as `*.xml` in the folder and read by
    `ingestion.entsoe_xml` into the same rows; the rows then pass the same checks as CSV rows."""

    ocpi_object: Literal["CDR", "Tariff"] | None = None
    """OCPI 2.2.1 object type also accepted as `*.json` in the folder (one object, or an array of them) and read
    by `ingestion.ocpi_documents` into the same rows; the rows then pass the same checks as CSV rows."""

    @property
    def xml_file_pattern(self) -> str | None:
        return "*.xml" if self.xml_document_types else None

    @property
    def json_file_pattern(self) -> str | None:
        return "*.json" if self.ocpi_object else None

    @property
    def file_patterns(self) -> tuple[str, ...]:
        """Every file-name pattern the folder loads: the CSV pattern, then the document formats."""
        patterns = (self.file_pattern, self.xml_file_pattern, self.json_file_pattern)
        return tuple(dict.fromkeys(pattern for pattern in patterns if pattern))

    @property
    def raw_table(self) -> str:
        return f"raw.{self.name}"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)
