"""What an erasure (Art 17) of one customer would erase and what it must keep, and until when.

Derived from the registry, record by record, so the portal's preview says exactly what the
erasure engine will do: fields marked delete or anonymise are erased; bookkeeping holds keep
invoicing records (Accounting Act 2:10, Art 17(3)(b)) until a date computed per record;
records marked keep (requests, audit events) stay without personal values.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db import models
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from customers.models import Customer, Purchase, helsinki_today
from privacy import registry
from privacy.models import AuditEvent
from privacy.subject_data import subject_activity, subject_data

HOLD_REASON = _(
    "The Accounting Act (kirjanpitolaki 1336/1997, chapter 2 section 10) requires invoicing "
    "records to be kept (GDPR Art 17(3)(b)). Until that period ends they are restricted: kept, not used."
)
# Why records marked "keep" stay, by model; the registry marks requests and audit events so.
KEEP_REASON = _("Proof of how your data was handled (GDPR Art 5(2)), without your own words.")
REQUEST_REASON = _(
    "Proof that your data protection requests were handled (GDPR Art 5(2)). Your own words "
    "in them are removed; the request no longer names you."
)
AUDIT_REASON = _(
    "The security log of what was done in the register (GDPR Art 5(2) and 32). It names "
    "people only by a number that no longer leads to you once your data is erased."
)


@dataclass(frozen=True)
class ErasedItem:
    category: registry.Category
    record: str  # the kind of record, e.g. "customer"
    title: str
    fields: tuple[str, ...]  # field labels


@dataclass(frozen=True)
class KeptItem:
    category: registry.Category
    record: str
    title: str
    fields: tuple[str, ...]
    reason: Promise
    # The day the hold ends (its whole day included); None when kept for a retention
    # period that does not end on a known day yet (e.g. requests: years after closing).
    until: date | None
    retention: str


@dataclass
class ErasurePreview:
    erased: list[ErasedItem] = field(default_factory=list)
    kept: list[KeptItem] = field(default_factory=list)

    @property
    def held_until(self) -> date | None:
        """The last day any invoicing record is kept."""
        return max((item.until for item in self.kept if item.until), default=None)


def _has_value(value: object) -> bool:
    return value not in (None, "", [], False)


def _customer_of(instance: models.Model) -> Customer | None:
    if isinstance(instance, Customer):
        return instance
    customer = getattr(instance, "customer", None)
    return customer if isinstance(customer, Customer) else None


def _current(until: date | None, today: date) -> date | None:
    """A hold that already ended keeps nothing: the record goes now (its whole last day
    still counts as held)."""
    return until if until is not None and until >= today else None


def _latest_voucher_hold(
    customer: Customer | None, cache: dict[int, date | None], today: date
) -> date | None:
    """The hold of a customer's newest purchase: their billing details are needed as long
    as any of their invoices is kept. None when they have no purchases: nothing to keep."""
    if customer is None:
        return None
    if customer.pk not in cache:
        newest = (
            Purchase.objects.filter(customer=customer)
            .order_by("-purchased_on")
            .values_list("purchased_on", flat=True)
            .first()
        )
        cache[customer.pk] = registry.voucher_hold_until(newest) if newest else None
    return _current(cache[customer.pk], today)


def customer_hold_until(customer: Customer, today: date | None = None) -> date | None:
    """How long the erased customer's row (the shell) must stay: as long as any invoice
    it is named on, as the buyer or as the one who bought for an organization, is kept."""
    today = today or helsinki_today()
    newest = (
        Purchase.objects.filter(Q(customer=customer) | Q(purchased_by=customer))
        .order_by("-purchased_on")
        .values_list("purchased_on", flat=True)
        .first()
    )
    return _current(registry.voucher_hold_until(newest) if newest else None, today)


def record_hold_until(
    instance: models.Model, cache: dict[int, date | None], today: date
) -> date | None:
    """The day a record with bookkeeping-held fields is kept until, or None when no hold
    applies to it (no invoice needs it, or the hold has already ended). The preview and
    the erasure engine (privacy.services.erasure) both decide through this."""
    if isinstance(instance, Purchase):
        return _current(registry.voucher_hold_until(instance.purchased_on), today)
    if isinstance(instance, Customer):
        return customer_hold_until(instance, today)
    return _latest_voucher_hold(_customer_of(instance), cache, today)


def erasure_preview(customer: Customer, today: date | None = None) -> ErasurePreview:
    """What erasing `customer` would erase and keep, per record, read from the registry.
    The erasure engine builds its receipt from this, so the two cannot disagree."""
    today = today or helsinki_today()
    preview = ErasurePreview()
    holds: dict[int, date | None] = {}
    for block in subject_data(customer):
        for record in block.records:
            erased: list[str] = []
            held: list[str] = []
            kept: list[str] = []
            retention: list[str] = []
            for value in record.fields:
                if not _has_value(value.value):
                    continue
                decl = registry.declaration_for(record.model, value.name)
                if not isinstance(decl, registry.PersonalField):
                    continue
                if decl.erasure == registry.Erasure.HOLD:
                    held.append(value.label)
                elif decl.erasure == registry.Erasure.KEEP:
                    kept.append(value.label)
                    description = registry.RETENTION[decl.retention].description
                    if description not in retention:
                        retention.append(description)
                else:
                    erased.append(value.label)
            if held:
                until = record_hold_until(record.instance, holds, today)
                if until is None:
                    # No invoice needs these details: the hold does not apply.
                    erased += held
                else:
                    preview.kept.append(
                        KeptItem(
                            block.category,
                            record.model_name,
                            record.title,
                            tuple(held),
                            HOLD_REASON,
                            until,
                            str(registry.RETENTION["vouchers"].description),
                        )
                    )
            if kept:
                preview.kept.append(
                    KeptItem(
                        block.category,
                        record.model_name,
                        record.title,
                        tuple(kept),
                        REQUEST_REASON
                        if record.model == "privacy.datasubjectrequest"
                        else KEEP_REASON,
                        None,
                        "; ".join(retention),
                    )
                )
            if erased:
                preview.erased.append(
                    ErasedItem(block.category, record.model_name, record.title, tuple(erased))
                )
    _add_audit_log(customer, preview)
    return preview


def _add_audit_log(customer: Customer, preview: ErasurePreview) -> None:
    """Audit events are not about the subject in the registry's sense (they hold no
    personal values) but they do mention the person's id: say that they stay."""
    count = subject_activity(customer).count()
    if not count:
        return
    kept = [f for f in registry.personal_fields(AuditEvent) if f.erasure == registry.Erasure.KEEP]
    retentions = {registry.RETENTION[f.retention].description for f in kept}
    preview.kept.append(
        KeptItem(
            registry.CATEGORIES["web_service"],
            str(AuditEvent._meta.verbose_name_plural),
            ngettext("%(count)s event", "%(count)s events", count) % {"count": count},
            tuple(str(AuditEvent._meta.get_field(f.name).verbose_name) for f in kept),
            AUDIT_REASON,
            None,
            "; ".join(sorted(retentions)),
        )
    )
