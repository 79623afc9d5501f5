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


def decode(data: bytes) -> str:
    """UTF-8 (BOM optional) first; Windows-1252 is what Finnish Excel writes otherwise."""
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
    return ";" if header.count(";") > header.count(",") else ","


def read_dataset(data: bytes | str) -> tablib.Dataset:
    """Parse CSV bytes into a dataset with trimmed headers and un-escaped cells."""
    text = decode(data) if isinstance(data, bytes) else data.lstrip("\ufeff")
    if not text.strip():
        raise CSVDecodeError("The file is empty.")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise CSVDecodeError(f"The file is not valid CSV: {exc}") from exc
    headers = [h.strip() for h in rows[0]]
    body = rows[1:]
    while body and not any(cell.strip() for cell in body[-1]):
        body.pop()
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
