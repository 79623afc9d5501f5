"""Data subject requests on the Art 12(3) clock: receipt, identity, extension, refusal and
completion, each audited by field name and, where the person must hear of it, mailed to them
in their language."""

import logging
import smtplib
from collections.abc import Iterable
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from customers.validators import validate_no_personal_identity_code
from privacy.audit import audited_save
from privacy.models import (
    DataSubjectRequest,
    RecipientNotice,
    add_months,
)

logger = logging.getLogger(__name__)

Status = DataSubjectRequest.Status

# Steps after which the request is being worked on; a request must be started (and so have
# had its identity checked) before it can be completed.
STARTABLE = (Status.RECEIVED, Status.IDENTITY_CHECK)
EXTENDABLE = (Status.RECEIVED, Status.IDENTITY_CHECK, Status.IN_PROGRESS)
COMPLETABLE = (Status.IN_PROGRESS, Status.EXTENDED)


def first_due_on(request: DataSubjectRequest) -> date:
    """The Art 12(3) one-month date, whatever extension came later."""
    return add_months(request.received_on, 1)


# -- Mail to the person --------------------------------------------------------------------


def _portal_url() -> str:
    return f"{settings.SITE_URL}{reverse('portal:requests')}"


def _render_mail(template: str, language: str, context: dict) -> tuple[str, str]:
    """Subject and plain-text body of templates/emails/requests/<template>_*.txt, rendered in
    `language` so dates, request kinds and texts come out as the person reads them."""
    with translation.override(language):
        subject = render_to_string(f"emails/requests/{template}_subject.txt", context)
        body = render_to_string(f"emails/requests/{template}_body.txt", context)
    return " ".join(subject.split()), body


def _person_mail(request: DataSubjectRequest, template: str, **extra: object) -> tuple[str, str]:
    customer = request.customer
    language = customer.language if customer is not None else settings.LANGUAGE_CODE
    context = {
        "request": request,
        "portal_url": _portal_url(),
        "controller_name": settings.CONTROLLER_NAME,
        **extra,
    }
    return _render_mail(template, language, context)


def _mail_address(request: DataSubjectRequest) -> str:
    return request.customer.email if request.customer is not None else ""


def _mail_person(
    request: DataSubjectRequest, template: str, *, required: bool, **extra: object
) -> bool:
    """Send a mail that tells the person what the law says they must be told; False when
    there is no address (staff then answer by the channel the request came through).

    Sent inside the caller's transaction: when the mail cannot be sent the step is not
    recorded either, so the register never claims the person was told when they were not.
    With `required`, a missing address refuses the step for the same reason.
    """
    address = _mail_address(request)
    if not address:
        if required:
            raise ValidationError(
                {"customer": _("The person has no email address on record to tell them by mail.")},
                code="no_email",
            )
        return False
    subject, body = _person_mail(request, template, **extra)
    try:
        send_mail(subject, body, None, [address])
    except (OSError, smtplib.SMTPException) as exc:
        logger.warning("Mail %s for request %s failed: %s", template, request.pk, exc)
        raise ValidationError(
            _("The mail to the person could not be sent; nothing was changed. Try again."),
            code="mail_failed",
        ) from exc
    return True


def _require_open(request: DataSubjectRequest, allowed: Iterable[str]) -> None:
    if request.status not in allowed:
        raise ValidationError(
            {
                "status": _("This step is not possible for a request that is %(status)s.")
                % {"status": request.get_status_display().lower()}
            },
            code="wrong_status",
        )


def _locked(request: DataSubjectRequest) -> DataSubjectRequest:
    """The row, locked for this transaction, so two staff pressing buttons at once cannot
    both move the same request."""
    return (
        DataSubjectRequest.objects.select_for_update(of=("self",))
        .select_related("customer")
        .get(pk=request.pk)
    )


# -- The steps -----------------------------------------------------------------------------


@transaction.atomic
def request_create(
    *,
    customer: models.Model | None,
    kind: str,
    channel: str,
    details: str = "",
    data_concerned: Iterable[str] = (),
    identity_method: str = "",
    received_on: date | None = None,
    actor: models.Model | None,
    client_ip: str | None = None,
) -> DataSubjectRequest:
    """Record a data subject request; its one-month clock (Art 12(3)) starts on the Helsinki
    date it reached us (today unless staff log a letter or call that came earlier), and
    mail the person a receipt with the due date."""
    today = timezone.localdate()
    if received_on is not None and received_on > today:
        raise ValidationError(
            {"received_on": _("A request cannot be received in the future.")}, code="future"
        )
    request = DataSubjectRequest(
        customer=customer,
        kind=kind,
        channel=channel,
        received_on=received_on or today,
        details=details,
        data_concerned=sorted(set(data_concerned)),
        identity_method=identity_method,
        created_by_id=getattr(actor, "pk", None),
    )
    audited_save(
        instance=request,
        actor=actor,
        changed_fields=["kind", "channel", *request.data_concerned],
        client_ip=client_ip,
    )
    address = _mail_address(request)
    if address:
        subject, body = _person_mail(request, "received")
        try:
            send_mail(subject, body, None, [address])
        except (OSError, smtplib.SMTPException):
            # The receipt is a courtesy; the request itself must never be lost because the
            # mail server is down (the clock runs from receipt either way).
            logger.warning("Receipt mail for request %s failed", request.pk, exc_info=True)
    return request


