"""What a structured-document reader (ENTSO-E XML, OCPI JSON) hands the loader: rows of text fields, and what it could not read."""

from __future__ import annotations

from dataclasses import dataclass, field

from ingestion.raw_schema import RejectedPart


@dataclass(frozen=True)
class DocumentRow:
    """One row of text fields in the contract's columns, and the document line it came from."""

    fields: dict[str, str]
    line: int | None


@dataclass
class DocumentRows:
    """The rows a document became, and the parts of it that could not become a row (quarantined with their line)."""

    rows: list[DocumentRow] = field(default_factory=list)
    rejected: list[RejectedPart] = field(default_factory=list)
