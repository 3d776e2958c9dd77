"""One streaming pass over a delivered file: content hash, line count, blank lines and a truncation tell.

DuckDB's CSV reader skips blank lines and does not report the line number of good rows, so
the loader needs to know where the blank lines are to give every row its physical line
number. Hashing and scanning share a single read of the file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

CHUNK_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class FileScan:
    """What one pass over the bytes of a file tells about it."""

    sha256: str
    size_bytes: int
    line_count: int
    blank_lines: tuple[int, ...]
    ends_with_newline: bool
    header: str

    @property
    def ingestion_id(self) -> str:
        """Identifier of this content: the same bytes always give the same id."""
        return self.sha256[:16]


def _blank_line_numbers(data: bytes, first_line: int) -> set[int]:
    """1-based numbers of the empty lines (`\\n` or `\\r\\n` alone) that follow a newline in `data`.

    `first_line` is the number of the line `data` starts in.
    """
    blanks: set[int] = set()
    for pattern in (b"\n\n", b"\n\r\n"):
        position = data.find(pattern)
        while position != -1:
            blanks.add(first_line + data.count(b"\n", 0, position + 1))
            position = data.find(pattern, position + 1)
    return blanks


def scan_file(path: Path) -> FileScan:
    """Hash `path` and find its blank lines in one streaming read."""
    digest = hashlib.sha256()
    size = 0
    newlines = 0  # newlines before the current chunk
    blanks: set[int] = set()
    header = b""
    carry = b""  # last bytes of the previous chunk, so a pattern across the boundary is found
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
            if size == 0:
                header = chunk.split(b"\n", 1)[0]
                if chunk.startswith((b"\n", b"\r\n")):
                    blanks.add(1)
            blanks |= _blank_line_numbers(carry + chunk, newlines + 1 - carry.count(b"\n"))
            newlines += chunk.count(b"\n")
            size += len(chunk)
            carry = chunk[-2:]
    ends_with_newline = carry.endswith(b"\n")
    line_count = newlines + (0 if ends_with_newline or size == 0 else 1)
    return FileScan(
        sha256=digest.hexdigest(),
        size_bytes=size,
        line_count=line_count,
        blank_lines=tuple(sorted(blanks)),
        ends_with_newline=ends_with_newline,
        header=header.decode("utf-8", errors="replace").lstrip("\ufeff").rstrip("\r"),
    )
