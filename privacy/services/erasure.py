"""The erasure engine (GDPR Art 17): one customer, all or nothing, driven by the registry.

What goes and what stays is decided record by record through `privacy.erasure`, the same
code that builds the portal's preview, and the receipt is built from that preview, so what
the person was shown, what the receipt says and what the database holds afterwards agree.

- Fields marked delete are emptied (null, "", False; a required date becomes the time of
  the erasure), or the whole row is deleted when nothing held or kept is left on it.
- Fields marked anonymise get a neutral placeholder; marked keep stay (they name nobody).
- Rows holding bookkeeping-held fields (purchases, billing) are kept, restricted, with
  `held_until` (Accounting Act 2:10); a hold that already ended holds nothing.
- The Customer row becomes a *shell* while anything about the person is held: named
  "Erased customer", contact fields empty, a fresh random public ID, restricted, with
  `erased_at` and `held_until` (the last hold). Two fields stay as they were because the
  row's constraints need them and they identify nobody: `kind` and `language` (reset to
  the default). With nothing held the Customer row is deleted.
- A row of someone else that names the person (an organization's purchase the person
  made) is not deleted: the link is kept while the invoice is held, cleared otherwise.
- The portal account goes with its email addresses, confirmations, MFA authenticators,
  user sessions and the Django sessions they name; admin log entries about the person's
  records or by their account go (their object_repr holds names). Consent events go
  through `consent_events_erase` (an objector keeps a suppression hash). Audit events stay
  (ids only) and one more is added. Art 19 notices are created before anything goes.

Running it twice: an already erased customer (a shell, or one no longer in the database)
is left alone; the second call returns an unsaved, empty receipt (`pk` None) and writes,
journals and mails nothing.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import models, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from consents.services import consent_events_erase
from customers.models import (
    Authorization,
    BillingProfile,
    Customer,
    Purchase,
    helsinki_today,
)
from privacy import registry
from privacy.audit import audit_event_record
from privacy.erasure import ErasurePreview, customer_hold_until, erasure_preview, record_hold_until
from privacy.journal import journal_append, journal_entries, journal_reconcile
from privacy.models import AuditEvent, DataSubjectRequest, ErasureReceipt
from privacy.services.disclosures import recipient_notices_create
from privacy.subject_data import subject_querysets

logger = logging.getLogger(__name__)

SHELL_NAME = "Erased customer"
ANONYMISED = "[erased]"
SHELL_RESTRICTION_REASON = "Erased (GDPR Art 17): kept only for bookkeeping (Accounting Act 2:10)."
# Reasons as stored in the receipt (the mail says them in full, in the person's language).
HOLD_REASON_CODE = "Accounting Act 2:10"
KEEP_REASON_CODE = "GDPR Art 5(2)"
# Handled by their own steps, in this order, after the generic walk over the registry.
_OWN_STEPS = ("consents.consentevent", "customers.user", "customers.customer")


def _neutral(model_field: models.Field, now: datetime) -> Any:
    """The value an erased field is left with when its row stays."""
    if model_field.null:
        return None
    if isinstance(model_field, models.DateTimeField):
        return now
    if isinstance(model_field, models.DateField):
        return timezone.localdate(now)
    if isinstance(model_field, models.BooleanField):
        return False
    if isinstance(model_field, models.UUIDField):
        return uuid.uuid4()
    if isinstance(model_field, models.JSONField):
        return []
    if isinstance(model_field, models.CharField | models.TextField):
        return ""
    if isinstance(model_field, models.IntegerField | models.DecimalField | models.FloatField):
        return 0
    raise TypeError(f"No neutral value for {model_field!r}")


def _has_value(value: Any) -> bool:
    return value not in (None, "", [], {}, False)


def _names_subject(instance: models.Model, path: str, customer: Customer) -> bool:
    """Whether `instance` is the person's own record through `path` (a record reached
    through their account, user__customer, is theirs too)."""
    if path == "" or "__" in path:
        return True
    model_field = instance._meta.get_field(path)
    if model_field.many_to_many:
        return False  # a shared log (disclosures): never the person's own row
    return getattr(instance, model_field.attname) == customer.pk


def _erase_record(
    label: str,
    instance: models.Model,
    customer: Customer,
    holds: dict[int, date | None],
    today: date,
    now: datetime,
) -> str:
    """Erase one record about `customer` as the registry says; returns what was done."""
    declaration = registry.REGISTRY[label]
    model = type(instance)
    personal = [d for d in declaration.fields.values() if isinstance(d, registry.PersonalField)]
    held = any(d.erasure == registry.Erasure.HOLD for d in personal)
    until = record_hold_until(instance, holds, today) if held else None
    primary = declaration.subjects[0]

    if not _names_subject(instance, primary, customer):
        # Someone else's record that names the person: unlink them unless it is held.
        for path in declaration.subjects:
            model_field = model._meta.get_field(path.split("__")[0])
            if model_field.many_to_many:
                getattr(instance, model_field.name).remove(customer)
                return "unlinked"
            if until is None and getattr(instance, model_field.attname) == customer.pk:
                model._default_manager.filter(pk=instance.pk).update(**{model_field.attname: None})
                return "unlinked"
        return "held" if until else "untouched"

    keeps = any(
        d.erasure == registry.Erasure.KEEP
        and _has_value(getattr(instance, model._meta.get_field(d.name).attname, None))
        for d in personal
        if not model._meta.get_field(d.name).many_to_many
    )
    if until is None and not keeps:
        instance.delete()
        return "deleted"

    changes: dict[str, Any] = {}
    for decl in personal:
        model_field = model._meta.get_field(decl.name)
        if model_field.many_to_many:
            getattr(instance, decl.name).clear()
            continue
        value = getattr(instance, model_field.attname)
        erase = decl.erasure == registry.Erasure.DELETE or (
            decl.erasure == registry.Erasure.HOLD and until is None
        )
        if erase and _has_value(value):
            changes[model_field.attname] = _neutral(model_field, now)
        elif decl.erasure == registry.Erasure.ANONYMISE and _has_value(value):
            changes[model_field.attname] = ANONYMISED
    if until is not None and "held_until" in {f.name for f in model._meta.concrete_fields}:
        changes["held_until"] = until
    if changes:
        # update(): the row keeps no auto_now time of its own, and the neutral values
        # need not pass the forms' validation (the record is no longer anyone's).
        model._default_manager.filter(pk=instance.pk).update(**changes)
    return "held" if until else "kept"


def _log_entry_condition(
    targets: dict[type[models.Model], set[str]], user_id: int | None
) -> Q | None:
    condition = Q()
    for model, pks in targets.items():
        condition |= Q(content_type=ContentType.objects.get_for_model(model), object_id__in=pks)
    if user_id is not None:
        condition |= Q(user_id=user_id)
    return condition or None


def _receipt_lists(preview: ErasurePreview) -> tuple[list[dict], list[dict]]:
    """The preview, summed up per category: names, counts, reasons and dates only."""
    erased: dict[str, dict[str, Any]] = {}
    for item in preview.erased:
        entry = erased.setdefault(
            item.category.key, {"category": item.category.key, "fields": set(), "records": 0}
        )
        entry["fields"].update(item.fields)
        entry["records"] += 1
    kept: dict[tuple[str, str, str | None], dict[str, Any]] = {}
    for item in preview.kept:
        reason = HOLD_REASON_CODE if item.until else KEEP_REASON_CODE
        until = item.until.isoformat() if item.until else None
        entry = kept.setdefault(
            (item.category.key, reason, until),
            {
                "category": item.category.key,
                "fields": set(),
                "records": 0,
                "reason": reason,
                "until": until,
            },
        )
        entry["fields"].update(item.fields)
        entry["records"] += 1
    return (
        [{**e, "fields": sorted(e["fields"])} for e in erased.values()],
        [{**e, "fields": sorted(e["fields"])} for e in kept.values()],
    )


def _mail_receipt(receipt_id: int, email: str, language: str) -> None:
    """Sent after the commit: a mail server that is down must not undo an erasure. An
    unsent receipt keeps mailed_at empty, so the DPO sees it and can send it by hand."""
    receipt = ErasureReceipt.objects.get(pk=receipt_id)
    with translation.override(language):
        context = {
            "receipt": receipt,
            "erased": [
                {**e, "name": registry.CATEGORIES[e["category"]].name} for e in receipt.erased
            ],
            "kept": [
                {
                    **k,
                    "name": registry.CATEGORIES[k["category"]].name,
                    "until": date.fromisoformat(k["until"]) if k["until"] else None,
                }
                for k in receipt.kept
            ],
            "privacy_email": settings.CONTROLLER_PRIVACY_EMAIL,
        }
        subject = gettext("Your data has been erased")
        body = render_to_string("emails/erasure_receipt.txt", context)
    send_mail(subject, body, None, [email])
    ErasureReceipt.objects.filter(pk=receipt_id).update(mailed_at=timezone.now())


@transaction.atomic
def customer_erase(
    *,
    customer: Customer,
    actor: models.Model | None,
    request: DataSubjectRequest | None = None,
    client_ip: str | None = None,
    notify_customer: bool = True,
) -> ErasureReceipt:
    """Erase everything the registry marks erasable about `customer` now, keep what the
    Accounting Act holds (Art 17(3)(b)), tell recipients (Art 19), journal it and store
    and mail a receipt. `notify_customer=False` is for `restore`'s replay."""
    locked = Customer.objects.select_for_update().filter(pk=customer.pk).first()
    if locked is None or locked.erased_at is not None:
        return ErasureReceipt(customer_public_id=customer.public_id, erased=[], kept=[])
    customer = locked
    user = customer.user
    if user is not None and user.is_staff:
        raise ValidationError(
            _("This customer's account is also a staff account: end its staff access first."),
            code="staff_account",
        )
    now = timezone.now()
    today = helsinki_today()
    # Captured before the data goes: the receipt names the person by the public ID they
    # knew, in their language, at their address.
    public_id = customer.public_id
    language = customer.language
    email = customer.email or (user.email if user else "")

    with translation.override("en"):
        # Field labels stored in English; the mail translates the categories.
        erased, kept = _receipt_lists(erasure_preview(customer, today))

    recipient_notices_create(
        customer=customer, kind="erasure", request=request, actor=actor, client_ip=client_ip
    )

    querysets = dict(subject_querysets(customer))
    log_targets: dict[type[models.Model], set[str]] = defaultdict(set)
    for queryset in querysets.values():
        for pk in queryset.values_list("pk", flat=True):
            log_targets[queryset.model].add(str(pk))

    consent_events_erase(customer=customer, actor=actor)

    if user is not None:
        # Django sessions are opaque until decoded (costly); allauth's user sessions name
        # their keys, so those rows go first, then everything hanging off the account.
        from allauth.usersessions.models import UserSession

        keys = UserSession.objects.filter(user=user).values_list("session_key", flat=True)
        Session.objects.filter(session_key__in=list(keys)).delete()

    holds: dict[int, date | None] = {}
    done: dict[str, int] = defaultdict(int)
    for label, queryset in querysets.items():
        if label in _OWN_STEPS:
            continue
        for instance in list(queryset):
            done[_erase_record(label, instance, customer, holds, today, now)] += 1

    log_condition = _log_entry_condition(log_targets, user.pk if user else None)
    if log_condition is not None:
        LogEntry.objects.filter(log_condition).delete()
    if user is not None:
        customer.user = None
        Customer.objects.filter(pk=customer.pk).update(user=None)
        user.delete()

    until = customer_hold_until(customer, today)
    if until is None:
        customer.delete()
    else:
        shell: dict[str, Any] = {}
        for decl in registry.personal_fields(Customer):
            model_field = Customer._meta.get_field(decl.name)
            if decl.erasure in (registry.Erasure.DELETE, registry.Erasure.ANONYMISE):
                shell[model_field.attname] = _neutral(model_field, now)
        shell.update(
            kind=customer.kind,  # the row's constraints need it; it names nobody
            name=SHELL_NAME,
            language=settings.LANGUAGE_CODE,
            restricted=True,
            restricted_at=now,
            restriction_reason=SHELL_RESTRICTION_REASON,
            erased_at=now,
            held_until=until,
        )
        Customer.objects.filter(pk=customer.pk).update(**shell)

    receipt = ErasureReceipt(
        customer_public_id=public_id,
        request=request,
        erased=erased,
        kept=kept,
        language=language,
        created_by_id=getattr(actor, "pk", None),
    )
    receipt.full_clean()
    receipt.save()
    audit_event_record(
        action=AuditEvent.Action.DELETE,
        actor=actor,
        object_type=Customer._meta.label_lower,
        object_id=customer.pk,
        changed_fields=[e["category"] for e in erased],
        row_count=sum(done.values()),
        client_ip=client_ip,
    )
    receipt_id = receipt.pk
    transaction.on_commit(
        lambda: journal_append(customer_public_id=str(public_id), receipt_id=receipt_id),
        robust=True,
    )
    if notify_customer and email:
        transaction.on_commit(lambda: _mail_receipt(receipt_id, email, language), robust=True)
    return receipt


