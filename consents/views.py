"""The preference centre (/portal/consents/) and the unsubscribe link (/unsubscribe/<token>/).

Giving and withdrawing are one POST each, from the same page, with the same single button
(Art 7(3): withdrawing as easy as giving). Nothing is pre-ticked or bundled: each purpose
has its own form. The unsubscribe page changes nothing on GET, because mail scanners
follow links; only a POST (a CSRF-checked form, or RFC 8058's one-click POST carrying a
valid token) withdraws.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from consents import services
from consents.models import ConsentEvent, ConsentText, Purpose
from customers.models import Customer
from privacy.http import client_ip
from privacy.portal.access import portal_view

ONE_CLICK_BODY = ("List-Unsubscribe", "One-Click")


@dataclass(frozen=True)
class PurposeView:
    purpose: Purpose
    text: ConsentText
    title: str
    body: str
    state: str | None
    history: list[ConsentEvent]

    @property
    def is_given(self) -> bool:
        if self.purpose.is_opt_out:
            return self.state not in (ConsentEvent.Kind.WITHDRAW, ConsentEvent.Kind.OBJECTION)
        return self.state in ConsentEvent.CONTACTABLE_KINDS


def _language() -> str:
    return (translation.get_language() or "fi").split("-")[0]


def _purposes_for(customer: Customer) -> list[PurposeView]:
    language = _language()
    states = services.consent_states(customer=customer)
    history: dict[int, list[ConsentEvent]] = {}
    for event in ConsentEvent.objects.filter(customer=customer).select_related("text"):
        history.setdefault(event.purpose_id, []).append(event)
    texts = {
        text.purpose_id: text
        for text in ConsentText.objects.published().order_by("purpose_id", "version")
    }
    views = []
    for purpose in Purpose.objects.filter(active=True).order_by("key"):
        text = texts.get(purpose.pk)
        if text is None or not purpose.applies_to(customer):
            continue
        views.append(
            PurposeView(
                purpose=purpose,
                text=text,
                title=text.title(language),
                body=text.text(language),
                state=states.get(purpose.pk),
                history=history.get(purpose.pk, []),
            )
        )
    return views


def _purpose(customer: Customer, key: str) -> Purpose:
    """An active purpose for this kind of customer, or 404."""
    purpose = Purpose.objects.filter(key=key, active=True).first()
    if purpose is None or not purpose.applies_to(customer):
        raise Http404
    return purpose


@portal_view
@require_safe
def preferences(request: HttpRequest, customer: Customer) -> HttpResponse:
    return render(
        request,
        "consents/preferences.html",
        {
            "customer": customer,
            "purposes": _purposes_for(customer),
            "objection_in_force": services.objection_in_force(customer=customer),
        },
    )


def _error_text(error: ValidationError) -> str:
    return " ".join(str(message) for message in error.messages)


@portal_view
@require_POST
def give(request: HttpRequest, customer: Customer, key: str) -> HttpResponse:
    purpose = _purpose(customer, key)
    # The version the page showed: a consent proves agreement to those exact words.
    raw = request.POST.get("text", "")
    text = (
        ConsentText.objects.published().filter(purpose=purpose, pk=int(raw)).first()
        if raw.isdigit()
        else None
    )
    if text is None:
        messages.error(request, _("The consent text has changed. Please read the current text."))
        return redirect("consents:preferences")
    try:
        services.consent_give(
            customer=customer,
            purpose=purpose,
            text=text,
            actor=request.user,
            client_ip=client_ip(request),
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("Thank you: your consent is recorded."))
    return redirect("consents:preferences")


@portal_view
@require_POST
def withdraw(request: HttpRequest, customer: Customer, key: str) -> HttpResponse:
    purpose = _purpose(customer, key)
    try:
        services.consent_withdraw(
            customer=customer, purpose=purpose, actor=request.user, client_ip=client_ip(request)
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("Your consent is withdrawn."))
    return redirect("consents:preferences")


@portal_view
@require_POST
def object_to_marketing(request: HttpRequest, customer: Customer) -> HttpResponse:
    try:
        services.consent_object(customer=customer, actor=request.user, client_ip=client_ip(request))
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request, _("Your objection is recorded: we will not send you direct marketing.")
        )
    return redirect("consents:preferences")


# -- Unsubscribe ---------------------------------------------------------------------------


def _invalid(request: HttpRequest) -> HttpResponse:
    return render(request, "consents/unsubscribe_invalid.html", status=400)


def _is_one_click(request: HttpRequest) -> bool:
    name, value = ONE_CLICK_BODY
    return request.POST.get(name) == value


def _csrf_failure(request: HttpRequest) -> HttpResponse | None:
    """The form POST is CSRF-checked as usual; only the one-click POST is exempt."""
    return CsrfViewMiddleware(lambda _request: HttpResponse()).process_view(request, None, (), {})


@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        target = services.unsubscribe_target(token)
    except services.InvalidToken:
        return _invalid(request)
    text = target.purpose.current_text()
    title = text.title(_language()) if text else target.purpose.name
    if request.method == "POST":
        one_click = _is_one_click(request)
        if not one_click:
            failure = _csrf_failure(request)
            if failure is not None:
                return failure
        services.unsubscribe(target=target, one_click=one_click, client_ip=client_ip(request))
        if one_click:
            # RFC 8058: the mail client only needs to know it worked.
            return HttpResponse(status=200, content_type="text/plain")
        return render(request, "consents/unsubscribe_done.html", {"title": title})
    return render(
        request,
        "consents/unsubscribe_confirm.html",
        {"title": title, "token": token},
    )