@transaction.atomic
def request_identity_verify(
    *,
    request: DataSubjectRequest,
    method: str,
    note: str = "",
    actor: models.Model | None,
    client_ip: str | None = None,
) -> DataSubjectRequest:
    """Record how the person's identity was verified (Art 12(6)); a request waiting for
    that check moves on to in progress."""
    request = _locked(request)
    _require_open(request, DataSubjectRequest.OPEN_STATUSES)
    if method not in DataSubjectRequest.IdentityMethod.values:
        raise ValidationError(
            {"identity_method": _("Choose how the identity was verified.")}, code="invalid"
        )
    note = note.strip()
    if note:
        # The person sees their requests (Art 15), so the note never holds identity codes.
        try:
            validate_no_personal_identity_code(note)
        except ValidationError as exc:
            raise ValidationError({"note": exc.messages}, code="henkilotunnus") from exc
    fields = ["identity_method"]
    request.identity_method = method
    if note:
        request.identity_note = note
        fields.append("identity_note")
    if request.status in STARTABLE:
        request.status = Status.IN_PROGRESS
        fields.append("status")
    audited_save(instance=request, update_fields=fields, actor=actor, client_ip=client_ip)
    return request


@transaction.atomic
def request_start(
    *,
    request: DataSubjectRequest,
    actor: models.Model | None,
    client_ip: str | None = None,
) -> DataSubjectRequest:
    """Start work: in progress when the identity is known, otherwise the identity check
    comes first (nobody's data goes to someone who only claims to be them)."""
    request = _locked(request)
    _require_open(request, STARTABLE)
    target = Status.IN_PROGRESS if request.identity_method else Status.IDENTITY_CHECK
    if request.status == target:
        raise ValidationError(
            {"identity_method": _("Verify the person's identity first.")}, code="no_identity"
        )
    request.status = target
    audited_save(instance=request, update_fields=["status"], actor=actor, client_ip=client_ip)
    return request


@transaction.atomic
def request_extend(
    *,
    request: DataSubjectRequest,
    reason: str,
    actor: models.Model | None,
    client_ip: str | None = None,
) -> DataSubjectRequest:
    """Extend the answer time by two months (Art 12(3)): only with a reason, once, and only
    before the first due date, telling the person now, by mail, why and until when."""
    request = _locked(request)
    _require_open(request, EXTENDABLE)
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            {"extension_reason": _("Give the reason for the extension; the person is told it.")},
            code="required",
        )
    today = timezone.localdate()
    first_due = first_due_on(request)
    if today >= first_due:
        raise ValidationError(
            {
                "person_told_of_extension_on": _(
                    "Too late to extend: the person must be told before the first due date "
                    "(%(due)s)."
                )
                % {"due": first_due.isoformat()}
            },
            code="too_late",
        )
    request.extension_reason = reason
    request.person_told_of_extension_on = today
    request.status = Status.EXTENDED
    audited_save(
        instance=request,
        update_fields=["extension_reason", "person_told_of_extension_on", "status"],
        actor=actor,
        client_ip=client_ip,
    )
    # The extension counts only if the person hears of it now (Art 12(3)): no address, no
    # extension (the transaction undoes the step).
    _mail_person(request, "extended", required=True, first_due_on=first_due)
    return request


@transaction.atomic
def request_refuse(
    *,
    request: DataSubjectRequest,
    reasons: str,
    actor: models.Model | None,
    client_ip: str | None = None,
) -> DataSubjectRequest:
    """Refuse the request (Art 12(4)): the reasons and the right to complain to the
    supervisory authority are stored as the outcome and mailed to the person."""
    request = _locked(request)
    _require_open(request, DataSubjectRequest.OPEN_STATUSES)
    reasons = reasons.strip()
    if not reasons:
        raise ValidationError(
            {"outcome": _("Give the reasons for the refusal; the person is told them.")},
            code="required",
        )
    language = request.customer.language if request.customer else settings.LANGUAGE_CODE
    with translation.override(language):
        complaint = render_to_string("emails/requests/complaint_right.txt").strip()
    request.outcome = f"{reasons}\n\n{complaint}"
    request.status = Status.REFUSED
    request.closed_on = timezone.localdate()
    audited_save(
        instance=request,
        update_fields=["outcome", "status", "closed_on"],
        actor=actor,
        client_ip=client_ip,
    )
    _mail_person(request, "refused", required=False, reasons=reasons, complaint=complaint)
    return request


@transaction.atomic
def request_complete(
    *,
    request: DataSubjectRequest,
    outcome: str,
    actor: models.Model | None,
    client_ip: str | None = None,
) -> DataSubjectRequest:
    """Close the request as done and tell the person what was done. Not while an Art 19
    notice to a recipient is still pending: each must be sent or have a recorded reason."""
    request = _locked(request)
    _require_open(request, COMPLETABLE)
    outcome = outcome.strip()
    if not outcome:
        raise ValidationError(
            {"outcome": _("Describe what was done; the person is told it.")}, code="required"
        )
    pending = RecipientNotice.objects.filter(
        request=request, status=RecipientNotice.Status.PENDING
    ).count()
    if pending:
        raise ValidationError(
            {
                "recipient_notices": ngettext(
                    "%(count)d notice to a recipient (Art 19) is still to be sent: send it "
                    "or record why it was not sent first.",
                    "%(count)d notices to recipients (Art 19) are still to be sent: send "
                    "each or record why it was not sent first.",
                    pending,
                )
                % {"count": pending}
            },
            code="notices_pending",
        )
    request.outcome = outcome
    request.status = Status.DONE
    request.closed_on = timezone.localdate()
    audited_save(
        instance=request,
        update_fields=["outcome", "status", "closed_on"],
        actor=actor,
        client_ip=client_ip,
    )
    _mail_person(request, "completed", required=False)
    return request