# -- Retention (manage.py purge_expired) ------------------------------------------------------

# Rows the retention purge deletes per statement (and holds in memory as ids).
PURGE_BATCH_SIZE = 1000


@dataclass
class PurgeReport:
    held_purchases: int = 0
    held_billing_profiles: int = 0
    shells: int = 0
    relationships_ended: list[str] = field(default_factory=list)  # public IDs
    restricted_skipped: int = 0
    addresses_cleared: int = 0
    requests_deleted: int = 0
    journal_lines_restored: int = 0


def relationship_last_sign(customer: Customer) -> date | None:
    """The last sign of the customer relationship (DESIGN.md, "Default retention"): the
    latest of their purchases (as buyer or for an organization), the end of their last
    authorization (either side), their portal account's last sign-in and the record's last
    change (staff contact is recorded there). None while an authorization is still valid:
    the relationship has not ended."""
    today = helsinki_today()
    authorizations = Authorization.objects.filter(Q(person=customer) | Q(organization=customer))
    if authorizations.active(today).exists():
        return None
    signs: list[date] = [timezone.localdate(customer.updated_at)]
    newest = (
        Purchase.objects.filter(Q(customer=customer) | Q(purchased_by=customer))
        .order_by("-purchased_on")
        .values_list("purchased_on", flat=True)
        .first()
    )
    if newest:
        signs.append(newest)
    ended = authorizations.exclude(valid_until=None).order_by("-valid_until").first()
    if ended:
        signs.append(ended.valid_until)
    if customer.user_id and customer.user.last_login:
        signs.append(timezone.localdate(customer.user.last_login))
    return max(signs)


