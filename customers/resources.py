"""CSV columns of the register, shared by the admin's import-export buttons, the
`import_customers` command and the streaming `export_register` command."""

import copy
import dataclasses
import operator
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets
from import_export.formats.base_formats import CSV

from customers import csvio
from customers.models import Customer, DataSource


class IsoDateTimeWidget(widgets.Widget):
    """ISO 8601 with the Helsinki offset out (2026-11-27T14:05:00+02:00); ISO in."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> datetime | None:
        if value in (None, ""):
            return None
        if isinstance(value, datetime):
            parsed = value
        else:
            try:
                parsed = datetime.fromisoformat(str(value).strip())
            except ValueError:
                raise ValueError(
                    "Enter the time as ISO 8601, e.g. 2026-11-27T14:05:00+02:00."
                ) from None
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed)
        return parsed

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        if value is None:
            return ""
        return timezone.localtime(value).isoformat(timespec="seconds")


class UUIDWidget(widgets.Widget):
    """A UUID in and out; a real UUID (not its text) so unchanged rows compare equal."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> uuid.UUID | None:
        if value in (None, ""):
            return None
        if isinstance(value, uuid.UUID):
            return value
        try:
            return uuid.UUID(str(value).strip())
        except ValueError:
            raise ValueError(
                "Enter the public ID as exported (a UUID), or leave it empty."
            ) from None

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return "" if value is None else str(value)


class RegisterResource(resources.ModelResource):
    """Explicit columns and full model validation; formula escaping happens where CSV is
    written (`csvio.iter_csv`), for the admin and the streaming export alike."""

    def check_columns(self, headers: Iterable[str]) -> None:
        """Refuse a header naming a column this register does not have (a typo would
        otherwise drop that column's values without a word)."""
        known = {f.column_name for f in self.get_import_fields()} | {
            f.column_name for f in self.get_export_fields()
        }
        unknown = [h for h in headers if h not in known]
        if unknown:
            raise ValueError(
                f"Unknown column(s): {', '.join(unknown)}. Known columns: "
                f"{', '.join(sorted(known))}."
            )

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        self.check_columns(dataset.headers)
        # A file of new records has no id column; import-export refuses a file without
        # its import_id_fields, so add them empty (every row is then a new record).
        for id_field in self._meta.import_id_fields:
            column = self.fields[id_field].column_name
            if column not in dataset.headers:
                if len(dataset):
                    dataset.append_col([""] * len(dataset), header=column)
                else:
                    dataset.headers = [*dataset.headers, column]

    def keeps_stored(self, field: fields.Field, instance: Any, row: Mapping[str, Any]) -> bool:
        """Whether the row's cell leaves the field as it is although the column is there."""
        # Exports write times to the second; keep the stored time when the file holds the
        # same second, so an exported file re-imports as "unchanged" and loses nothing.
        if isinstance(field.widget, IsoDateTimeWidget) and not field.readonly:
            current = getattr(instance, field.attribute, None) if instance.pk else None
            if current is not None and field.column_name in row:
                try:
                    incoming = field.clean(row)
                except ValueError:
                    incoming = None
                if incoming is not None and incoming == current.replace(microsecond=0):
                    return True
        return False

    def import_field(
        self, field: fields.Field, instance: Any, row: dict, *a: Any, **kw: Any
    ) -> None:
        if not self.keeps_stored(field, instance, row):
            super().import_field(field, instance, row, *a, **kw)

    @classmethod
    def widget_from_django_field(cls, f: Any, default: Any = widgets.Widget) -> Any:
        if f.get_internal_type() == "DateTimeField":
            return IsoDateTimeWidget
        return super().widget_from_django_field(f, default)


class CustomerResource(RegisterResource):
    public_id = fields.Field(attribute="public_id", column_name="public_id", widget=UUIDWidget())
    created_at = fields.Field(
        attribute="created_at", column_name="created_at", readonly=True, widget=IsoDateTimeWidget()
    )
    updated_at = fields.Field(
        attribute="updated_at", column_name="updated_at", readonly=True, widget=IsoDateTimeWidget()
    )
    restricted = fields.Field(
        attribute="restricted",
        column_name="restricted",
        readonly=True,
        widget=widgets.BooleanWidget(),
    )

    class Meta:
        model = Customer
        fields = (
            "public_id",
            "kind",
            "name",
            "business_id",
            "email",
            "phone",
            "street_address",
            "postal_code",
            "city",
            "country",
            "language",
            "restricted",
            "notes",
            "source",
            "obtained_at",
            "created_at",
            "updated_at",
        )
        export_order = fields
        import_id_fields = ("public_id",)
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = False
        use_transactions = True
        chunk_size = 2000

    def get_instance(self, instance_loader: Any, row: dict) -> Customer | None:
        value = (row.get("public_id") or "").strip()
        if not value:
            return None
        try:
            return Customer.objects.get(public_id=value)
        except (Customer.DoesNotExist, ValidationError, ValueError):
            return None

    def keeps_stored(self, field: fields.Field, instance: Any, row: Mapping[str, Any]) -> bool:
        if field.attribute == "public_id" and not (row.get("public_id") or "").strip():
            return True  # a new customer keeps its generated public id
        return super().keeps_stored(field, instance, row)

    def before_import_row(self, row: dict, **kwargs: Any) -> None:
        # Rows without a source came from this import (DESIGN.md: every record names one).
        if not (row.get("source") or "").strip():
            row["source"] = DataSource.IMPORT
        for key in ("obtained_at", "language", "country"):
            if key in row and not (row.get(key) or "").strip():
                del row[key]


class RegisterCSV(CSV):
    """The admin's CSV format: reads bytes so the encoding and delimiter can be detected."""

    def create_dataset(self, in_stream: Any, **kwargs: Any) -> Any:
        return csvio.read_dataset(in_stream)

    def get_read_mode(self) -> str:
        return "rb"

    def is_binary(self) -> bool:
        return True

    def export_data(self, dataset: Any, **kwargs: Any) -> str:
        return "".join(csvio.iter_csv(list(dataset.headers), dataset))


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
