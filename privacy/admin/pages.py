"""The DPO toolkit's custom admin pages: access review, register downloads, Art 14 follow-up."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from customers.models import Customer, StaffRoleGrant, helsinki_today
from privacy.admin.base import _apply_validation_error
from privacy.bundle import Bundle
from privacy.exports import REGISTER_NAMES, RegisterStream
from privacy.http import client_ip
from privacy.models import AccessReview, AuditEvent
from privacy.services import access_review_record, audit_event_record
from privacy.services.access_reviews import active_grants
from privacy.services.art14 import art14_due_on, art14_pending, needs_other_channel

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
        "awaiting": StaffRoleGrant.objects.awaiting_approval(today)
        .select_related("user", "group", "granted_by")
        .order_by("valid_from", "user__email"),
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

    stream = RegisterStream(
        name=name, dialect=dialect, actor=request.user, client_ip=client_ip(request)
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(stream, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
    return response


def bundle_download_view(request: HttpRequest) -> StreamingHttpResponse:
    """The DPO bundle as a download, streamed as it is zipped (never held whole)."""
    _require_export(request, REGISTER_NAMES)
    bundle = Bundle(actor=request.user, client_ip=client_ip(request))
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(bundle, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="herocon-registers-{stamp}.zip"'
    return response


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