def _first_day_kept(today: date) -> date:
    """The earliest last sign whose relationship retention still runs on `today`: a
    relationship whose every sign is older has ended long enough ago. The rule stays
    `registry.relationship_retention_ends` (monotonic); this turns it into one date the
    database can compare with."""
    years = settings.RETENTION["relationship_years"]
    day = registry.add_years(today, -years) - timedelta(days=3)
    while registry.relationship_retention_ends(day) < today:
        day += timedelta(days=1)
    return day


def _relationship_ended(today: date) -> models.QuerySet[Customer]:
    """Customers whose relationship ended more than the retention period ago, found by the
    database in one query: no sign of `relationship_last_sign` (the record's last change,
    a purchase, the end of an authorization on either side, a sign-in) on or after the
    first day still kept, and no authorization valid today. Restricted ones included."""
    first_kept = _first_day_kept(today)
    # The signs are Helsinki dates: a time counts from the local midnight of that day.
    since = timezone.make_aware(datetime.combine(first_kept, time.min))
    customer = models.OuterRef("pk")
    valid = Authorization.objects.active(today)
    ended_late = Authorization.objects.filter(valid_until__gte=first_kept)
    bought_late = Purchase.objects.filter(purchased_on__gte=first_kept)
    return Customer.objects.filter(
        ~models.Exists(valid.filter(person=customer)),
        ~models.Exists(valid.filter(organization=customer)),
        ~models.Exists(ended_late.filter(person=customer)),
        ~models.Exists(ended_late.filter(organization=customer)),
        ~models.Exists(bought_late.filter(customer=customer)),
        ~models.Exists(bought_late.filter(purchased_by=customer)),
        Q(user__isnull=True) | Q(user__last_login__isnull=True) | Q(user__last_login__lt=since),
        erased_at__isnull=True,
        updated_at__lt=since,
    )


