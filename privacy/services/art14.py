"""Art 14: people whose data the register got from somewhere other than themselves are
sent the privacy notice within one month of obtaining it (Art 14(3)(a)).

Which sources count as "from the person" (Art 13, told at collection): only `web_form`
and `self_service`, where the person typed the data in themselves next to a link to the
notice. Everything else counts as another source and needs the notice: `import`,
`social_media` and `other` plainly; and `email`, `phone`, `meeting` and `contract` too,
because those records are staff entries and the register cannot tell whether the person
or someone else (their employer, a colleague buying for the company) gave the data, nor
whether the notice was given then. Sending the notice once too often costs nothing;
missing it breaks Art 14.

Only people (kind "person") are covered: an organization is not a data subject.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from customers.models import Customer, DataSource
from privacy.audit import audit_event_record
from privacy.models import AuditEvent, add_months

FROM_THE_PERSON = frozenset({DataSource.WEB_FORM, DataSource.SELF_SERVICE})
NOTICE_WITHIN_MONTHS = 1


def art14_pending() -> QuerySet[Customer]:
    """People from another source who have not been sent the notice, oldest first."""
    return (
        Customer.objects.persons()
        .exclude(source__in=FROM_THE_PERSON)
        .filter(notice_sent_at__isnull=True, erased_at__isnull=True)
        .order_by("obtained_at", "pk")
    )


def art14_due_on(customer: Customer) -> date:
    """The last day to send the notice: one month after the data was obtained
    (Helsinki calendar date, Art 12(3)-style month arithmetic)."""
    return add_months(timezone.localdate(customer.obtained_at), NOTICE_WITHIN_MONTHS)


def art14_notice_url(language: str) -> str:
    return f"{settings.SITE_URL}{reverse('privacy:notice')}?lang={language}"


def needs_other_channel(customer: Customer) -> bool:
    """No email address, or restricted (Art 18: the data is only stored, so it is not used
    for mailing; the DPO decides how to inform the person)."""
    return not customer.email or customer.restricted


@dataclass
class Art14Report:
    sent: list[Customer] = field(default_factory=list)
    other_channel: list[Customer] = field(default_factory=list)
    failed: list[tuple[Customer, str]] = field(default_factory=list)


def _mail(customer: Customer) -> None:
    with translation.override(customer.language):
        context = {
            "customer": customer,
            "notice_url": art14_notice_url(customer.language),
            "controller": settings.CONTROLLER_NAME,
            "source": customer.get_source_display(),
            "privacy_email": settings.CONTROLLER_PRIVACY_EMAIL,
        }
        subject = render_to_string("emails/art14/notice_subject.txt", context).strip()
        body = render_to_string("emails/art14/notice_body.txt", context)
    EmailMessage(subject, body, to=[customer.email]).send()


@transaction.atomic
def art14_notice_send(*, customer: Customer, now: datetime) -> Customer:
    """Mail one person the notice link in their language and record when (Art 14)."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.notice_sent_at is not None:
        return customer  # sent by another run meanwhile
    # update() rather than save(): only this column changes, and updated_at keeps meaning
    # "the person's data changed".
    Customer.objects.filter(pk=customer.pk).update(notice_sent_at=now)
    customer.notice_sent_at = now
    _mail(customer)
    audit_event_record(
        action=AuditEvent.Action.CHANGE,
        actor=None,
        obj=customer,
        changed_fields=["notice_sent_at"],
    )
    return customer


def art14_notices_send(*, now: datetime | None = None, dry_run: bool = False) -> Art14Report:
    """Send every pending Art 14 notice (daily cron). Each person is one transaction, so
    a failing address does not hold back the others; those without a usable channel are
    reported for the DPO."""
    now = now or timezone.now()
    report = Art14Report()
    for customer in art14_pending().iterator(chunk_size=500):
        if needs_other_channel(customer):
            report.other_channel.append(customer)
            continue
        if dry_run:
            report.sent.append(customer)
            continue
        try:
            report.sent.append(art14_notice_send(customer=customer, now=now))
        except Exception as exc:  # one bad address must not stop the run
            report.failed.append((customer, str(exc) or exc.__class__.__name__))
    return report
