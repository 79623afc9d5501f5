"""The import engine behind `customers_import` (customers.services): each batch of rows
validated with the model's own validators but without a query a row, and written in bulk.

Django's full_clean() asks the database once per unique field and check constraint of
every row; here the unique checks take one query a batch, and the check constraints are
compiled to Python from their Q (with SQL's three-valued logic), so a batch of 2,000 rows
costs a few queries. New rows go in by COPY on PostgreSQL, changed columns by one
UPDATE ... FROM VALUES a batch.
"""

import copy
import csv
import dataclasses
import io
import itertools
import operator
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connection, models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from import_export import widgets

from customers.models import Customer
from customers.resources import CustomerResource, UUIDWidget

# -- The rules of a model, checked a batch at a time -------------------------------------------
#
# `full_clean()` asks the database once per unique field and once per constraint, for every
# instance (seven queries and savepoints for a customer). An import checks the same rules
# with one query per unique rule and batch: check constraints are evaluated in Python with
# SQL's three-valued logic, unique rules look up the whole batch's values at once and
# remember the values the file itself has given, so two rows of one file cannot share one.

_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "exact": operator.eq,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}
_PLAIN = (str, int, float, bool, type(None))


# A compiled condition: its verdict on an instance whose `exclude` fields failed
# validation (True, False, or None for SQL's "unknown").
Condition = Callable[[models.Model, set[str]], bool | None]


class _Excluded(Exception):
    """The condition names a field that failed validation: Django skips the rule then."""


def _reader(model: type[models.Model], ref: str) -> Callable[[models.Model, set[str]], Any]:
    """How a condition reads a column: by field name or attname, or "pk"."""
    if ref == "pk":
        name, attname = "pk", "pk"
    else:
        field_ = next(f for f in model._meta.local_concrete_fields if ref in (f.name, f.attname))
        name, attname = field_.name, field_.attname

    def read(instance: models.Model, exclude: set[str]) -> Any:
        if name in exclude:
            raise _Excluded
        return getattr(instance, attname)

    return read


def _compile_lookup(model: type[models.Model], lookup: str, expected: Any) -> Condition | None:
    ref, _sep, op = lookup.partition("__")
    op = op or "exact"
    refs = {"pk"} | {n for f in model._meta.local_concrete_fields for n in (f.name, f.attname)}
    if ref not in refs or op not in {*_COMPARISONS, "in", "isnull"}:
        return None  # a relation, a transform or another lookup
    read = _reader(model, ref)
    if isinstance(expected, F):
        if expected.name not in refs:
            return None
        other = _reader(model, expected.name)
    elif op == "in":
        if not all(isinstance(item, _PLAIN) for item in expected):
            return None
        expected = [item for item in expected if item is not None]  # as Django drops them
    elif not isinstance(expected, _PLAIN):
        return None

    def holds(instance: models.Model, exclude: set[str]) -> bool | None:
        value = read(instance, exclude)
        target = other(instance, exclude) if isinstance(expected, F) else expected
        if op == "isnull":
            return (value is None) is bool(target)
        if target is None and op == "exact":
            return value is None  # Django writes `= None` as IS NULL
        if value is None or target is None:
            return None
        if op == "in":
            return value in target
        return _COMPARISONS[op](value, target)

    return holds


def compile_condition(model: type[models.Model], condition: Q) -> Condition | None:
    """A constraint's condition as a Python function deciding it as SQL does, where the
    condition compares the model's own columns with constants or with each other,
    joined by AND, OR and NOT; None for any other condition."""
    if condition.connector not in (Q.AND, Q.OR):
        return None
    parts = []
    for child in condition.children:
        part = (
            compile_condition(model, child)
            if isinstance(child, Q)
            else _compile_lookup(model, *child)
        )
        if part is None:
            return None
        parts.append(part)
    conjunction = condition.connector == Q.AND

    def holds(instance: models.Model, exclude: set[str]) -> bool | None:
        results = [part(instance, exclude) for part in parts]
        if conjunction:
            result = False if False in results else None if None in results else True
        else:
            result = True if True in results else None if None in results else False
        if condition.negated and result is not None:
            return not result
        return result

    return holds


