"""Shared admin mixins: audited saves, deletes and change views; the source fieldset; a
list filter that finds a column's values through its index."""

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.db import connections, models
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from customers import services
from privacy.audit import audit_event_record, audited_save
from privacy.http import client_ip
from privacy.models import AuditEvent


class AuditedAdminMixin:
    """Saves and deletes through the register services; opening a change page is audited."""

    def save_model(
        self, request: HttpRequest, obj: Any, form: forms.ModelForm, change: bool
    ) -> None:
        audited_save(
            instance=obj,
            changed_fields=form.changed_data,
            actor=request.user,
            client_ip=client_ip(request),
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.register_record_delete(
            instance=obj, actor=request.user, client_ip=client_ip(request)
        )

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for obj in queryset:
            self.delete_model(request, obj)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        # formset.save(commit=False) ties new inline rows to their (possibly just created)
        # parent and fills new_objects/changed_objects/deleted_objects, which the admin's
        # change message reads; each row is then saved and audited through the service.
        ip = client_ip(request)
        formset.save(commit=False)
        for inline_form in formset.saved_forms:
            audited_save(
                instance=inline_form.instance,
                changed_fields=inline_form.changed_data,
                actor=request.user,
                client_ip=ip,
            )
            inline_form.save_m2m()
        for obj in formset.deleted_objects:
            services.register_record_delete(instance=obj, actor=request.user, client_ip=ip)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            audit_event_record(
                action=AuditEvent.Action.VIEW,
                actor=request.user,
                object_type=self.model._meta.label_lower,
                object_id=object_id,
                client_ip=client_ip(request),
            )
        return response


class SourceFieldsMixin:
    source_fieldset = (_("Source"), {"fields": ("source", "obtained_at")})


def indexed_values(model: type[models.Model], field_name: str, *, using: str = "default") -> list:
    """The distinct non-empty values of a column, in order, found by probing its index once
    per value (a loose index scan): a SELECT DISTINCT would read every row of the table
    on each page load. The column needs an index that starts with it."""
    connection = connections[using]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    column = quote(model._meta.get_field(field_name).column)
    # Recursive on both PostgreSQL and SQLite: each step asks the index for the next value.
    # The names are the model's own, quoted; the one value is a parameter.
    after = f"SELECT {column} FROM {table} WHERE {column} >"  # noqa: S608
    first = f"{after} %s ORDER BY {column} LIMIT 1"
    step = f"{after} found.value ORDER BY {column} LIMIT 1"
    sql = (
        f"WITH RECURSIVE found(value) AS (SELECT ({first})"  # noqa: S608
        f" UNION ALL SELECT ({step}) FROM found WHERE found.value IS NOT NULL)"
        " SELECT value FROM found WHERE value IS NOT NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [""])
        return [value for (value,) in cursor.fetchall()]


class IndexedValuesFilter(admin.SimpleListFilter):
    """A filter by each value the column holds (`field_name`, indexed), plus "Not recorded"
    for the empty value: Django's own filter would list them with a SELECT DISTINCT over
    the whole table, and show the empty value as a link with no text."""

    field_name: str

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        values = indexed_values(model_admin.model, self.field_name)
        return [*((value, value) for value in values), ("-", _("Not recorded"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value == "-":
            return queryset.filter(**{self.field_name: ""})
        if value:
            return queryset.filter(**{self.field_name: value})
        return queryset


# -- Inlines that cost the same whatever the number of rows --------------------------------


class PreloadedAutocompleteSelect(AutocompleteSelect):
    """An autocomplete that labels the value its row already holds from the object loaded
    with the row: Django's own looks that object up again, one query per inline row."""

    preloaded: models.Model | None = None

    def optgroups(self, name: str, value: list[str], attr: dict | None = None) -> list:
        obj = self.preloaded
        selected = {str(v) for v in value if str(v) not in self.choices.field.empty_values}
        if obj is None or selected != {str(obj.pk)}:
            return super().optgroups(name, value, attr)  # a new choice: look it up
        options = []
        if not self.is_required:
            options.append(self.create_option(name, "", "", False, 0))
        label = self.choices.field.label_from_instance(obj)
        options.append(self.create_option(name, obj.pk, label, selected, len(options)))
        return [(None, options, 0)]


class PreloadedInlineFormSet(BaseInlineFormSet):
    """Hands each saved row's related objects (select_related by the inline) to its
    autocomplete widgets."""

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        if form.instance.pk is None:
            return
        for name, field in form.fields.items():
            widget = getattr(field.widget, "widget", field.widget)  # the admin's wrapper
            if isinstance(widget, PreloadedAutocompleteSelect):
                widget.preloaded = getattr(form.instance, name)


class FlatInlineMixin:
    """An inline whose page costs the same number of queries for 2 rows or 200: its rows
    come with the related objects they show (`related`, the parent too: each row's title
    names it, and the formset sets only its id), its autocompletes label them
    without a query (PreloadedAutocompleteSelect), and a plain select's choices are read
    once for all rows instead of once per row."""

    formset = PreloadedInlineFormSet
    related: tuple[str, ...] = ()

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related(*self.related)  # type: ignore[misc]

    def formfield_for_foreignkey(
        self, db_field: models.ForeignKey, request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        autocomplete = db_field.name in self.get_autocomplete_fields(request)  # type: ignore[attr-defined]
        if autocomplete and "widget" not in kwargs:
            kwargs["widget"] = PreloadedAutocompleteSelect(
                db_field,
                self.admin_site,  # type: ignore[attr-defined]
                using=kwargs.get("using"),
            )
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]
        if isinstance(field, forms.ModelChoiceField) and not autocomplete:
            # Each row's form is a copy of this field: fixed choices are copied, while a
            # queryset would be run again for every row.
            field.choices = list(field.choices)
        return field
