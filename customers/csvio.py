"""CSV at the register's edges (DESIGN.md, "CSV contract").

Reading accepts UTF-8 (with or without BOM, comma or semicolon) and Windows-1252
semicolon files as Finnish Excel saves them. Writing escapes every cell that a
spreadsheet would run as a formula.
"""

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

import tablib

# A spreadsheet treats these as the start of a formula. The apostrophe itself is escaped
# too, so that import can always drop exactly one leading apostrophe and round-trip.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "'")


class CSVDecodeError(ValueError):
    pass


def escape_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def unescape_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("'"):
        return value[1:]
    return value


# A bigger file than this is refused before it is read (about 100,000 customers).
MAX_BYTES = 50 * 1024 * 1024


def decode(data: bytes) -> str:
    """UTF-8 (BOM optional) first; UTF-16 with its byte order mark (Excel's "Unicode
    text"); Windows-1252 is what Finnish Excel writes otherwise. Anything else is named
    for what it is, so the person knows how to save it instead."""
    if len(data) > MAX_BYTES:
        raise CSVDecodeError(
            f"The file is {len(data) / 2**20:.1f} MB; the largest accepted is "
            f"{MAX_BYTES // 2**20} MB. Split it into smaller files."
        )
    if data.startswith(b"PK\x03\x04"):
        raise CSVDecodeError(
            "The file is an Excel workbook (.xlsx) or another zip file, not CSV: in Excel, "
            "save it as CSV UTF-8 (comma delimited)."
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise CSVDecodeError("The file says it is UTF-16 but is not valid UTF-16.") from exc
    # Text with every other byte NUL is UTF-16; a stray NUL in a cell is left for the row
    # checks, which name its row and column.
    if data[:4096].count(0) * 8 > len(data[:4096]):
        raise CSVDecodeError(
            "The file holds NUL bytes: it is UTF-16 without a byte order mark or not a text "
            "file. Save it as CSV UTF-8."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise CSVDecodeError(
            "The file is neither UTF-8 nor Windows-1252 text; save it as CSV UTF-8."
        ) from exc


def _delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    counts = {delimiter: header.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_dataset(data: bytes | str) -> tablib.Dataset:
    """Parse CSV bytes into a dataset with trimmed headers and un-escaped cells."""
    text = decode(data) if isinstance(data, bytes) else data.lstrip("\ufeff")
    if not text.strip():
        raise CSVDecodeError("The file is empty.")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    rows: list[list[str]] = []
    try:
        rows.extend(reader)
    except csv.Error as exc:
        # Row 0 is the header; the row being read when it failed is the next one.
        where = f"Row {len(rows)}" if rows else "The header row"
        if "field larger than field limit" in str(exc):
            raise CSVDecodeError(
                f"{where}: a cell is longer than {csv.field_size_limit():,} characters."
            ) from exc
        raise CSVDecodeError(
            f'{where} is not valid CSV: {exc}. Check that every quote (") is closed.'
        ) from exc
    headers = [h.strip() for h in rows[0]]
    seen: set[str] = set()
    for header in headers:
        if not header:
            raise CSVDecodeError("The header row has an empty column name.")
        if header in seen:
            raise CSVDecodeError(f"Column {header} appears twice in the header row.")
        seen.add(header)
    body = rows[1:]
    while body and not any(cell.strip() for cell in body[-1]):
        body.pop()
    if not body:
        raise CSVDecodeError("The file has a header row but no data rows.")
    dataset = tablib.Dataset(headers=headers)
    for number, row in enumerate(body, start=1):
        if len(row) != len(headers):
            raise CSVDecodeError(
                f"Row {number} has {len(row)} cells but the header has {len(headers)}."
            )
        dataset.append([unescape_cell(cell) for cell in row])
    return dataset


class Dialect(csv.excel):
    lineterminator = "\r\n"


class ExcelFiDialect(Dialect):
    delimiter = ";"


DIALECTS: dict[str, type[csv.Dialect]] = {"rfc4180": Dialect, "excel-fi": ExcelFiDialect}


class _Echo:
    def write(self, value: str) -> str:
        return value


def iter_csv(
    header: list[str], rows: Iterable[Iterable[Any]], *, dialect: str = "rfc4180"
) -> Iterator[str]:
    """Yield CSV text line by line (BOM first for excel-fi) with formula escaping."""
    writer = csv.writer(_Echo(), dialect=DIALECTS[dialect])
    if dialect == "excel-fi":
        yield "\ufeff"
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow(["" if v is None else escape_cell(v) for v in row])
