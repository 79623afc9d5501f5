"""The self-service portal (issue 4): everything the register holds about me (Art 15), my
corrections (Art 16), downloads (Art 15(3), 20), and my requests (Art 17, 18, 21).

Every view is reached only signed in, sees only the signed-in person's Customer, and
fetches every other object through a helper scoped to that Customer, so an object that is
not theirs answers 404 whatever the URL or form says. Writes go through services.
"""

from collections.abc import Callable, Iterable
from uuid import UUID

from allauth.account.decorators import reauthentication_required
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseNotAllowed,
)
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from customers import services
from customers.models import (
    BillingProfile,
    Customer,
    DataSource,
    helsinki_today,
)
from privacy.erasure import erasure_preview
from privacy.http import client_ip
from privacy.models import DataSubjectRequest
from privacy.portal.access import organization_for, portal_view
from privacy.portal.forms import (
    BillingProfileForm,
    ErasureRequestForm,
    ObjectionRequestForm,
    OrganizationAddressForm,
    ProfileForm,
    RectificationForm,
    RestrictionRequestForm,
)
from privacy.portal.presenters import BlockView, activity_rows, record_view
from privacy.services import request_create
from privacy.services.subject_access import customer_data_export
from privacy.subject_data import (
    subject_data,
    subject_organizations,
)


def _add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's validation errors on the form's fields where it has them."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


# -- All my data ------------------------------------------------------------------------------


def _requests_of(customer: Customer) -> QuerySet[DataSubjectRequest]:
    return DataSubjectRequest.objects.filter(customer=customer).order_by("-received_on", "-id")


@require_safe
@portal_view
def home(request: HttpRequest, customer: Customer) -> HttpResponse:
    blocks = [
        BlockView(block, [record_view(customer, record) for record in block.records])
        for block in subject_data(customer)
    ]
    return render(
        request,
        "privacy/portal/home.html",
        {
            "customer": customer,
            "blocks": blocks,
            "authorizations": subject_organizations(customer),
            "today": helsinki_today(),
            "requests": _requests_of(customer),
            "activity": activity_rows(customer, request.user),
        },
    )


# -- Corrections ------------------------------------------------------------------------------


