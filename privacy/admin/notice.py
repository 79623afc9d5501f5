"""Admin of recipients, the audit log, privacy notice versions and the record of processing."""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from customers.admin import AuditedAdminMixin, IndexedValuesFilter
from privacy import ropa
from privacy.audit import audited_save
from privacy.http import client_ip
from privacy.models import LANGUAGE_CODES, AuditEvent, NoticeVersion, Recipient
from privacy.notice import render_notice
from privacy.services import notice_publish


@admin.register(Recipient)
class RecipientAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "kind", "country", "contact")
    list_filter = ("kind", "country")
    search_fields = ("name", "contact")


class ObjectTypeFilter(IndexedValuesFilter):
    title = _("object type")
    parameter_name = "object_type"
    field_name = "object_type"


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
    # No date_hierarchy (MIN/MAX and a DISTINCT over every event), and the object types
    # through their index rather than a SELECT DISTINCT over the log.
    list_filter = ("action", ObjectTypeFilter, ("created_at", admin.DateFieldListFilter))
    search_fields = ("=object_id", "=actor_id")
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


@admin.register(NoticeVersion)
class NoticeVersionAdmin(admin.ModelAdmin):
    """The DPO edits the one draft, previews it in each language and publishes it.
    Published versions are read-only for everyone."""

    list_display = ("__str__", "status", "number", "published_at", "updated_at")
    list_filter = ("status",)
    fieldsets = (
        (_("Introduction"), {"fields": ("intro_fi", "intro_sv", "intro_en")}),
        (_("Security measures"), {"fields": ("security_fi", "security_sv", "security_en")}),
        (_("What changed in this version"), {"fields": ("changes_fi", "changes_sv", "changes_en")}),
    )
    change_form_template = "admin/privacy/noticeversion/change_form.html"

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_published:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_published:
            return False
        return super().has_delete_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        if NoticeVersion.objects.filter(status=NoticeVersion.Status.DRAFT).exists():
            return False  # one draft at a time: edit that one
        return super().has_add_permission(request)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        current = NoticeVersion.objects.current()
        if current is None:
            return {}
        return {
            f"{name}_{language}": current.text(name, language)
            for name in ("intro", "security")
            for language in LANGUAGE_CODES
        }

    def save_model(self, request: HttpRequest, obj: NoticeVersion, form: Any, change: bool) -> None:
        audited_save(
            instance=obj,
            changed_fields=form.changed_data,
            actor=request.user,
            client_ip=client_ip(request),
        )

    def get_urls(self) -> list:
        urls = super().get_urls()
        custom = [
            path(
                "<int:pk>/preview/<str:language>/",
                self.admin_site.admin_view(self.preview_view),
                name="privacy_noticeversion_preview",
            ),
            path(
                "<int:pk>/publish/",
                self.admin_site.admin_view(self.publish_view),
                name="privacy_noticeversion_publish",
            ),
        ]
        return custom + urls

    def preview_view(self, request: HttpRequest, pk: int, language: str) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        if language not in LANGUAGE_CODES:
            raise Http404("No such language.")
        version = get_object_or_404(NoticeVersion, pk=pk)
        body = (
            version.rendered.get(language)
            if version.is_published
            else render_notice(version, language)
        )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Preview of the privacy notice"),
            "opts": self.opts,
            "original": version,
            "body": body,
            "preview_language": language,
            "languages": LANGUAGE_CODES,
            "can_publish": self._can_publish(request, version),
        }
        return TemplateResponse(request, "admin/privacy/noticeversion/preview.html", context)

    def _can_publish(self, request: HttpRequest, version: NoticeVersion) -> bool:
        return not version.is_published and request.user.has_perm("privacy.publish_noticeversion")

    def publish_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm("privacy.publish_noticeversion"):
            raise PermissionDenied
        version = get_object_or_404(NoticeVersion, pk=pk)
        if request.method != "POST":
            return HttpResponseRedirect(
                reverse("admin:privacy_noticeversion_preview", args=[pk, "fi"])
            )
        if not self._can_publish(request, version):
            raise PermissionDenied
        try:
            published = notice_publish(
                draft=version, actor=request.user, client_ip=client_ip(request)
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return HttpResponseRedirect(reverse("admin:privacy_noticeversion_change", args=[pk]))
        messages.success(
            request, _("Published the privacy notice as %(version)s.") % {"version": published}
        )
        return HttpResponseRedirect(reverse("admin:privacy_noticeversion_changelist"))


def record_of_processing_view(request: HttpRequest) -> HttpResponse:
    """Art 30 record of processing, for the DPO, in the admin."""
    if not request.user.has_perm("privacy.view_record_of_processing"):
        raise PermissionDenied
    language = translation.get_language() or "fi"
    context = {
        **admin.site.each_context(request),
        "title": _("Record of processing activities (GDPR Art 30)"),
        "columns": ropa.COLUMNS,
        "rows": list(ropa.rows(language if language in LANGUAGE_CODES else "fi")),
    }
    return TemplateResponse(request, "admin/privacy/record_of_processing.html", context)
