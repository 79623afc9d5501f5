"""Admin pages of the DPO toolkit (imported by privacy/admin.py): disclosures and their
Art 19 notices, the breach register, the staff access review, the Art 14 follow-up and
the register downloads. Every write goes through privacy.services."""

import copy
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from customers.models import Customer, helsinki_today
from privacy import registry
from privacy.bundle import bundle_write
from privacy.exports import REGISTER_NAMES, RegisterLines
from privacy.http import client_ip
from privacy.models import AccessReview, AuditEvent, Breach, Disclosure, RecipientNotice
from privacy.services import (
    access_review_record,
    audit_event_record,
    breach_close,
    breach_record,
    breach_update,
    disclosure_record,
    recipient_notice_send,
    recipient_notice_skip,
)
from privacy.services.access_reviews import active_grants
from privacy.services.art14 import art14_due_on, art14_pending, needs_other_channel
from privacy.services.breaches import BREACH_FIELDS, breach_close_errors
from privacy.services.disclosures import disclosure_errors, recipient_email

REGISTERS_CSS = {"all": ["css/registers.css"]}


def _add_errors(form: forms.Form, errors: dict[str, list[str]]) -> None:
    for name, messages_ in errors.items():
        for message in messages_:
            form.add_error(name if name in form.fields else None, message)