@dataclasses.dataclass(eq=False)
class _UniqueRule:
    """One column whose value no two rows may share: a unique field, or a single-field
    UniqueConstraint with its condition. `constraint` is None for a unique field."""

    field: models.Field
    condition: Condition | None = None
    constraint: models.UniqueConstraint | None = None

    def generated(self, row: "ImportRow") -> bool:
        """A new row's value that the field's callable default made (a uuid4 public ID)
        and not the file: unique by construction, so not looked up (the unique index
        still guards it)."""
        return (
            self.constraint is None
            and row.is_new
            and self.field.name not in row.given
            and callable(self.field.default)
        )

    def error(self, instance: models.Model) -> ValidationError:
        if self.constraint is None:
            return instance.unique_error_message(type(instance), (self.field.name,))
        return ValidationError(
            self.constraint.get_violation_error_message(),
            code=self.constraint.violation_error_code,
        )


@dataclasses.dataclass
class ImportRow:
    """One data row on its way in: the instance it becomes and what is wrong with it."""

    number: int
    values: dict[str, Any]
    instance: models.Model
    is_new: bool
    # The stored values of an existing record, by attname, before the row changed them.
    original: dict[str, Any] = dataclasses.field(default_factory=dict)
    # The unique fields whose column the row fills (an empty cell gives no value).
    given: set[str] = dataclasses.field(default_factory=set)
    errors: dict[str, list[ValidationError]] = dataclasses.field(default_factory=dict)
    failure: str = ""
    skipped: bool = False
    # It frees a unique value that a later row of its batch takes: written before the rest.
    write_first: bool = False

    @property
    def ok(self) -> bool:
        return not (self.errors or self.failure)

    @property
    def to_create(self) -> bool:
        return self.ok and self.is_new

    @property
    def to_update(self) -> bool:
        return self.ok and not self.is_new and not self.skipped

    def changed_fields(self) -> list[str]:
        """The attnames of an existing record whose stored value the row changes."""
        return [
            name for name, before in self.original.items() if getattr(self.instance, name) != before
        ]

    def add_error(self, name: str, error: ValidationError) -> None:
        self.errors.setdefault(name, []).append(error)

    def exclude(self) -> set[str]:
        """Fields that failed validation: the unique and constraint checks skip them,
        as `full_clean()` does."""
        return {name for name in self.errors if name != NON_FIELD_ERRORS}


