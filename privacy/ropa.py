"""The record of processing activities (GDPR Art 30(1)), derived from the registry, the
recipient list and the controller settings: one row per purpose."""

from collections.abc import Iterator

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from privacy import registry
from privacy.models import Recipient
from privacy.notice import controller_fact, is_outside_eea

COLUMNS = [
    "controller",
    "controller_contact",
    "purpose",
    "legal_basis",
    "legitimate_interest",
    "data_subjects",
    "data_categories",
    "recipients",
    "transfers_outside_eea",
    "erasure_time_limits",
    "security_measures",
]


def security_measures() -> str:
    return _(
        "Role-based access granted per staff member with a reason and an end date; "
        "two-factor authentication for staff; tamper-evident audit log of views, changes, "
        "imports and exports; encrypted connections; backups kept %(backup_days)s days with "
        "restore tested; confidentiality obligations."
    ) % {"backup_days": settings.RETENTION["backup_days"]}


# Which recipients receive data for which purposes (Art 30(1)(d)): system providers host
# everything; product owners get what delivering a purchase needs; authorities get the
# bookkeeping; anyone else is listed everywhere rather than risk leaving them out.
RECIPIENT_PURPOSES: dict[str, set[str] | None] = {
    Recipient.Kind.PROCESSOR: None,
    Recipient.Kind.PRODUCT_OWNER: {"customer_relationship", "invoicing"},
    Recipient.Kind.AUTHORITY: {"bookkeeping"},
    Recipient.Kind.OTHER: None,
}


def _recipients_and_transfers(
    purpose: registry.Purpose, recipients: list[Recipient]
) -> tuple[str, str]:
    relevant = [
        r
        for r in recipients
        if RECIPIENT_PURPOSES.get(r.kind) is None or purpose.key in RECIPIENT_PURPOSES[r.kind]
    ]
    listed = "; ".join(f"{r.name} ({r.get_kind_display()}, {r.country})" for r in relevant)
    transfers = "; ".join(
        _("%(name)s (%(country)s): adequacy decision or standard contractual clauses")
        % {"name": r.name, "country": r.country}
        for r in relevant
        if is_outside_eea(r.country)
    )
    return (
        listed or _("No recipients outside the company"),
        transfers or _("No transfers outside the EEA"),
    )


def rows(language: str = "en") -> Iterator[list[str]]:
    """One row per purpose in use; every column filled."""
    with translation.override(language):
        controller = (
            f"{controller_fact('CONTROLLER_NAME')} ({controller_fact('CONTROLLER_BUSINESS_ID')})"
        )
        contact = "; ".join(
            [controller_fact("CONTROLLER_ADDRESS"), controller_fact("CONTROLLER_PRIVACY_EMAIL")]
        )
        recipients = list(Recipient.objects.order_by("name"))
        summaries = registry.categories_in_use()
        measures = security_measures()
        for purpose in registry.purposes_in_use():
            related = [s for s in summaries if purpose in s.purposes]
            yield [
                controller,
                contact,
                f"{purpose.name}: {purpose.description}",
                str(purpose.basis.label),
                str(purpose.legitimate_interest)
                if purpose.legitimate_interest
                else _("Not applicable: the basis is not legitimate interest"),
                "; ".join(str(registry.DATA_SUBJECTS[k]) for k in purpose.data_subjects),
                "; ".join(str(s.category.name) for s in related),
                *_recipients_and_transfers(purpose, recipients),
                "; ".join(
                    f"{s.category.name}: " + " / ".join(str(r.description) for r in s.retention)
                    for s in related
                ),
                measures,
            ]
