from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from customers.admin import AuditedAdminMixin
from privacy.models import AuditEvent, Recipient


@admin.register(Recipient)
class RecipientAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "kind", "country", "contact")
    list_filter = ("kind", "country")
    search_fields = ("name", "contact")


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only for everyone: the log is append-only and verified by its hash chain."""

    list_display = (
        "id",
        "created_at",
        "actor_id",
        "action",
        "object_type",
        "object_id",
        "row_count",
        "field_names",
    )
    list_filter = ("action", "object_type")
    search_fields = ("=object_id", "=actor_id")
    date_hierarchy = "created_at"
    list_per_page = 100
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    @admin.display(description=_("changed fields"))
    def field_names(self, obj: AuditEvent) -> str:
        return ", ".join(obj.changed_fields or [])

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