class BatchRules:
    """A model's unique fields and `Meta.constraints`, checked for a batch of instances in
    the order and with the messages of `full_clean()`, with one query per unique rule
    and batch. A constraint this cannot evaluate in Python is checked by Django, per
    instance, so no rule is ever skipped (`slow_constraints` names them)."""

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        self.unique_fields = [
            _UniqueRule(f)
            for f in model._meta.local_concrete_fields
            if f.unique and not f.primary_key
        ]
        # Meta order; each entry is a compiled check, a unique rule, or a constraint left
        # to Django.
        self.constraints: list[Condition | _UniqueRule | models.BaseConstraint] = []
        for constraint in model._meta.constraints:
            entry: Condition | _UniqueRule | models.BaseConstraint | None = None
            if isinstance(constraint, models.CheckConstraint):
                entry = compile_condition(model, Q(constraint.condition))
            elif (
                isinstance(constraint, models.UniqueConstraint)
                and len(constraint.fields) == 1
                and not constraint.expressions
                and constraint.nulls_distinct is not False
            ):
                condition = constraint.condition
                compiled = compile_condition(model, condition) if condition is not None else None
                if condition is None or compiled is not None:
                    field_ = model._meta.get_field(constraint.fields[0])
                    entry = _UniqueRule(field_, compiled, constraint)
            self.constraints.append(constraint if entry is None else entry)
        self.unique_rules = self.unique_fields + [
            e for e in self.constraints if isinstance(e, _UniqueRule)
        ]
        self._entries = list(zip(model._meta.constraints, self.constraints, strict=True))
        # Per unique rule, the values rows of this file have taken, and the row that did.
        self._seen: dict[_UniqueRule, dict[Any, int]] = {rule: {} for rule in self.unique_rules}

    @property
    def slow_constraints(self) -> list[str]:
        return [c.name for c in self.constraints if isinstance(c, models.BaseConstraint)]

    def check(self, rows: Sequence[ImportRow]) -> None:
        """Add to each row the unique and constraint errors `full_clean()` would give,
        in file order: a value an earlier row of the file took is an error naming it.
        An unchanged row is checked too, so that it cannot hide a second row naming the
        same customer."""
        holders = self._holders([row for row in rows if row.ok])
        updated: dict[Any, ImportRow] = {}  # this batch's valid updates so far, by pk
        for row in rows:
            if row.failure:
                continue
            self._check_unique(row, self.unique_fields, row.exclude(), holders, updated)
            # Django excludes the fields that failed so far, unique checks included.
            self._check_constraints(row, row.exclude(), holders, updated)
            if row.ok and not row.is_new and not row.skipped:
                updated[row.instance.pk] = row

    def _holders(self, rows: Sequence[ImportRow]) -> dict[_UniqueRule, dict[Any, Any]]:
        """Per unique rule, which stored record holds each value the batch brings."""
        holders: dict[_UniqueRule, dict[Any, Any]] = {}
        for rule in self.unique_rules:
            wanted = {
                value
                for row in rows
                if rule.field.name not in row.errors
                and not rule.generated(row)
                and (value := getattr(row.instance, rule.field.attname)) is not None
            }
            query = self.model._default_manager.filter(**{f"{rule.field.name}__in": wanted})
            if rule.constraint is not None and rule.constraint.condition is not None:
                query = query.filter(rule.constraint.condition)
            holders[rule] = dict(query.values_list(rule.field.attname, "pk")) if wanted else {}
        return holders

    def _check_unique(
        self,
        row: ImportRow,
        rules: Iterable[_UniqueRule],
        exclude: set[str],
        holders: Mapping[_UniqueRule, Mapping[Any, Any]],
        updated: Mapping[Any, ImportRow],
    ) -> None:
        for rule in rules:
            name, attname = rule.field.name, rule.field.attname
            value = getattr(row.instance, attname)
            if name in exclude or value is None or rule.generated(row):
                continue
            if rule.condition is not None:
                try:
                    if rule.condition(row.instance, exclude) is not True:
                        continue
                except _Excluded:
                    continue
            seen = self._seen[rule]
            earlier = seen.get(value)
            if earlier is not None and earlier != row.number:
                row.add_error(
                    name,
                    ValidationError(
                        _("Row %(row)d of the file has the same %(field)s."),
                        code="unique_in_file",
                        params={"row": earlier, "field": rule.field.verbose_name},
                    ),
                )
                continue
            holder = holders[rule].get(value)
            if holder is not None and holder != row.instance.pk:
                freeing = updated.get(holder)
                if freeing is None or getattr(freeing.instance, attname) == value:
                    row.add_error(name, rule.error(row.instance))
                    continue
                freeing.write_first = True
            if row.ok and name in row.given:
                seen[value] = row.number

    def _check_constraints(
        self,
        row: ImportRow,
        exclude: set[str],
        holders: Mapping[_UniqueRule, Mapping[Any, Any]],
        updated: Mapping[Any, ImportRow],
    ) -> None:
        for constraint, entry in self._entries:
            if isinstance(entry, _UniqueRule):
                self._check_unique(row, [entry], exclude, holders, updated)
                continue
            try:
                if not isinstance(entry, models.BaseConstraint):
                    if entry(row.instance, exclude) is False:
                        raise ValidationError(
                            constraint.get_violation_error_message(),
                            code=constraint.violation_error_code,
                        )
                else:
                    entry.validate(self.model, row.instance, exclude=exclude)
            except _Excluded:
                continue
            except ValidationError as exc:
                fields_ = getattr(constraint, "fields", ())
                if getattr(exc, "code", None) == "unique" and len(fields_) == 1:
                    row.add_error(fields_[0], exc)
                else:
                    row.errors = exc.update_error_dict(row.errors)


# -- Customer import ----------------------------------------------------------------------------


