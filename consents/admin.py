"""Staff side of consents: the DPO manages purposes and texts, Customer service records
what customers said by phone, letter or in a meeting, Marketing exports an audience.
The ledger itself is view-only for everyone, superusers included."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consents import services
from consents.models import ConsentedDatum, ConsentEvent, ConsentText, Purpose, Suppression
from customers.models import Customer
from privacy.audit import audit_event_record, audited_save
from privacy.http import client_ip
from privacy.models import AuditEvent


def _audit_view(request: HttpRequest, model: type, object_id: str) -> None:
    audit_event_record(
        action=AuditEvent.Action.VIEW,
        actor=request.user,
        object_type=model._meta.label_lower,
        object_id=object_id,
        client_ip=client_ip(request),
    )


@admin.register(Purpose)
class PurposeAdmin(admin.ModelAdmin):
    list_display = ("key", "name", "registry_purpose", "audience", "channel", "active")
    list_filter = ("active", "audience", "channel")
    search_fields = ("key", "name")
    actions = ["export_audience"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # Events refer to the key and the purpose it stands for: changing them would change
        # what earlier consents meant.
        return ("key", "registry_purpose", "audience") if obj is not None else ()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead: texts and events refer to it

    def has_export_audience_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("consents.export_audience_purpose")

    # The role matrix (and import-export's convention) asks this name.
    has_export_permission = has_export_audience_permission

    def save_model(self, request: HttpRequest, obj: Purpose, form: Any, change: bool) -> None:
        audited_save(
            instance=obj,
            changed_fields=form.changed_data,
            actor=request.user,
            client_ip=client_ip(request),
        )

    @admin.action(
        description=_("Export the audience (only those who may be contacted) as CSV"),
        permissions=["export_audience"],
    )
    def export_audience(self, request: HttpRequest, queryset: QuerySet[Purpose]) -> Any:
        if queryset.count() != 1:
            self.message_user(
                request, _("Choose exactly one purpose to export."), level=messages.ERROR
            )
            return None
        purpose = queryset.get()
        lines = services.audience_export(
            purpose=purpose, actor=request.user, client_ip=client_ip(request)
        )
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        stamp = timezone.localdate().isoformat()
        response["Content-Disposition"] = (
            f'attachment; filename="audience-{purpose.key}-{stamp}.csv"'
        )
        return response


@admin.register(ConsentText)
class ConsentTextAdmin(admin.ModelAdmin):
    list_display = ("__str__", "purpose", "version", "published_at")
    list_filter = ("purpose",)
    readonly_fields = ("version", "published_at")
    fields = (
        "purpose",
        ("title_fi", "title_sv", "title_en"),
        "text_fi",
        "text_sv",
        "text_en",
        "version",
        "published_at",
    )
    actions = ["publish"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_published:
            return False  # a published text is what earlier consents referred to
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("consents.publish_consenttext")

    def save_model(self, request: HttpRequest, obj: ConsentText, form: Any, change: bool) -> None:
        audited_save(
            instance=obj,
            changed_fields=form.changed_data,
            actor=request.user,
            client_ip=client_ip(request),
        )

    @admin.action(description=_("Publish the selected drafts"), permissions=["publish"])
    def publish(self, request: HttpRequest, queryset: QuerySet[ConsentText]) -> None:
        for text in queryset.filter(published_at__isnull=True).order_by("pk"):
            try:
                services.consent_text_publish(
                    text=text, actor=request.user, client_ip=client_ip(request)
                )
            except ValidationError as error:
                self.message_user(request, "; ".join(error.messages), level=messages.ERROR)
            else:
                self.message_user(request, _("Published %(text)s.") % {"text": text})


class StaffRecordForm(forms.Form):
    """What Customer service heard from the customer; the note is the evidence."""

    customer = forms.ModelChoiceField(
        label=_("customer"),
        queryset=Customer.objects.all(),
        widget=AutocompleteSelect(ConsentEvent._meta.get_field("customer"), admin.site),
    )
    purpose = forms.ModelChoiceField(
        label=_("purpose"), queryset=Purpose.objects.filter(active=True)
    )
    kind = forms.ChoiceField(
        label=_("what the customer said"),
        choices=[
            (ConsentEvent.Kind.GRANT, _("Gives consent")),
            (ConsentEvent.Kind.WITHDRAW, _("Withdraws consent / opts out")),
            (ConsentEvent.Kind.OBJECTION, _("Objects to all direct marketing (Art 21)")),
        ],
    )
    channel = forms.ChoiceField(
        label=_("received through"),
        choices=[
            (ConsentEvent.Channel.PHONE, _("Phone")),
            (ConsentEvent.Channel.LETTER, _("Letter")),
            (ConsentEvent.Channel.MEETING, _("Meeting")),
        ],
    )
    note = forms.CharField(
        label=_("note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "When and how it was received, e.g. 'phone call 3.2.2026, asked by the customer'."
        ),
    )


@admin.register(ConsentEvent)
class ConsentEventAdmin(admin.ModelAdmin):
    """The ledger: view-only; adding goes through the staff record form and its service."""

    list_display = ("occurred_at", "customer", "purpose", "kind", "method", "text", "actor_id")
    list_filter = (
        ("occurred_at", admin.DateFieldListFilter),
        "kind",
        "method",
        "channel",
        "purpose",
    )
    search_fields = ("customer__name", "customer__email", "=customer__public_id")
    # Not a date hierarchy: it reads the whole ledger (MIN/MAX, DISTINCT dates) on every
    # page; the date filter's links cost no query.
    list_select_related = ("customer", "purpose", "text__purpose")
    readonly_fields = [f.name for f in ConsentEvent._meta.fields]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        initial = {"customer": request.GET.get("customer")} if request.method == "GET" else None
        form = StaffRecordForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.consent_record_by_staff(
                    customer=data["customer"],
                    purpose=data["purpose"],
                    kind=data["kind"],
                    channel=data["channel"],
                    note=data["note"],
                    actor=request.user,
                    client_ip=client_ip(request),
                )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for field, errors in error.error_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, error)
            else:
                self.message_user(request, _("Recorded."), level=messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:consents_consentevent_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Record a consent or withdrawal received by staff"),
            "form": form,
            "media": self.media + form.media,
            "opts": self.model._meta,
            "has_view_permission": self.has_view_permission(request),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "consents/admin/record_event.html", context)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            _audit_view(request, ConsentEvent, object_id)
        return response


@admin.register(ConsentedDatum)
class ConsentedDatumAdmin(admin.ModelAdmin):
    """View-only: the data comes with a consent and goes with its withdrawal."""

    list_display = ("customer", "purpose", "name", "source", "obtained_at")
    list_filter = ("purpose", "source")
    search_fields = ("customer__name", "name")
    list_select_related = ("customer", "purpose")
    readonly_fields = [f.name for f in ConsentedDatum._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            _audit_view(request, ConsentedDatum, object_id)
        return response


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin):
    """Keyed hashes only: the DPO sees how many objections are remembered, never whose."""

    list_display = ("kind", "short_digest", "created_at")
    list_filter = ("kind",)
    readonly_fields = ("kind", "digest", "created_at")

    @admin.display(description=_("keyed hash"))
    def short_digest(self, obj: Suppression) -> str:
        return f"{obj.digest[:16]}…"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
