"""CSV at the register's edges (DESIGN.md, "CSV contract").

Reading accepts UTF-8 (with or without BOM, comma or semicolon) and Windows-1252
semicolon files as Finnish Excel saves them. Writing escapes every cell that a
spreadsheet would run as a formula.
"""

import codecs
import csv
import io
import itertools
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO

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
# How much text the encoding check decodes at a time: memory stays flat whatever the size.
_CHUNK = 1024 * 1024


def _refuse_by_look(head: bytes, size: int) -> None:
    """Refuse what is not a CSV text file from its size and first bytes alone."""
    if size > MAX_BYTES:
        raise CSVDecodeError(
            f"The file is {size / 2**20:.1f} MB; the largest accepted is "
            f"{MAX_BYTES // 2**20} MB. Split it into smaller files."
        )
    if head.startswith(b"PK\x03\x04"):
        raise CSVDecodeError(
            "The file is an Excel workbook (.xlsx) or another zip file, not CSV: in Excel, "
            "save it as CSV UTF-8 (comma delimited)."
        )


def _decodes(stream: BinaryIO, encoding: str) -> tuple[bool, bool]:
    """Whether the whole stream decodes as `encoding`, and whether it holds any text but
    whitespace; read in chunks so that checking costs no memory."""
    stream.seek(0)
    decoder = codecs.getincrementaldecoder(encoding)()
    blank = True
    try:
        while chunk := stream.read(_CHUNK):
            text = decoder.decode(chunk)
            blank = blank and not text.strip()
        blank = blank and not decoder.decode(b"", final=True).strip()
    except UnicodeDecodeError:
        return False, blank
    finally:
        stream.seek(0)
    return True, blank


def detect_encoding(stream: BinaryIO) -> str:
    """UTF-8 (BOM optional) first; UTF-16 with its byte order mark (Excel's "Unicode
    text"); Windows-1252 is what Finnish Excel writes otherwise. Anything else is named
    for what it is, so the person knows how to save it instead. The whole file is checked
    before a row is read, so a bad byte near the end cannot stop an import half-way."""
    size = stream.seek(0, io.SEEK_END)
    stream.seek(0)
    head = stream.read(4096)
    stream.seek(0)
    _refuse_by_look(head, size)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        ok, blank = _decodes(stream, "utf-16")
        if not ok:
            raise CSVDecodeError("The file says it is UTF-16 but is not valid UTF-16.")
        if blank:
            raise CSVDecodeError("The file is empty.")
        return "utf-16"
    # Text with every other byte NUL is UTF-16; a stray NUL in a cell is left for the row
    # checks, which name its row and column.
    if head.count(0) * 8 > len(head):
        raise CSVDecodeError(
            "The file holds NUL bytes: it is UTF-16 without a byte order mark or not a text "
            "file. Save it as CSV UTF-8."
        )
    for encoding in ("utf-8-sig", "cp1252"):
        ok, blank = _decodes(stream, encoding)
        if ok:
            if blank:
                raise CSVDecodeError("The file is empty.")
            return encoding
    raise CSVDecodeError("The file is neither UTF-8 nor Windows-1252 text; save it as CSV UTF-8.")


def decode(data: bytes) -> str:
    """The text of CSV bytes, by the rules of `detect_encoding`."""
    return data.decode(detect_encoding(io.BytesIO(data)))


def _delimiter(header: str) -> str:
    counts = {delimiter: header.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _is_blank(row: list[str]) -> bool:
    return not any(cell.strip() for cell in row)


class CSVRows:
    """The data rows of a CSV file, read one at a time as they are used (lists of
    un-escaped cells; the first row after the header is row 1).

    Opening reads the header and checks the encoding of the whole file; a structural
    problem further down (a ragged row, an unclosed quote) raises `CSVDecodeError` naming
    its row when the iteration reaches it, so a caller that writes must do so in a
    transaction. Blank rows at the end are ignored, as spreadsheets leave them."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        # The delimiter is the most common one on the first line ending in a line feed.
        start: list[str] = []
        for line in lines:
            start.append(line)
            if "\n" in line:
                break
        text = "".join(start)
        self._reader = csv.reader(
            itertools.chain(start, lines),
            delimiter=_delimiter(text.split("\n", 1)[0]),
            strict=True,
        )
        self._rows_read = 0
        header = self._next()
        if header is None:
            raise CSVDecodeError("The file is empty.")
        self.headers = [h.strip() for h in header]
        seen: set[str] = set()
        for name in self.headers:
            if not name:
                raise CSVDecodeError("The header row has an empty column name.")
            if name in seen:
                raise CSVDecodeError(f"Column {name} appears twice in the header row.")
            seen.add(name)

    @classmethod
    def from_stream(cls, stream: BinaryIO) -> "CSVRows":
        """Rows of a seekable binary file, in the encoding `detect_encoding` finds."""
        text = io.TextIOWrapper(stream, encoding=detect_encoding(stream), newline="")
        return cls(iter(text))

    @classmethod
    def from_data(cls, data: bytes | str) -> "CSVRows":
        if isinstance(data, bytes):
            return cls.from_stream(io.BytesIO(data))
        text = data.lstrip("\ufeff")
        if not text.strip():
            raise CSVDecodeError("The file is empty.")
        return cls(iter(io.StringIO(text, newline="")))

    def _next(self) -> list[str] | None:
        """The next row of the file as the csv module reads it; None at the end."""
        try:
            row = next(self._reader, None)
        except csv.Error as exc:
            # Row 0 is the header; the row being read when it failed is the next one.
            where = f"Row {self._rows_read}" if self._rows_read else "The header row"
            if "field larger than field limit" in str(exc):
                raise CSVDecodeError(
                    f"{where}: a cell is longer than {csv.field_size_limit():,} characters."
                ) from exc
            raise CSVDecodeError(
                f'{where} is not valid CSV: {exc}. Check that every quote (") is closed.'
            ) from exc
        if row is not None:
            self._rows_read += 1
        return row

    def __iter__(self) -> Iterator[list[str]]:
        width = len(self.headers)
        number = 0
        blank_run: list[list[str]] = []  # held back until a row with content follows
        while (row := self._next()) is not None:
            if _is_blank(row):
                blank_run.append(row)
                continue
            for pending in [*blank_run, row]:
                number += 1
                if len(pending) != width:
                    raise CSVDecodeError(
                        f"Row {number} has {len(pending)} cells but the header has {width}."
                    )
                yield [unescape_cell(cell) for cell in pending]
            blank_run = []
        if not number:
            raise CSVDecodeError("The file has a header row but no data rows.")


def read_dataset(data: bytes | str) -> tablib.Dataset:
    """Parse CSV bytes into a dataset with trimmed headers and un-escaped cells (the
    admin's import; `import_customers` streams through `CSVRows` instead)."""
    rows = CSVRows.from_data(data)
    dataset = tablib.Dataset(headers=rows.headers)
    for row in rows:
        dataset.append(row)
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