class CustomerImport:
    """Turns CSV rows into validated customers a batch at a time, as
    `CustomerResource.import_data` does (the same columns, widgets, `full_clean()` and
    messages), with a constant number of queries per batch instead of 22 per row."""

    def __init__(self, headers: Sequence[str]) -> None:
        self.resource = CustomerResource()
        self.headers = list(headers)
        self.rules = BatchRules(Customer)
        fields_ = self.resource.get_import_fields()
        self._attributes = [f.attribute for f in fields_ if f.attribute]
        # What `import_instance` sets from a row, where the row has the column.
        self._writable = [
            f
            for f in fields_
            if f.attribute and not f.readonly and not isinstance(f.widget, widgets.ManyToManyWidget)
        ]
        self.columns = {f.attribute: f.column_name for f in self.resource.fields.values()}
        # The file's columns of unique fields: a value given there is one no later row
        # of the file may repeat.
        self._unique_columns = [
            (rule.field.name, self.columns[rule.field.name])
            for rule in self.rules.unique_rules
            if self.columns.get(rule.field.name) in self.headers
        ]
        # A relation the file cannot set still holds what the database holds; checking
        # that it exists would be a query per row for nothing.
        self._not_cleaned = {
            f.name
            for f in Customer._meta.concrete_fields
            if f.is_relation and f.name not in self._attributes
        }

    def column_error(self) -> str:
        """The file-level problem with the header, or ''."""
        try:
            self.resource.check_columns(self.headers)
        except ValueError as exc:
            return str(exc)
        return ""

    def validate(self, batch: Sequence[tuple[int, Sequence[Any]]]) -> list[ImportRow]:
        """The rows of one batch, in file order, each with its instance and errors."""
        cells = [(number, dict(zip(self.headers, row, strict=True))) for number, row in batch]
        public_ids = []
        for _number, values in cells:
            self.resource.before_import_row(values)
            public_ids.append(self._public_id(values))
        existing = self._existing(public_ids)
        rows = [
            self._prepare(number, values, existing.get(public_id, []) if public_id else [])
            for (number, values), public_id in zip(cells, public_ids, strict=True)
        ]
        self.rules.check(rows)
        return rows

    def missing_id_columns(self) -> list[str]:
        """The id columns the file lacks: every import names them, as new records get
        a public ID of their own."""
        columns = [
            self.resource.fields[name].column_name for name in self.resource._meta.import_id_fields
        ]
        return [column for column in columns if column not in self.headers]

    def error_lines(self, row: ImportRow) -> list[str]:
        """Each problem of a row on its own line, naming the row and the column."""
        if row.failure:
            return [f"Row {row.number}: {row.failure}"]
        lines = []
        for name, messages in ValidationError(row.errors).message_dict.items():
            column = "-" if name == NON_FIELD_ERRORS else self.columns.get(name, name)
            lines += [f"Row {row.number}, column {column}: {message}" for message in messages]
        return lines

    @staticmethod
    def _public_id(values: Mapping[str, Any]) -> uuid.UUID | None:
        try:
            return UUIDWidget().clean(values.get("public_id"))
        except ValueError:
            return None  # the row's public_id column reports it

    @staticmethod
    def _existing(public_ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, list[Customer]]:
        """The stored customers the rows name by public ID: one query for the batch, and
        an instance of its own for each row (a file may name one customer twice)."""
        wanted = Counter(p for p in public_ids if p is not None)
        found: dict[uuid.UUID, list[Customer]] = {}
        for customer in Customer.objects.filter(public_id__in=wanted):
            copies = [copy.deepcopy(customer) for _ in range(wanted[customer.public_id] - 1)]
            found[customer.public_id] = [customer, *copies]
        return found

    def _prepare(self, number: int, values: dict[str, Any], stored: list[Customer]) -> ImportRow:
        instance = stored.pop() if stored else Customer()
        row = ImportRow(number, values, instance, is_new=instance._state.adding)
        if not row.is_new:
            row.original = {
                f.attname: getattr(instance, f.attname) for f in Customer._meta.concrete_fields
            }
        row.given = {
            name for name, column in self._unique_columns if str(values.get(column) or "").strip()
        }
        try:
            self._clean(row)
        except Exception as exc:  # reported on its row, as import-export does
            row.failure = str(exc)
        return row

    def _clean(self, row: ImportRow) -> None:
        # Resource.import_instance and import_field, without their calls per field.
        for field_ in self._writable:
            if field_.column_name not in row.values or self.resource.keeps_stored(
                field_, row.instance, row.values
            ):
                continue
            try:
                field_.save(row.instance, row.values)
            except ValueError as exc:
                row.errors[field_.attribute] = [ValidationError(str(exc), code="invalid")]
        if not row.is_new and row.ok and self._unchanged(row):
            row.skipped = True  # skip_unchanged: not validated, not written
            return
        try:
            row.instance.full_clean(
                exclude=row.exclude() | self._not_cleaned,
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as exc:
            row.errors = exc.update_error_dict(row.errors)

    def _unchanged(self, row: ImportRow) -> bool:
        return all(
            getattr(row.instance, name, None) == row.original.get(name) for name in self._attributes
        )


# Django's bulk_update (SQLite's way) writes one CASE per column over every row of its
# statement, so its cost grows with the square of the rows in one statement.
IMPORT_UPDATE_BATCH_SIZE = 200


def _customers_update(rows: list[ImportRow], *, now: datetime) -> None:
    """Write the changed columns of existing customers, and their updated_at (which
    neither way of writing them sets on its own, unlike save())."""
    if not rows:
        return
    names = sorted({name for row in rows for name in row.changed_fields()} | {"updated_at"})
    instances = [row.instance for row in rows]
    for instance in instances:
        instance.updated_at = now
    if connection.vendor != "postgresql":
        Customer.objects.bulk_update(instances, names, batch_size=IMPORT_UPDATE_BATCH_SIZE)
        return
    # Django's bulk_update builds a CASE over every row for every column, whose cost
    # grows with the square of the rows; a join with a VALUES list grows with them.
    opts = Customer._meta
    columns = [opts.pk, *(opts.get_field(name) for name in names)]
    quote = connection.ops.quote_name
    # Text stays text (an explicit cast to varchar(n) would cut a long value instead of
    # refusing it); the other columns need their type named.
    casts = [
        "" if isinstance(f, models.CharField | models.TextField) else f"::{f.db_type(connection)}"
        for f in columns
    ]
    values_row = "(" + ", ".join(f"%s{cast}" for cast in casts) + ")"
    assignments = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in columns[1:])
    table, pk = quote(opts.db_table), quote(opts.pk.column)
    names_sql = ", ".join(quote(f.column) for f in columns)
    with connection.cursor() as cursor:
        # PostgreSQL takes at most 65,535 parameters a statement.
        for chunk in itertools.batched(instances, 60_000 // len(columns)):
            # Quoted identifiers of the model; every value is a parameter.
            sql = f"UPDATE {table} SET {assignments} FROM (VALUES "  # noqa: S608
            sql += f"{', '.join([values_row] * len(chunk))}) AS v({names_sql}) "
            sql += f"WHERE {table}.{pk} = v.{pk}"
            cursor.execute(
                sql,
                [
                    f.get_db_prep_save(getattr(obj, f.attname), connection)
                    for obj in chunk
                    for f in columns
                ],
            )


def _copy_value(field_: models.Field, value: object) -> str | None:
    """A value as COPY's CSV reads it: what Django would bind for it, in text."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.isoformat()  # as Django binds it; its offset keeps the instant
    if not isinstance(value, int | uuid.UUID):
        value = field_.get_db_prep_save(value, connection)  # a naive datetime, a date
    return value.isoformat() if isinstance(value, date) else str(value)


def _customers_insert(instances: list[Customer]) -> None:
    """Insert new customers, each getting its primary key (the admin's log and the
    suppression list need it). PostgreSQL takes them through COPY, several times faster
    than a multi-row INSERT on both sides of the connection; other databases through
    bulk_create."""
    if connection.vendor != "postgresql" or not instances:
        Customer.objects.bulk_create(instances)
        return
    opts = Customer._meta
    fields_ = [f for f in opts.concrete_fields if not f.generated]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [opts.db_table, opts.pk.column, len(instances)],
        )
        for instance, (pk,) in zip(instances, cursor.fetchall(), strict=True):
            instance.pk = pk
        buffer = io.StringIO()
        # Every value quoted but NULL, so that NULL and '' stay apart and no value can
        # read as COPY's end-of-data line.
        writer = csv.writer(buffer, quoting=csv.QUOTE_NOTNULL)
        for instance in instances:
            writer.writerow([_copy_value(f, f.pre_save(instance, True)) for f in fields_])
            instance._state.adding, instance._state.db = False, connection.alias
        buffer.seek(0)
        columns = ", ".join(quote(f.column) for f in fields_)
        with connection.wrap_database_errors:  # IntegrityError as Django's, like execute()
            cursor.copy_expert(
                f"COPY {quote(opts.db_table)} ({columns}) FROM STDIN WITH (FORMAT csv)", buffer
            )


def import_batch_write(rows: list[ImportRow]) -> list[ImportRow]:
    """Write a batch's valid rows: first, one by one in file order, the updates that free
    a business ID (or other unique value) a later row takes; then the other updates; then
    the new customers. Returns the rows written."""
    now = timezone.now()
    first = [row for row in rows if row.to_update and row.write_first]
    for row in first:
        _customers_update([row], now=now)
    _customers_update([row for row in rows if row.to_update and not row.write_first], now=now)
    _customers_insert([row.instance for row in rows if row.to_create])
    return [row for row in rows if row.to_update or row.to_create]