def _delete_in_batches(queryset: models.QuerySet) -> int:
    """Delete the rows `queryset` selects, PURGE_BATCH_SIZE at a time in primary-key order
    (each batch starts where the last one ended, so the whole table is read once): memory
    and statements stay bounded however much has piled up. Returns the rows deleted."""
    model = queryset.model
    deleted, last_pk = 0, None
    while True:
        batch = queryset.order_by("pk")
        if last_pk is not None:
            batch = batch.filter(pk__gt=last_pk)
        pks = list(batch.values_list("pk", flat=True)[:PURGE_BATCH_SIZE])
        if not pks:
            return deleted
        last_pk = pks[-1]
        deleted += _delete_rows(model, pks)


def _delete_rows(model: type[models.Model], pks: list[int]) -> int:
    if model is Customer:
        # Whatever else still hangs off a shell (its requests) is unlinked by SET_NULL;
        # its invoices went with their holds (PROTECT would refuse otherwise).
        Purchase.objects.filter(customer_id__in=pks).delete()
    counts = model._default_manager.filter(pk__in=pks).delete()[1]
    return counts.get(model._meta.label, 0)


def _audit_purge(model: type[models.Model], count: int) -> None:
    if count:
        audit_event_record(
            action=AuditEvent.Action.DELETE,
            actor=None,
            object_type=model._meta.label_lower,
            row_count=count,
        )


