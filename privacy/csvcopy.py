"""A register's CSV written by PostgreSQL itself, through `COPY (SELECT ...) TO STDOUT`.

The Python path (privacy.exports) reads values_list() rows and formats each cell in
Python; at a million rows that is 35 times slower than the database can write the same
file. Here every cell is formatted in the query instead, so that the output is the same
bytes the Python path writes for the same rows:

- text: formula escaping (a leading ' before =, +, -, @, tab, CR or '), and an empty
  string written as an empty field (COPY would quote it as "", the csv module does not);
- times: ISO 8601 to the second with the Helsinki offset, as timezone.localtime() gives;
- dates ISO, booleans 1/0, decimals and ids as text, JSON lists joined with "; ";
- NULL as an empty field; quoting as RFC 4180 (both quote a field holding the delimiter,
  a quote, CR or LF, and double the quotes inside it); CRLF line ends (COPY writes LF:
  each row PostgreSQL sends is exactly one line, so its LF is replaced here).

One difference is left: COPY quotes a field that is exactly the two characters \\. only when
the row has a single column (it would read as end-of-data); no register has one column.

psycopg2's copy_expert() blocks until the COPY is done, calling write() once a row, so a
streamed download runs it in a thread on the request's own database connection (the
request's thread waits on the queue meanwhile, so the connection is never used by two at
once) and hands the file on in ~64 kB chunks through a small queue: memory stays flat.
"""

import queue
import threading
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections, models
from django.db.models import Func
from django.db.models.constants import LOOKUP_SEP

from customers.csvio import FORMULA_TRIGGERS

# The Python path's chunk size (privacy.exports).
CHUNK_BYTES = 65536


class CsvText(Func):
    """One column as the CSV cell the Python path writes for it (see `cell_kind`)."""

    output_field = models.TextField()

    # %(expressions)s may appear more than once: the expressions are plain column
    # references, which compile without parameters.
    TEMPLATES = {
        "int": "(%(expressions)s)::text",
        "uuid": "(%(expressions)s)::text",
        "decimal": "(%(expressions)s)::text",
        "bool": "CASE WHEN %(expressions)s THEN '1' WHEN NOT %(expressions)s THEN '0' END",
        "date": "to_char(%(expressions)s, 'YYYY-MM-DD')",
        # The session's TimeZone is the Helsinki one while the COPY runs (copy_chunks).
        "datetime": "to_char(%(expressions)s, 'YYYY-MM-DD\"T\"HH24:MI:SSTZH:TZM')",
        "ip": "host(%(expressions)s)",
        "list": "array_to_string(ARRAY(SELECT jsonb_array_elements_text(%(expressions)s)), '; ')",
        "text": "(%(expressions)s)",
    }
    # The kinds whose Python value is a str, which csvio.iter_csv escapes.
    ESCAPED = {"text", "decimal", "ip", "list"}

    def __init__(self, expression: Any, *, kind: str) -> None:
        template = self.TEMPLATES[kind]
        if kind in self.ESCAPED:
            template = escaped(template)
        super().__init__(expression, template=template)


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def escaped(value_sql: str) -> str:
    """`value_sql` with csvio.escape_cell's formula escaping, and '' as NULL. The first
    character is compared by its code (ascii() gives the code point, 0 for ''): comparing
    text goes through the collation, which costs a second a million rows per column."""
    codes = ", ".join(str(ord(c)) for c in FORMULA_TRIGGERS)
    return (
        f"CASE WHEN ascii({value_sql}) IN ({codes}) THEN '''' || {value_sql} "
        f"ELSE NULLIF({value_sql}, '') END"
    )


_INT_TYPES = {
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
    "IntegerField",
    "BigIntegerField",
    "SmallIntegerField",
    "PositiveIntegerField",
    "PositiveBigIntegerField",
    "PositiveSmallIntegerField",
    "ForeignKey",
    "OneToOneField",
}
_KINDS = {
    "BooleanField": "bool",
    "DateField": "date",
    "DateTimeField": "datetime",
    "DecimalField": "decimal",
    "UUIDField": "uuid",
    "GenericIPAddressField": "ip",
    "JSONField": "list",
    "CharField": "text",
    "TextField": "text",
    "EmailField": "text",
    "URLField": "text",
    "SlugField": "text",
}


