"""Admin of the DPO's queue of data subject requests and of the erasure receipts."""

# Customer service logs requests that came by phone, letter or email (the add form calls
# `request_create`); the DPO moves them through their steps with the buttons on the change
# page, each a service call. No field of an existing request is edited by hand.

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from privacy import dashboard
from privacy.http import client_ip
from privacy.models import AuditEvent, DataSubjectRequest, ErasureReceipt, RecipientNotice
from privacy.services import (
    audit_event_record,
    request_complete,
    request_create,
    request_extend,
    request_identity_verify,
    request_refuse,
    request_start,
)
from privacy.services.requests import COMPLETABLE, EXTENDABLE, STARTABLE, first_due_on

Status = DataSubjectRequest.Status

# -- Staff entry ---------------------------------------------------------------------------


class StaffRequestForm(forms.ModelForm):
    """A request that reached staff by phone, letter or email; the portal logs its own."""

    class Meta:
        model = DataSubjectRequest
        fields = ["customer", "kind", "channel", "received_on", "details", "identity_method"]
        help_texts = {
            "received_on": _("The day the request reached us: the one-month clock starts then."),
            "details": _("What the person asked for, in their words. No identity codes."),
            "identity_method": _("Leave empty if the identity is still to be checked."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "channel" in self.fields:  # absent on the change page, where all is read-only
            self.fields["channel"].choices = [
                (value, label)
                for value, label in DataSubjectRequest.Channel.choices
                if value != DataSubjectRequest.Channel.PORTAL
            ]
        if "received_on" in self.fields:
            self.fields["received_on"].initial = timezone.localdate

    def clean_received_on(self) -> Any:
        received_on = self.cleaned_data["received_on"]
        if received_on and received_on > timezone.localdate():
            raise ValidationError(_("A request cannot be received in the future."))
        return received_on


# -- The workflow's step forms -------------------------------------------------------------


class IdentityForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Identity verified by"), choices=DataSubjectRequest.IdentityMethod.choices
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("E.g. which document was seen. No identity codes: the person sees this."),
    )


class StartForm(forms.Form):
    pass


class ExtendForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the extension"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Mailed to the person now, with the new due date (Art 12(3))."),
    )