def retention_purge(*, dry_run: bool = False, today: date | None = None) -> PurgeReport:
    """End the holds that have passed, erase customers past the relationship retention,
    clear old client addresses from the audit log and delete old closed requests; with
    `dry_run`, only count what would be done."""

    today = today or helsinki_today()
    report = PurgeReport()
    # Fail before changing anything when the journal is unreadable; otherwise first give
    # every earlier erasure its line (the process may have died before writing it).
    if dry_run:
        journal_entries()
    else:
        report.journal_lines_restored = len(journal_reconcile())
    purchases = Purchase.objects.filter(held_until__lt=today)
    billing = BillingProfile.objects.filter(held_until__lt=today)
    # A shell goes when its last hold has ended and no held invoice still names it.
    shells = Customer.objects.filter(erased_at__isnull=False, held_until__lt=today).exclude(
        purchases__held_until__gte=today
    )
    address_cutoff = timezone.now() - timedelta(days=settings.RETENTION["audit_address_days"])
    addresses = AuditEvent.objects.filter(created_at__lt=address_cutoff, client_ip__isnull=False)
    request_cutoff = registry.add_years(today, -settings.RETENTION["request_years"])
    requests = DataSubjectRequest.objects.filter(
        status__in=[DataSubjectRequest.Status.DONE, DataSubjectRequest.Status.REFUSED],
        closed_on__lt=request_cutoff,
    )
    ended = _relationship_ended(today).order_by("pk").values_list("pk", "public_id", "restricted")
    due: list[int] = []
    for pk, public_id, restricted in ended.iterator(chunk_size=PURGE_BATCH_SIZE):
        if restricted:
            report.restricted_skipped += 1
        else:
            due.append(pk)
            report.relationships_ended.append(str(public_id))

    if dry_run:
        report.held_purchases = purchases.count()
        report.held_billing_profiles = billing.count()
        report.shells = shells.count()
        report.addresses_cleared = addresses.count()
        report.requests_deleted = requests.count()
        return report

    with transaction.atomic():
        report.held_purchases = _delete_in_batches(purchases)
        report.held_billing_profiles = _delete_in_batches(billing)
        report.shells = _delete_in_batches(shells)
        _audit_purge(Purchase, report.held_purchases)
        _audit_purge(BillingProfile, report.held_billing_profiles)
        _audit_purge(Customer, report.shells)
    for pk in due:
        customer = Customer.objects.filter(pk=pk).first()
        if customer is not None:
            # The person did not ask: the receipt is stored for the DPO, not mailed.
            customer_erase(customer=customer, actor=None, notify_customer=False)
    with transaction.atomic():
        # The one change audit events allow: their addresses are outside the hash chain.
        report.addresses_cleared = addresses.update(client_ip=None)
        report.requests_deleted = _delete_in_batches(requests)
        _audit_purge(DataSubjectRequest, report.requests_deleted)
    return report
