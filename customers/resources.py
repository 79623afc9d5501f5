"""CSV columns of the register, shared by the admin's import-export buttons, the
`import_customers` command and the streaming `export_register` command."""

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
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