def cell_kind(model: type[models.Model], path: str) -> str:
    """How the values_list() path `path` of `model` is written (privacy.exports.cell)."""
    field: Any = None
    current = model
    for part in path.split(LOOKUP_SEP):
        field = current._meta.get_field(part)
        if field.is_relation and field.related_model is not None:
            current = field.related_model
    internal = field.get_internal_type()
    if internal in _INT_TYPES:
        return "int"
    try:
        return _KINDS[internal]
    except KeyError:
        raise ImproperlyConfigured(
            f"{model._meta.label}.{path}: no CSV form for a {internal} in COPY exports."
        ) from None


def select_sql(queryset: models.QuerySet, model: type[models.Model], paths: list[str]) -> str:
    """The SELECT of `queryset` (its joins, filters and order) with one text column per
    path, formatted as the CSV cell; parameters inlined by the driver, for COPY."""
    columns = [CsvText(models.F(path), kind=cell_kind(model, path)) for path in paths]
    # Only expressions in the SELECT: they keep the order given here.
    query = queryset.values_list(*columns).query
    sql, params = query.get_compiler(using=queryset.db).as_sql()
    with connections[queryset.db].cursor() as cursor:
        inlined = cursor.mogrify(sql, params)
    return inlined.decode() if isinstance(inlined, bytes) else inlined


class _Sink:
    """copy_expert()'s file: write() is called once a row, with the row's bytes ending in
    LF. Rows go out in chunks of CHUNK_ROWS with CRLF line ends; per row only an append
    (at a million rows, anything more in write() shows in the export's time)."""

    CHUNK_ROWS = 256

    def __init__(self, out: "queue.Queue[Any]", cancelled: threading.Event) -> None:
        self.out = out
        self.cancelled = cancelled
        self.parts: list[bytes] = []

    def write(self, row: bytes) -> None:
        self.parts.append(row)
        if len(self.parts) >= self.CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        parts, self.parts = self.parts, []
        if not parts or self.cancelled.is_set():
            return  # nothing, or the reader has gone: let the COPY run out, keep nothing
        chunk = b"".join(parts)
        if chunk.count(b"\n") == len(parts):  # no line break inside a field
            chunk = chunk.replace(b"\n", b"\r\n")
        else:
            chunk = b"".join(part[:-1] + b"\r\n" for part in parts)
        _put(self.out, chunk, self.cancelled)


def _put(out: "queue.Queue[Any]", item: Any, cancelled: threading.Event) -> None:
    while not cancelled.is_set():
        try:
            out.put(item, timeout=0.1)
            return
        except queue.Full:
            continue


class _Done:
    def __init__(self, rows: int) -> None:
        self.rows = rows


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


class CopyStream:
    """The rows of `select` (from select_sql) as CSV bytes in chunks; `rows` holds the row
    count once iterated to the end. Must be iterated inside a transaction (the TimeZone
    is set for it alone)."""

    def __init__(self, select: str, *, delimiter: str = ",") -> None:
        self.statement = (
            f"COPY ({select}) TO STDOUT WITH (FORMAT csv, DELIMITER {_sql_literal(delimiter)})"
        )
        self.rows = 0

    def _produce(self, raw: Any, out: "queue.Queue[Any]", cancelled: threading.Event) -> None:
        try:
            with raw.cursor() as cursor:
                cursor.execute("SELECT current_setting('TimeZone')")
                (previous,) = cursor.fetchone()
                cursor.execute("SELECT set_config('TimeZone', %s, true)", [settings.TIME_ZONE])
                sink = _Sink(out, cancelled)
                cursor.copy_expert(self.statement, sink)
                rows = cursor.rowcount
                sink.flush()
                # (After a failure the transaction is rolled back, TimeZone with it.)
                cursor.execute("SELECT set_config('TimeZone', %s, true)", [previous])
                _put(out, _Done(rows), cancelled)
        except BaseException as exc:  # handed to the reader, which raises it
            _put(out, _Failed(exc), cancelled)

    def __iter__(self) -> Iterator[bytes]:
        connection.ensure_connection()
        chunks: queue.Queue[Any] = queue.Queue(maxsize=16)
        cancelled = threading.Event()
        producer = threading.Thread(
            target=self._produce, args=(connection.connection, chunks, cancelled), daemon=True
        )
        producer.start()
        try:
            while True:
                item = chunks.get()
                if isinstance(item, _Done):
                    self.rows = item.rows
                    return
                if isinstance(item, _Failed):
                    raise item.error
                yield item
        finally:
            # A reader that stops early (a download broken off) lets the COPY drain, so
            # the connection is free again before anything else uses it.
            cancelled.set()
            producer.join()