def _apply_validation_error(form: forms.Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        _add_errors(form, exc.message_dict)
    else:
        for message in exc.messages:
            form.add_error(None, message)


class ServiceFormAdminMixin:
    """The admin calls save_model() only after the form is valid; a service that still
    refuses (a race, a rule the form could not see) lands back on the form as field
    errors instead of a 500."""

    def _changeform_view(
        self, request: HttpRequest, object_id: Any, form_url: str, extra_context: Any
    ) -> HttpResponse:
        try:
            return super()._changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return HttpResponseRedirect(request.get_full_path())


# -- Disclosures ---------------------------------------------------------------------------


def _category_choices() -> list[tuple[str, str]]:
    return [(key, str(c.name)) for key, c in registry.CATEGORIES.items()]


class DisclosureForm(forms.ModelForm):
    categories = forms.MultipleChoiceField(
        label=_("data categories"),
        choices=_category_choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Disclosure
        fields = ("recipient", "customers", "categories", "basis", "purpose", "disclosed_at")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        _add_errors(
            self,
            disclosure_errors(
                customers=list(data.get("customers") or []),
                categories=list(data.get("categories") or []),
                disclosed_at=data.get("disclosed_at"),
            ),
        )
        return data


@admin.register(Disclosure)
class DisclosureAdmin(ServiceFormAdminMixin, admin.ModelAdmin):
    """The disclosure log: who received whose data (Art 19; Art 15(1)(c)). A logged
    disclosure is a record of what happened, so it is read-only once saved."""

    form = DisclosureForm
    list_display = ("disclosed_at", "recipient", "basis", "purpose", "customer_count")
    list_filter = ("recipient", "basis")
    search_fields = ("recipient__name", "purpose")
    date_hierarchy = "disclosed_at"
    autocomplete_fields = ["customers"]
    list_select_related = ["recipient"]

    @admin.display(description=_("customers"))
    def customer_count(self, obj: Disclosure) -> int:
        return obj.customers.count()

    @admin.display(description=_("data categories"))
    def category_names(self, obj: Disclosure) -> str:
        return ", ".join(
            str(registry.CATEGORIES[k].name) if k in registry.CATEGORIES else k
            for k in obj.categories
        )

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return list(DisclosureForm.Meta.fields)
        return [
            "recipient",
            "customers",
            "category_names",
            "basis",
            "purpose",
            "disclosed_at",
            "disclosed_by_id",
            "created_at",
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [] if obj is None else self.get_fields(request, obj)

    def save_model(self, request: HttpRequest, obj: Disclosure, form: Any, change: bool) -> None:
        if change:
            return  # read-only once logged
        form.instance = disclosure_record(
            recipient=form.cleaned_data["recipient"],
            customers=form.cleaned_data["customers"],
            categories=form.cleaned_data["categories"],
            basis=form.cleaned_data["basis"],
            purpose=form.cleaned_data["purpose"],
            disclosed_at=form.cleaned_data["disclosed_at"],
            actor=request.user,
            client_ip=client_ip(request),
        )
        obj.pk = form.instance.pk

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        pass  # disclosure_record linked the customers

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# -- Art 19 notices ----------------------------------------------------------------------------


class RecipientNoticeForm(forms.ModelForm):
    OUTCOMES = [
        ("email", _("Send it now by email to the recipient's contact address")),
        ("other", _("It was sent another way (say how below)")),
        ("not_sent", _("It will not be sent (give the reason below)")),
    ]
    outcome = forms.ChoiceField(label=_("outcome"), choices=OUTCOMES, widget=forms.RadioSelect)
    sent_at = forms.DateTimeField(
        label=_("sent at"),
        required=False,
        help_text=_("For a notice sent another way; empty means now."),
    )
    how = forms.CharField(
        label=_("how it was sent"),
        required=False,
        max_length=300,
        help_text=_("E.g. registered letter, or the recipient's own portal."),
    )
    reason = forms.CharField(
        label=_("reason it was not sent"), required=False, widget=forms.Textarea
    )

    class Meta:
        model = RecipientNotice
        fields: tuple[str, ...] = ()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        outcome = data.get("outcome")
        has_email = recipient_email(self.instance.recipient) is not None
        if outcome == "email" and not has_email:
            self.add_error(
                "outcome",
                _("The recipient's contact is not an email address: send it another way."),
            )
        if outcome == "other" and not (data.get("how") or "").strip():
            self.add_error("how", _("Say how the notice was sent."))
        if outcome == "not_sent" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the recipient was not told (GDPR Art 19)."))
        sent_at = data.get("sent_at")
        if sent_at and sent_at > timezone.now():
            self.add_error("sent_at", _("This time is in the future."))
        return data


@admin.register(RecipientNotice)
class RecipientNoticeAdmin(ServiceFormAdminMixin, admin.ModelAdmin):
    """Art 19 notices are created by the erasure, rectification and restriction services;
    the DPO sends each one or records why not."""

    form = RecipientNoticeForm
    list_display = ("created_at", "recipient", "kind", "status", "sent_at", "request")
    list_filter = ("status", "kind", "recipient")
    search_fields = ("=customer_public_id", "recipient__name")
    list_select_related = ["recipient", "request"]
    readonly_fields = (
        "recipient",
        "recipient_contact",
        "kind",
        "customer_public_id",
        "request",
        "category_names",
        "status",
        "sent_at_display",
        "reason_display",
        "created_at",
    )

    @admin.display(description=_("contact"))
    def recipient_contact(self, obj: RecipientNotice) -> str:
        return obj.recipient.contact or "–"

    @admin.display(description=_("data categories"))
    def category_names(self, obj: RecipientNotice) -> str:
        return ", ".join(
            str(registry.CATEGORIES[k].name) if k in registry.CATEGORIES else k
            for k in obj.categories
        )

    @admin.display(description=_("sent at"))
    def sent_at_display(self, obj: RecipientNotice) -> Any:
        return obj.sent_at or "–"

    @admin.display(description=_("note"))
    def reason_display(self, obj: RecipientNotice) -> str:
        return obj.reason or "–"

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(self.readonly_fields)
        if obj is not None and obj.status == RecipientNotice.Status.PENDING:
            fields += ["outcome", "sent_at", "how", "reason"]
        return fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # created by the services that change the data

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: RecipientNotice, form: Any, change: bool
    ) -> None:
        data = getattr(form, "cleaned_data", {})
        outcome = data.get("outcome")
        if outcome is None:
            return  # a closed notice: nothing to change
        if outcome == "not_sent":
            recipient_notice_skip(
                notice=obj, reason=data["reason"], actor=request.user, client_ip=client_ip(request)
            )
        else:
            recipient_notice_send(
                notice=obj,
                sent_at=data.get("sent_at") if outcome == "other" else None,
                how=data.get("how", "") if outcome == "other" else "",
                actor=request.user,
                client_ip=client_ip(request),
            )
        obj.refresh_from_db()


# -- Breaches --------------------------------------------------------------------------------


def breach_state(breach: Breach, now: Any = None) -> tuple[str, str]:
    """(CSS class, label) of a breach on the 72-hour clock."""
    now = now or timezone.now()
    if breach.closed_at is not None:
        return "breach-closed", str(_("Closed"))
    if breach.authority_notified_at is not None:
        return "breach-notified", str(_("Open, authority notified"))
    if breach.not_notified_reason:
        return "breach-explained", str(_("Open, not to be notified (reason recorded)"))
    if now >= breach.deadline:
        return "breach-overdue", str(_("Open, past the 72-hour deadline"))
    if now >= breach.deadline - timedelta(hours=24):
        return "breach-due-soon", str(_("Open, deadline within 24 hours"))
    return "breach-open", str(_("Open"))


class BreachForm(forms.ModelForm):
    close = forms.BooleanField(
        label=_("close the breach"),
        required=False,
        help_text=_(
            "Only once the authority was notified or the reason not to notify is recorded, "
            "and for a high risk once the people were told."
        ),
    )

    class Meta:
        model = Breach
        fields = (*BREACH_FIELDS, "authority_notified_at")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("close") and not self.errors:
            # clean() runs before the form's values are copied onto the instance: judge a
            # copy holding the values as they would be saved.
            candidate = copy.copy(self.instance)
            for name in self._meta.fields:
                if name in data:
                    setattr(candidate, name, data[name])
            _add_errors(self, breach_close_errors(candidate))
        return data


@admin.register(Breach)
class BreachAdmin(ServiceFormAdminMixin, admin.ModelAdmin):
    """The breach register (Art 33(5)): every breach is documented, notified or not."""

    form = BreachForm
    list_display = (
        "title",
        "aware_at_helsinki",
        "deadline_helsinki",
        "state",
        "high_risk",
        "authority_notified_at",
        "closed_at",
    )
    list_filter = ("high_risk", ("closed_at", admin.EmptyFieldListFilter))
    search_fields = ("title", "nature")
    date_hierarchy = "aware_at"
    fieldsets = (
        (None, {"fields": ("title", "aware_at", "deadline_helsinki")}),
        (
            _("What happened (GDPR Art 33(3))"),
            {
                "fields": (
                    "nature",
                    "data_categories",
                    ("approx_people", "approx_records"),
                    "consequences",
                    "measures",
                )
            },
        ),
        (_("The authority (Art 33)"), {"fields": ("authority_notified_at", "not_notified_reason")}),
        (_("The people affected (Art 34)"), {"fields": ("high_risk", "people_told_at")}),
        (_("Closing"), {"fields": ("close", "closed_at")}),
    )

    class Media:
        css = REGISTERS_CSS

    @admin.display(description=_("became aware at (Helsinki)"), ordering="aware_at")
    def aware_at_helsinki(self, obj: Breach) -> str:
        return timezone.localtime(obj.aware_at).strftime("%Y-%m-%d %H:%M %Z")

    @admin.display(description=_("notify the authority by (Helsinki)"), ordering="aware_at")
    def deadline_helsinki(self, obj: Breach) -> str:
        if obj is None or obj.aware_at is None:
            return "–"
        css, _label = breach_state(obj)
        return format_html(
            '<span class="{}">{}</span>',
            css,
            timezone.localtime(obj.deadline).strftime("%Y-%m-%d %H:%M %Z"),
        )

    @admin.display(description=_("status"))
    def state(self, obj: Breach) -> str:
        css, label = breach_state(obj)
        return format_html('<span class="breach-state {}">{}</span>', css, label)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is not None and obj.closed_at is not None:
            return [*BREACH_FIELDS, "authority_notified_at", "deadline_helsinki", "closed_at"]
        return ["deadline_helsinki", "closed_at"]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        documentation = list(self.fieldsets[:-1])
        if obj is None:
            return documentation  # a new breach is recorded first, closed later
        if obj.closed_at is not None:
            return [*documentation, (_("Closing"), {"fields": ("closed_at",)})]
        return list(self.fieldsets)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # every breach stays documented (Art 33(5))

    def save_model(self, request: HttpRequest, obj: Breach, form: Any, change: bool) -> None:
        ip = client_ip(request)
        if obj.closed_at is not None and change and not form.changed_data:
            return
        if not change:
            values = {
                name: getattr(obj, name) for name in (*BREACH_FIELDS, "authority_notified_at")
            }
            obj.pk = breach_record(actor=request.user, client_ip=ip, **values).pk
            return
        changed = [name for name in form.changed_data if name != "close"]
        if changed:
            breach_update(breach=obj, changed_fields=changed, actor=request.user, client_ip=ip)
        if form.cleaned_data.get("close"):
            breach_close(breach=obj, actor=request.user, client_ip=ip)


# -- Custom pages ----------------------------------------------------------------------------


def _require(request: HttpRequest, *permissions: str) -> None:
    if not request.user.has_perms(permissions):
        raise PermissionDenied


class AccessReviewForm(forms.Form):
    note = forms.CharField(
        label=_("findings and actions"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What was checked, what was found, and what was changed."),
    )


def access_review_view(request: HttpRequest) -> HttpResponse:
    """Every role grant in force, and the DPO's record that they were reviewed (Art 32)."""
    _require(request, "privacy.add_accessreview")
    form = AccessReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            review = access_review_record(
                note=form.cleaned_data["note"], actor=request.user, client_ip=client_ip(request)
            )
        except ValidationError as exc:
            _apply_validation_error(form, exc)
        else:
            messages.success(
                request,
                ngettext(
                    "Review recorded: %(count)d grant checked.",
                    "Review recorded: %(count)d grants checked.",
                    len(review.grants),
                )
                % {"count": len(review.grants)},
            )
            return HttpResponseRedirect(reverse("admin:privacy_access_review"))
    today = helsinki_today()
    grants = [(grant, (grant.valid_until - today).days) for grant in active_grants(today)]
    context = {
        **admin.site.each_context(request),
        "title": _("Staff access review"),
        "grants": grants,
        "form": form,
        "last_review": AccessReview.objects.order_by("-reviewed_at").first(),
        "reviews": AccessReview.objects.order_by("-reviewed_at")[:20],
    }
    return TemplateResponse(request, "admin/privacy/registers/access_review.html", context)


# The DPO alone exports registers (DESIGN.md, "Roles"). There is no permission of its own
# for that yet, so it is the DPO's export permission on the customer register, plus the
# view permission of what each register holds.
EXPORT_PERMISSION = "customers.export_customer"
REGISTER_VIEW_PERMISSIONS: dict[str, str] = {
    "customers": "customers.view_customer",
    "consents": "consents.view_consentevent",
    "purchases": "customers.view_purchase",
    "authorizations": "customers.view_authorization",
    "requests": "privacy.view_datasubjectrequest",
    "disclosures": "privacy.view_disclosure",
    "audit": "privacy.view_auditevent",
    "breaches": "privacy.view_breach",
    "ropa": "privacy.view_record_of_processing",
}
DIALECTS = ("rfc4180", "excel-fi")


def _require_export(request: HttpRequest, names: list[str]) -> None:
    _require(request, EXPORT_PERMISSION, *(REGISTER_VIEW_PERMISSIONS[n] for n in names))


def registers_view(request: HttpRequest) -> HttpResponse:
    """The registers the DPO can download, each as CSV, and the whole bundle."""
    _require_export(request, REGISTER_NAMES)
    context = {
        **admin.site.each_context(request),
        "title": _("Export registers"),
        "registers": REGISTER_NAMES,
    }
    return TemplateResponse(request, "admin/privacy/registers/exports.html", context)


def register_download_view(request: HttpRequest, name: str) -> StreamingHttpResponse:
    """One register as CSV, streamed; audited with its row count when the last row is out."""
    if name not in REGISTER_NAMES:
        raise Http404("No such register.")
    _require_export(request, [name])
    dialect = request.GET.get("dialect", "rfc4180")
    if dialect not in DIALECTS:
        dialect = "rfc4180"

    lines = RegisterLines(
        name=name, dialect=dialect, actor=request.user, client_ip=client_ip(request)
    )

    def stream() -> Iterator[bytes]:
        # Lines go out in ~64 kB chunks: one write per line would cost more than the CSV.
        parts: list[str] = []
        size = 0
        for line in lines:
            parts.append(line)
            size += len(line)
            if size >= 65536:
                yield "".join(parts).encode("utf-8")
                parts, size = [], 0
        yield "".join(parts).encode("utf-8")

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
    return response


def bundle_download_view(request: HttpRequest) -> FileResponse:
    """The DPO bundle as a download. The zip is written to a temporary file first (a zip
    names its files in a directory at the end), then streamed from disk."""
    _require_export(request, REGISTER_NAMES)
    # FileResponse closes the file when the response is done, so no context manager here.
    spool = tempfile.TemporaryFile()  # noqa: SIM115
    bundle_write(out=spool, actor=request.user, client_ip=client_ip(request))
    spool.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return FileResponse(
        spool,
        as_attachment=True,
        filename=f"herocon-registers-{stamp}.zip",
        content_type="application/zip",
    )


# -- Art 14 follow-up ---------------------------------------------------------------------------


def art14_pending_view(request: HttpRequest) -> HttpResponse:
    """Who still has to be sent the privacy notice (Art 14), those past the one-month
    limit first in line, and those with no email address to reach."""
    # The list names customers (view_customer) and is the DPO's follow-up: the record of
    # processing permission is the DPO's own.
    _require(request, "customers.view_customer", "privacy.view_record_of_processing")
    today = helsinki_today()
    rows = []
    for customer in art14_pending():
        due = art14_due_on(customer)
        rows.append(
            {
                "customer": customer,
                "due": due,
                "overdue": due < today,
                "other_channel": needs_other_channel(customer),
            }
        )
    audit_event_record(
        action=AuditEvent.Action.VIEW,
        actor=request.user,
        object_type=Customer._meta.label_lower,
        changed_fields=["name", "email", "source", "obtained_at", "notice_sent_at"],
        row_count=len(rows),
        client_ip=client_ip(request),
    )
    context = {
        **admin.site.each_context(request),
        "title": _("Privacy notices to send (GDPR Art 14)"),
        "by_email": [r for r in rows if not r["other_channel"]],
        "other_channel": [r for r in rows if r["other_channel"]],
        "overdue_count": sum(1 for r in rows if r["overdue"]),
    }
    return TemplateResponse(request, "admin/privacy/registers/art14_pending.html", context)