class RefuseForm(forms.Form):
    reasons = forms.CharField(
        label=_("Reasons for the refusal"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Mailed to the person with their right to complain (Art 12(4))."),
    )


class CompleteForm(forms.Form):
    outcome = forms.CharField(
        label=_("What was done"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Mailed to the person."),
    )


Service = Callable[..., DataSubjectRequest]


def _verify(obj: DataSubjectRequest, data: dict, **kw: Any) -> DataSubjectRequest:
    return request_identity_verify(request=obj, method=data["method"], note=data["note"], **kw)


def _start(obj: DataSubjectRequest, data: dict, **kw: Any) -> DataSubjectRequest:
    return request_start(request=obj, **kw)


def _extend(obj: DataSubjectRequest, data: dict, **kw: Any) -> DataSubjectRequest:
    return request_extend(request=obj, reason=data["reason"], **kw)


def _refuse(obj: DataSubjectRequest, data: dict, **kw: Any) -> DataSubjectRequest:
    return request_refuse(request=obj, reasons=data["reasons"], **kw)


def _complete(obj: DataSubjectRequest, data: dict, **kw: Any) -> DataSubjectRequest:
    return request_complete(request=obj, outcome=data["outcome"], **kw)


# step slug -> (title, form, service call, success message)
STEPS: dict[str, tuple[Any, type[forms.Form], Service, Any]] = {
    "verify-identity": (
        _("Record the identity check"),
        IdentityForm,
        _verify,
        _("The identity check was recorded."),
    ),
    "start": (_("Start handling"), StartForm, _start, _("The request was started.")),
    "extend": (
        _("Extend by two months"),
        ExtendForm,
        _extend,
        _("The request was extended and the person was mailed the reason and the new date."),
    ),
    "refuse": (
        _("Refuse"),
        RefuseForm,
        _refuse,
        _("The request was refused; the reasons and the complaint right were recorded."),
    ),
    "complete": (
        _("Complete"),
        CompleteForm,
        _complete,
        _("The request was completed."),
    ),
}

# Which service error belongs to which field of the step's form (the rest go on top).
ERROR_FIELDS = {
    "identity_method": "method",
    "note": "note",
    "extension_reason": "reason",
    "outcome": "outcome",
}


def available_steps(obj: DataSubjectRequest) -> list[str]:
    """The steps the request's state allows, in the order they usually come."""
    if not obj.is_open:
        return []
    steps = ["verify-identity"]
    if obj.status in STARTABLE:
        steps.append("start")
    if obj.status in EXTENDABLE and timezone.localdate() < first_due_on(obj):
        steps.append("extend")
    steps.append("refuse")
    if obj.status in COMPLETABLE:
        steps.append("complete")
    return steps


# -- The queue -----------------------------------------------------------------------------


class DueFilter(admin.SimpleListFilter):
    title = _("due")
    parameter_name = "due"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            (dashboard.OVERDUE, _("Overdue")),
            (dashboard.DUE_SOON, _("Due within 7 days")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        today = timezone.localdate()
        open_ones = queryset.filter(status__in=DataSubjectRequest.OPEN_STATUSES)
        if self.value() == dashboard.OVERDUE:
            return dashboard.due_before(open_ones, today)
        if self.value() == dashboard.DUE_SOON:
            soon = today + timedelta(days=dashboard.DUE_SOON_DAYS)
            return dashboard.due_on_or_before(open_ones, soon).exclude(
                pk__in=dashboard.due_before(open_ones, today).values("pk")
            )
        return None


@admin.register(DataSubjectRequest)
class DataSubjectRequestAdmin(admin.ModelAdmin):
    """The DPO's queue: open requests first, soonest due first (see `with_due_key`)."""

    form = StaffRequestForm
    change_form_template = "admin/privacy/requests/change_form.html"
    list_display = (
        "kind",
        "status",
        "channel",
        "customer",
        "received_on",
        "due_date",
        "due_flag",
    )
    list_filter = (DueFilter, "status", "kind", "channel")
    list_select_related = ("customer",)
    raw_id_fields = ("customer",)
    list_per_page = 50
    change_fieldsets = (
        (None, {"fields": ("customer", "kind", "status", "channel", "received_on", "due_date")}),
        (_("Identity"), {"fields": ("identity_method", "identity_note")}),
        (_("The request"), {"fields": ("details", "data_concerned_names")}),
        (_("Extension"), {"fields": ("extension_reason", "person_told_of_extension_on")}),
        (_("Answer"), {"fields": ("outcome", "closed_on", "recipient_notice_summary")}),
        (_("System"), {"fields": ("public_id", "created_by_id", "created_at", "updated_at")}),
    )

    class Media:
        css = {"all": ["css/dpo-admin.css"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # Annotated before ordering (ModelAdmin.get_queryset orders first, and the order
        # needs the annotations).
        queryset = dashboard.with_due_key(self.model._default_manager.get_queryset())
        return queryset.order_by(*self.get_ordering(request))

    def get_ordering(self, request: HttpRequest) -> list[str]:
        # Open requests first, then by the Art 12(3) due date (extensions included).
        return ["closed_rank", "due_key", "pk"]

    @admin.display(description=_("due on"), ordering="due_key")
    def due_date(self, obj: DataSubjectRequest) -> Any:
        return obj.due_on

    @admin.display(description=_("flag"))
    def due_flag(self, obj: DataSubjectRequest) -> str:
        flag = dashboard.due_flag(obj)
        if flag == dashboard.OVERDUE:
            return format_html('<span class="dsr-flag dsr-flag-overdue">{}</span>', _("Overdue"))
        if flag == dashboard.DUE_SOON:
            return format_html(
                '<span class="dsr-flag dsr-flag-soon">{}</span>', _("Due within 7 days")
            )
        return ""

    @admin.display(description=_("data concerned"))
    def data_concerned_names(self, obj: DataSubjectRequest) -> str:
        return ", ".join(obj.data_concerned or []) or "–"

    @admin.display(description=_("notices to recipients (Art 19)"))
    def recipient_notice_summary(self, obj: DataSubjectRequest) -> str:
        notices = list(obj.recipient_notices.select_related("recipient"))
        if not notices:
            return "–"
        return "; ".join(str(notice) for notice in notices)

    # -- Add: through the service; change: never by hand --------------------------------

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return super().get_fieldsets(request, obj)
        return self.change_fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ()
        return [name for _, options in self.change_fieldsets for name in options["fields"]]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            return  # every field is read-only; steps go through the workflow buttons
        created = request_create(
            customer=form.cleaned_data.get("customer"),
            kind=form.cleaned_data["kind"],
            channel=form.cleaned_data["channel"],
            details=form.cleaned_data.get("details", ""),
            identity_method=form.cleaned_data.get("identity_method", ""),
            received_on=form.cleaned_data["received_on"],
            actor=request.user,
            client_ip=client_ip(request),
        )
        # The admin goes on with `obj` (its log entry and redirect): make it the saved row.
        obj.__dict__.update(created.__dict__)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        extra_context = dict(extra_context or {})
        obj = self.get_object(request, object_id)
        if obj is not None and self.has_change_permission(request, obj):
            extra_context["workflow_steps"] = [
                {
                    "slug": slug,
                    "title": STEPS[slug][0],
                    "form": STEPS[slug][1](prefix=slug.replace("-", "_")),
                    "url": reverse("admin:privacy_datasubjectrequest_step", args=[obj.pk, slug]),
                }
                for slug in available_steps(obj)
            ]
            extra_context["pending_notices"] = obj.recipient_notices.filter(
                status=RecipientNotice.Status.PENDING
            ).count()
        # No save buttons: nothing on the page is edited by hand.
        extra_context.update(
            show_save=False,
            show_save_and_continue=False,
            show_save_and_add_another=False,
            show_delete=False,
        )
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            # The page shows who asked and what: a staff view of a customer's data.
            audit_event_record(
                action=AuditEvent.Action.VIEW,
                actor=request.user,
                object_type=self.model._meta.label_lower,
                object_id=object_id,
                client_ip=client_ip(request),
            )
        return response

    # -- The workflow ---------------------------------------------------------------------

    def get_urls(self) -> list:
        return [
            path(
                "<int:pk>/step/<slug:step>/",
                self.admin_site.admin_view(self.step_view),
                name="privacy_datasubjectrequest_step",
            ),
            *super().get_urls(),
        ]

    def step_view(self, request: HttpRequest, pk: int, step: str) -> HttpResponse:
        return require_POST(self._step)(request, pk, step)

    def _step(self, request: HttpRequest, pk: int, step: str) -> HttpResponse:
        if step not in STEPS:
            raise Http404("No such step.")
        obj = self.get_object(request, str(pk))
        if obj is None:
            raise Http404("No such request.")
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        title, form_class, service, success = STEPS[step]
        form = form_class(request.POST, prefix=step.replace("-", "_"))
        change_url = reverse("admin:privacy_datasubjectrequest_change", args=[obj.pk])
        if form.is_valid():
            try:
                service(obj, form.cleaned_data, actor=request.user, client_ip=client_ip(request))
            except ValidationError as exc:
                by_field = exc.error_dict if hasattr(exc, "error_dict") else {None: exc.error_list}
                for name, errors in by_field.items():
                    target = ERROR_FIELDS.get(name or "")
                    if target not in form.fields:
                        target = None
                    for error in errors:
                        form.add_error(target, error)
            else:
                messages.success(request, success)
                return HttpResponseRedirect(change_url)
        # Shown again with its errors (tied to their fields), nothing changed.
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.opts,
            "original": obj,
            "form": form,
            "step_url": request.path,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/privacy/requests/step.html", context, status=400)


@admin.register(ErasureReceipt)
class ErasureReceiptAdmin(admin.ModelAdmin):
    """What each erasure removed and kept: written only by the erasure service."""

    list_display = ("customer_public_id", "request", "language", "mailed_at", "created_at")
    list_filter = ("language",)
    search_fields = ("=customer_public_id",)
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in ErasureReceipt._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