def _set_language(response: HttpResponse, language: str) -> None:
    """The portal language follows the record's language from now on (as set_language
    would set it): Django keeps the choice in its language cookie."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@portal_view
def profile(request: HttpRequest, customer: Customer) -> HttpResponse:
    old_language = customer.language
    form = ProfileForm(request.POST or None, instance=customer)
    if request.method == "POST" and form.is_valid():
        try:
            updated = services.customer_update_by_subject(
                customer=customer,
                data=form.cleaned_data,
                actor=request.user,
                client_ip=client_ip(request),
            )
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            language_changed = updated.language != old_language
            if language_changed:
                translation.activate(updated.language)
            messages.success(request, _("Your details have been saved."))
            response = redirect("portal:profile")
            if language_changed:
                _set_language(response, updated.language)
            return response
    return render(request, "privacy/portal/profile.html", {"form": form, "customer": customer})


def _rectified_organization(request: HttpRequest, customer: Customer) -> Customer | None:
    """The organization a report is about, when it names one: only one of the person's own
    organizations, so a foreign or malformed id is a 404 like anywhere else."""
    raw = (request.POST if request.method == "POST" else request.GET).get("organization", "")
    if not raw:
        return None
    try:
        public_id = UUID(raw)
    except ValueError:
        raise Http404("No such organization") from None
    return organization_for(customer, public_id).organization


@require_http_methods(["GET", "HEAD", "POST"])
@portal_view
def rectify(request: HttpRequest, customer: Customer) -> HttpResponse:
    organization = _rectified_organization(request, customer)
    if request.method == "POST":
        form = RectificationForm(request.POST)
        if form.is_valid():
            details = form.cleaned_data["explanation"]
            if organization is not None:
                # Staff need to know which organization's record the person means.
                details = f"[{organization.name} {organization.business_id}] {details}"
            request_create(
                customer=customer,
                kind=DataSubjectRequest.Kind.RECTIFICATION,
                channel=DataSubjectRequest.Channel.PORTAL,
                details=details,
                data_concerned=form.cleaned_data["field"],
                identity_method=DataSubjectRequest.IdentityMethod.PORTAL_LOGIN,
                actor=request.user,
                client_ip=client_ip(request),
            )
            messages.success(
                request,
                _(
                    "Thank you. Our staff will correct the data or tell you why not, within a month."
                ),
            )
            return redirect("portal:requests")
    else:
        form = RectificationForm()
    choices = dict(form.fields["field"].choices)
    query = request.POST if request.method == "POST" else request.GET
    # Names outside the registry are dropped here, so the page lists only real data.
    selected = [name for name in dict.fromkeys(query.getlist("field")) if name in choices]
    if request.method != "POST":
        form.initial["field"] = selected
    return render(
        request,
        "privacy/portal/rectify.html",
        {
            "form": form,
            "selected": [choices[name] for name in selected],
            "organization": organization,
        },
    )


# -- Organizations ----------------------------------------------------------------------------


@portal_view
def organization(request: HttpRequest, customer: Customer, public_id: UUID) -> HttpResponse:
    # Scope first, method second: another's organization is a 404 whatever the method.
    access = organization_for(customer, public_id)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    org = access.organization
    return render(
        request,
        "privacy/portal/organization.html",
        {
            "customer": customer,
            "access": access,
            "organization": org,
            "purchases": org.purchases.select_related("product", "purchased_by")
            if access.can_see_purchases
            else None,
            "billing_profiles": org.billing_profiles.order_by("pk")
            if access.can_see_billing
            else None,
        },
    )


def _organization_form_page(
    request: HttpRequest,
    customer: Customer,
    public_id: UUID,
    *,
    make_form: Callable[[Customer], forms.ModelForm],
    save: Callable[..., object],
    title: str,
) -> HttpResponse:
    # Scope first, method second (as on the organization page): another's organization
    # is a 404 whatever the method.
    access = organization_for(customer, public_id)
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    if not access.can_edit:
        # The organization is theirs to see, not to edit: only its administrators edit.
        raise PermissionDenied
    org = access.organization
    form = make_form(org)
    if request.method == "POST" and form.is_valid():
        try:
            save(
                organization=org,
                person=customer,
                data=form.cleaned_data,
                actor=request.user,
                client_ip=client_ip(request),
            )
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, _("The organization's details have been saved."))
            return redirect("portal:organization", public_id=org.public_id)
    return render(
        request,
        "privacy/portal/organization_form.html",
        {"form": form, "organization": org, "title": title},
    )


@portal_view
def organization_edit(request: HttpRequest, customer: Customer, public_id: UUID) -> HttpResponse:
    return _organization_form_page(
        request,
        customer,
        public_id,
        make_form=lambda org: OrganizationAddressForm(request.POST or None, instance=org),
        save=services.organization_update_by_admin,
        title=_("Organization's address"),
    )


@portal_view
def organization_billing(request: HttpRequest, customer: Customer, public_id: UUID) -> HttpResponse:
    def make_form(org: Customer) -> forms.ModelForm:
        profile = org.billing_profiles.order_by("pk").first() or BillingProfile(
            customer=org, source=DataSource.SELF_SERVICE
        )
        return BillingProfileForm(request.POST or None, instance=profile)

    return _organization_form_page(
        request,
        customer,
        public_id,
        make_form=make_form,
        save=services.organization_billing_update_by_admin,
        title=_("Organization's billing details"),
    )


# -- Downloads --------------------------------------------------------------------------------


@require_safe
@portal_view
def export(request: HttpRequest, customer: Customer) -> HttpResponse:
    return render(request, "privacy/portal/export.html", {"customer": customer})


def _download(request: HttpRequest, customer: Customer, export_format: str) -> HttpResponse:
    result = customer_data_export(
        customer=customer,
        export_format=export_format,
        actor=request.user,
        client_ip=client_ip(request),
    )
    response = HttpResponse(result.content, content_type=result.content_type)
    response["Content-Disposition"] = f'attachment; filename="{result.filename}"'
    return response


# GET only, not HEAD: a HEAD request would be audited as a download that never happened.
@require_GET
@portal_view
@reauthentication_required
def export_json(request: HttpRequest, customer: Customer) -> HttpResponse:
    return _download(request, customer, "json")


@require_GET
@portal_view
@reauthentication_required
def export_zip(request: HttpRequest, customer: Customer) -> HttpResponse:
    return _download(request, customer, "zip")


# -- Requests ---------------------------------------------------------------------------------

REQUEST_FORMS: dict[str, type[forms.Form]] = {
    DataSubjectRequest.Kind.RESTRICTION: RestrictionRequestForm,
    DataSubjectRequest.Kind.OBJECTION: ObjectionRequestForm,
}


def _portal_request(
    request: HttpRequest, customer: Customer, kind: str, details: str, fields: Iterable[str] = ()
) -> DataSubjectRequest:
    return request_create(
        customer=customer,
        kind=kind,
        channel=DataSubjectRequest.Channel.PORTAL,
        details=details,
        data_concerned=fields,
        # Signed in to the account linked to the record through a verified email.
        identity_method=DataSubjectRequest.IdentityMethod.PORTAL_LOGIN,
        actor=request.user,
        client_ip=client_ip(request),
    )


@require_http_methods(["GET", "HEAD", "POST"])
@portal_view
def requests(request: HttpRequest, customer: Customer) -> HttpResponse:
    forms_by_kind = {kind: form_class(prefix=kind) for kind, form_class in REQUEST_FORMS.items()}
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        if kind not in REQUEST_FORMS:
            # Erasure has its own page (re-authentication, preview, confirmation).
            return HttpResponseBadRequest(_("Unknown request."))
        form = REQUEST_FORMS[kind](request.POST, prefix=kind)
        forms_by_kind[kind] = form
        if form.is_valid():
            _portal_request(request, customer, kind, form.cleaned_data["details"])
            messages.success(request, _("Your request has been sent. We answer within a month."))
            return redirect("portal:requests")
    return render(
        request,
        "privacy/portal/requests.html",
        {
            "customer": customer,
            "requests": _requests_of(customer),
            "restriction_form": forms_by_kind[DataSubjectRequest.Kind.RESTRICTION],
            "objection_form": forms_by_kind[DataSubjectRequest.Kind.OBJECTION],
            "open_erasure": _open_erasure(customer),
        },
    )


def _open_erasure(customer: Customer) -> DataSubjectRequest | None:
    return (
        _requests_of(customer)
        .filter(kind=DataSubjectRequest.Kind.ERASURE, status__in=DataSubjectRequest.OPEN_STATUSES)
        .first()
    )


@require_http_methods(["GET", "HEAD", "POST"])
@portal_view
@reauthentication_required
def erasure(request: HttpRequest, customer: Customer) -> HttpResponse:
    open_request = _open_erasure(customer)
    form = ErasureRequestForm(request.POST or None)
    if request.method == "POST" and open_request is None and form.is_valid():
        _portal_request(
            request, customer, DataSubjectRequest.Kind.ERASURE, form.cleaned_data["details"]
        )
        messages.success(
            request,
            _(
                "Your erasure request has been sent. We answer within a month and send you a receipt."
            ),
        )
        return redirect("portal:requests")
    return render(
        request,
        "privacy/portal/erasure.html",
        {
            "customer": customer,
            "preview": erasure_preview(customer),
            "form": form,
            "open_request": open_request,
        },
    )
