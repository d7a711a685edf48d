"""CSV and TSV statements: delimiter and preamble detection, records with their line.

Line numbers count every physical line of the file, blank ones and the
preamble too (the contract's `skip_lines` and `data-line`); a record whose
quoted field spans lines is numbered by its first line.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass

DELIMITERS = {",": ",", ";": ";", "tab": "\t", "|": "|"}
MAX_SKIP_LINES = 50
FIELD_SIZE_LIMIT = 100_000
_SNIFF_LINES = 60


class CsvError(ValueError):
    """The text cannot be read as CSV with these settings; the message is for users."""


@dataclass(frozen=True)
class Record:
    line: int
    cells: list[str]


@dataclass(frozen=True)
class Layout:
    """What detection found: the delimiter's name (a key of DELIMITERS) and the preamble."""

    delimiter: str
    skip_lines: int
    columns: int


def physical_lines(text: str, limit: int | None = None) -> list[str]:
    """The file's lines without their endings (`\\r\\n`, `\\n` or `\\r`), at most `limit`."""
    lines = []
    for line in io.StringIO(text, newline=""):
        lines.append(line.rstrip("\r\n"))
        if limit is not None and len(lines) >= limit:
            break
    return lines


def detect_layout(text: str) -> Layout | None:
    """The delimiter and the preamble length that give the most consistent table.

    For each delimiter, the field counts of the first lines; the table starts
    at the first line from which the most common count (of at least 3 fields:
    a date, an amount and a text) holds for the rest of the sample.
    """
    lines = physical_lines(text, _SNIFF_LINES)
    best: tuple[int, int, Layout] | None = None
    for name, char in DELIMITERS.items():
        counts = [_field_count(line, char) for line in lines]
        usual = Counter(count for count in counts if count >= 3).most_common(1)
        if not usual:
            continue
        columns, hits = usual[0]
        start = next(n for n, count in enumerate(counts) if count == columns)
        if start > MAX_SKIP_LINES:
            continue
        score = (hits, columns)
        if best is None or score > best[:2]:
            best = (*score, Layout(name, start, columns))
    return None if best is None else best[2]


def _field_count(line: str, char: str) -> int:
    if not line.strip():
        return 0
    try:
        return len(next(csv.reader([line], delimiter=char)))
    except (csv.Error, StopIteration):
        return 0


def read_records(text: str, delimiter: str, skip_lines: int) -> list[Record]:
    """Every non-blank record after the first `skip_lines` lines, with its first line number."""
    if delimiter not in DELIMITERS:
        raise CsvError("Choose a delimiter.")
    csv.field_size_limit(FIELD_SIZE_LIMIT)
    stream = io.StringIO(text, newline="")
    for _ in range(skip_lines):
        stream.readline()
    reader = csv.reader(stream, delimiter=DELIMITERS[delimiter], strict=False)
    records = []
    start = skip_lines + 1
    try:
        for cells in reader:
            line, start = start, skip_lines + reader.line_num + 1
            if any(cell.strip() for cell in cells):
                records.append(Record(line, cells))
    except csv.Error as exc:
        raise CsvError(f"Line {start}: this is not valid CSV ({exc}).") from None
    return records
