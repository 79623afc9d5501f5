"""Shared admin mixins: audited saves, deletes and change views; the source fieldset."""

from typing import Any

from django import forms
from django.db.models import QuerySet
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
