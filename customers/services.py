"""Writes to the register. Admin, import and commands call these; each one is atomic,
validates with `full_clean()` and leaves an audit event naming fields, never values."""

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import tablib
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DataError, IntegrityError, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.results import Error as ImportResultError
from import_export.results import Result, RowResult

from consents.services import suppression_apply
from customers import roles
from customers.csvio import CSVRows
from customers.importing import CustomerImport, ImportRow, import_batch_write
from customers.models import (
    AccountLinkReview,
    Authorization,
    BillingProfile,
    Customer,
    DataSource,
    StaffRoleGrant,
    User,
    helsinki_today,
)
from privacy.audit import audit_event_record, audited_save
from privacy.models import AuditEvent


@transaction.atomic
def register_record_delete(
    *, instance: models.Model, actor: User | None, client_ip: str | None = None
) -> None:
    """Delete one record that roles may delete (e.g. an authorization), auditing it."""
    if isinstance(instance, Customer):
        # Customers leave only through the erasure service (Art 17), never plain delete.
        raise ValidationError("Customers are erased through the erasure service.")
    object_type, object_id = instance._meta.label_lower, instance.pk
    instance.delete()
    audit_event_record(
        action=AuditEvent.Action.DELETE,
        actor=actor,
        object_type=object_type,
        object_id=object_id,
        client_ip=client_ip,
    )


@transaction.atomic
def customer_create(
    *, actor: User | None, client_ip: str | None = None, **values: object
) -> Customer:
    """Create a customer from field values (staff entry, demo data)."""
    customer = Customer(**values)
    audited_save(instance=customer, actor=actor, client_ip=client_ip)
    return customer


def customer_viewed(*, customer: Customer, actor: User, client_ip: str | None = None) -> None:
    """Record that a staff member opened a customer's record."""
    audit_event_record(
        action=AuditEvent.Action.VIEW, actor=actor, obj=customer, client_ip=client_ip
    )


# -- Portal accounts -------------------------------------------------------------------------


def _portal_language() -> str:
    """The language the person is using now (LocaleMiddleware), if the register has it."""
    language = (translation.get_language() or "").split("-")[0]
    codes = [code for code, _name in settings.LANGUAGES]
    return language if language in codes else settings.LANGUAGE_CODE


def _self_service_person_create(
    *, user: User, email: str, language: str, actor: User | None, client_ip: str | None
) -> Customer:
    name = user.get_full_name().strip() or email.strip().split("@")[0]
    return customer_create(
        actor=actor,
        client_ip=client_ip,
        kind=Customer.Kind.PERSON,
        name=name[: Customer._meta.get_field("name").max_length],
        email=email.strip(),
        language=language,
        source=DataSource.SELF_SERVICE,
        user=user,
    )


@transaction.atomic
def portal_account_link(
    *, user: User, email: str, actor: User | None, client_ip: str | None = None
) -> Customer | AccountLinkReview | None:
    """Tie a portal account to its person record through a verified email, and only so.

    One unlinked person with the email: linked. None: a new self-service person. Several,
    or one that already has an account: nothing is linked and staff review it, because a
    wrong link would show one person another's data (Art 5(1)(f), Art 15).
    Returns the linked customer, the open review, or None when nothing applies.
    """
    # Locking the account serialises the two paths that call this (confirmation and
    # login), so a double click cannot create two customers for one account.
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_staff:
        # Staff accounts are managed by the Technical admin and are not customers' accounts.
        return None
    existing = Customer.objects.filter(user=user).first()
    if existing is not None:
        return existing
    verified = EmailAddress.objects.filter(user=user, email__iexact=email.strip(), verified=True)
    if not verified.exists():
        # An unverified address proves nothing about who holds it: it links to nothing.
        return None
    open_review = AccountLinkReview.objects.open().filter(user=user).first()
    if open_review is not None:
        return open_review

    # Organizations are never linked: an account belongs to a person, who acts for an
    # organization only through an authorization (valtuutus).
    candidates = list(
        Customer.objects.persons().with_email(email).select_for_update().order_by("pk")
    )
    if len(candidates) == 1 and candidates[0].user_id is None:
        customer = candidates[0]
        customer.user = user
        audited_save(instance=customer, changed_fields=["user"], actor=actor, client_ip=client_ip)
        return customer
    if not candidates:
        return _self_service_person_create(
            user=user,
            email=email,
            language=_portal_language(),
            actor=actor,
            client_ip=client_ip,
        )
    review = AccountLinkReview(user=user, email=email.strip(), candidate_count=len(candidates))
    audited_save(
        instance=review,
        changed_fields=["user", "email", "candidate_count"],
        actor=actor,
        client_ip=client_ip,
    )
    return review


def portal_account_link_verified(
    *, user: User, actor: User | None, client_ip: str | None = None
) -> Customer | AccountLinkReview | None:
    """Link an account that has none yet through its verified addresses, primary first.

    Login calls this too: allauth also verifies addresses on paths that bypass the
    adapter's confirm_email (a login or password reset by emailed code, the admin action).
    """
    if user.is_staff or Customer.objects.filter(user=user).exists():
        return None
    addresses = EmailAddress.objects.filter(user=user, verified=True).order_by("-primary", "pk")
    for address in addresses:
        outcome = portal_account_link(
            user=user, email=address.email, actor=actor, client_ip=client_ip
        )
        if outcome is not None:
            return outcome
    return None


@transaction.atomic
def account_link_review_resolve(
    *,
    review: AccountLinkReview,
    customer: Customer | None,
    note: str,
    actor: User,
    client_ip: str | None = None,
) -> Customer:
    """Close a review by linking its account to the person staff identified, or to a new
    self-service person record when none of the matches is the account holder."""
    review = AccountLinkReview.objects.select_for_update().get(pk=review.pk)
    if review.is_resolved:
        raise ValidationError(_("This review has already been resolved."), code="resolved")
    user = User.objects.select_for_update().get(pk=review.user_id)
    if Customer.objects.filter(user=user).exists():
        raise ValidationError(
            _("This account is already linked to a customer."), code="already_linked"
        )
    if customer is None:
        # The staff member's admin language says nothing about the customer's: the
        # default stands until the customer picks theirs in the portal.
        customer = _self_service_person_create(
            user=user,
            email=review.email,
            language=settings.LANGUAGE_CODE,
            actor=actor,
            client_ip=client_ip,
        )
    else:
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        if not customer.is_person:
            raise ValidationError(
                {"customer": _("Only a person can be linked to a portal account.")},
                code="not_person",
            )
        if customer.user_id is not None:
            raise ValidationError(
                {"customer": _("This person already has a portal account.")},
                code="has_account",
            )
        customer.user = user
        audited_save(instance=customer, changed_fields=["user"], actor=actor, client_ip=client_ip)
    review.resolved_at = timezone.now()
    review.resolved_by = actor
    review.note = note
    audited_save(
        instance=review,
        changed_fields=["resolved_at", "resolved_by", "note"],
        actor=actor,
        client_ip=client_ip,
    )
    return customer


# -- Staff roles ---------------------------------------------------------------------------


def _needs_approval(group: Group, actor: User | None) -> bool:
    # A grant made by a command (actor None: setup, demo data) is the operator's, who holds
    # the server already; one made in the admin by a person needs a second person.
    return actor is not None and group.name in roles.NEEDS_APPROVAL


@transaction.atomic
def staff_role_grant(
    *,
    user: User,
    group: Group,
    reason: str,
    valid_until: date,
    valid_from: date | None = None,
    actor: User | None,
    client_ip: str | None = None,
) -> StaffRoleGrant:
    """Grant (or renew) a role to a staff member for a reason until a day (seed section 9).

    A role that reaches customer data counts only once a second person approved it
    (`staff_role_grant_approve`): until then the grant waits, and a renewal keeps only the
    part already approved in force."""
    if actor is not None and actor.pk == user.pk:
        raise ValidationError({"user": "Nobody can grant a role to themselves."}, code="self_grant")
    grant = StaffRoleGrant.objects.select_for_update().filter(
        user=user, group=group
    ).first() or StaffRoleGrant(user=user, group=group)
    today = helsinki_today()
    # Moving a future start closer brings access forward, which the approval did not cover.
    starts_earlier = (
        grant.pk is not None
        and grant.valid_from > today
        and (valid_from or today) < grant.valid_from
    )
    grant.reason = reason
    grant.valid_from = valid_from or today
    grant.valid_until = valid_until
    grant.granted_by = actor
    if not _needs_approval(group, actor):
        grant.approved_until, grant.approved_by, grant.approved_at = valid_until, None, None
    elif grant.approved_until is not None:
        # Shortening needs nobody's approval; starting earlier or ending later does.
        grant.approved_until = None if starts_earlier else min(grant.approved_until, valid_until)
    audited_save(
        instance=grant,
        actor=actor,
        action=AuditEvent.Action.GRANT,
        changed_fields=["group", "reason", "valid_from", "valid_until"],
        client_ip=client_ip,
    )
    if grant.approved_until is not None:
        user.groups.add(group)
    return grant


def is_named_approver(user: Any) -> bool:
    """The staff account STAFF_ACCESS_APPROVER_EMAIL names (decides only a lone DPO's grant)."""
    named = settings.STAFF_ACCESS_APPROVER_EMAIL
    return bool(named and user.is_authenticated and user.is_staff and user.email.lower() == named)


def staff_role_approval_error(grant: StaffRoleGrant, approver: User) -> str | None:
    """Why `approver` may not approve (or refuse) `grant`, or None when they may.

    Nobody decides on their own access, on a grant they asked for, or on the access of an
    account they created. Grants are decided by a DPO; a DPO grant by another DPO or, when
    there is no other, by the approver named in STAFF_ACCESS_APPROVER_EMAIL."""
    if grant.group.name not in roles.NEEDS_APPROVAL:
        return gettext("This role needs no approval.")
    if not grant.awaiting_approval:
        return gettext("This grant is already approved.")
    if approver.pk == grant.user_id:
        return gettext("Nobody can approve their own access.")
    if approver.pk == grant.granted_by_id:
        return gettext("The person who asked for a grant cannot approve it.")
    if approver.pk == grant.user.created_by_id:
        return gettext("Nobody can approve access for an account they created.")
    dpos = StaffRoleGrant.objects.active().filter(group__name=roles.DPO)
    if dpos.filter(user=approver).exists():
        return None
    if (
        grant.group.name == roles.DPO
        and is_named_approver(approver)
        and not dpos.exclude(user_id=grant.user_id).exists()
    ):
        return None
    return gettext("Only a DPO can approve this grant.")


def _require_approver(grant: StaffRoleGrant, approver: User) -> None:
    error = staff_role_approval_error(grant, approver)
    if error:
        raise PermissionDenied(error)


@transaction.atomic
def staff_role_grant_approve(
    *, grant: StaffRoleGrant, actor: User, client_ip: str | None = None
) -> StaffRoleGrant:
    """A second person approves a grant (or its extension): from now on it counts."""
    grant = (
        StaffRoleGrant.objects.select_for_update().select_related("user", "group").get(pk=grant.pk)
    )
    _require_approver(grant, actor)
    grant.approved_until = grant.valid_until
    grant.approved_by = actor
    grant.approved_at = timezone.now()
    audited_save(
        instance=grant,
        actor=actor,
        action=AuditEvent.Action.APPROVE,
        update_fields=["approved_until", "approved_by", "approved_at"],
        client_ip=client_ip,
    )
    grant.user.groups.add(grant.group)
    return grant


@transaction.atomic
def staff_role_grant_refuse(
    *, grant: StaffRoleGrant, actor: User, client_ip: str | None = None
) -> StaffRoleGrant | None:
    """Refuse a grant waiting for approval: a new one goes, an extension is taken back to
    the day already approved. Returns what is left (None when the grant went)."""
    grant = (
        StaffRoleGrant.objects.select_for_update().select_related("user", "group").get(pk=grant.pk)
    )
    _require_approver(grant, actor)
    if grant.approved_until is None or grant.approved_until < grant.valid_from:
        _grant_remove(grant, action=AuditEvent.Action.REFUSE, actor=actor, client_ip=client_ip)
        return None
    grant.valid_until = grant.approved_until
    audited_save(
        instance=grant,
        actor=actor,
        action=AuditEvent.Action.REFUSE,
        update_fields=["valid_until"],
        client_ip=client_ip,
    )
    return grant


def _grant_remove(
    grant: StaffRoleGrant, *, action: str, actor: User | None, client_ip: str | None
) -> None:
    grant.user.groups.remove(grant.group)
    grant_id = grant.pk
    grant.delete()
    audit_event_record(
        action=action,
        actor=actor,
        object_type=StaffRoleGrant._meta.label_lower,
        object_id=grant_id,
        client_ip=client_ip,
    )


@transaction.atomic
def staff_role_revoke(
    *, grant: StaffRoleGrant, actor: User | None, client_ip: str | None = None
) -> None:
    """End a role grant now."""
    _grant_remove(grant, action=AuditEvent.Action.REVOKE, actor=actor, client_ip=client_ip)


@dataclass
class ExpiryReport:
    removed: list[tuple[str, str, date]] = field(default_factory=list)


@transaction.atomic
def staff_access_expire(*, today: date | None = None) -> ExpiryReport:
    """Remove grants whose last day is over and the group memberships they gave: one
    statement for the memberships and one for the grants, however many ended, and one
    audit event per grant (the chain takes its events one at a time)."""
    report = ExpiryReport()
    expired = list(
        StaffRoleGrant.objects.expired(today)
        .select_related("user", "group")
        .select_for_update(of=("self",))
    )
    if not expired:
        return report
    # A user holds a group through one grant at most (one grant per role), so the
    # membership goes with the grant.
    ended = StaffRoleGrant.objects.filter(
        pk__in=[grant.pk for grant in expired],
        user_id=models.OuterRef("user_id"),
        group_id=models.OuterRef("group_id"),
    )
    User.groups.through.objects.filter(models.Exists(ended)).delete()
    StaffRoleGrant.objects.filter(pk__in=[grant.pk for grant in expired]).delete()
    for grant in expired:
        report.removed.append((grant.user.email, grant.group.name, grant.valid_until))
        audit_event_record(
            action=AuditEvent.Action.EXPIRE,
            actor=None,
            object_type=StaffRoleGrant._meta.label_lower,
            object_id=grant.pk,
        )
    return report


# -- Import ---------------------------------------------------------------------------------

# Rows validated and written together: a query per unique rule, one INSERT and a few
# UPDATEs per batch, whatever the size of the file.
IMPORT_BATCH_SIZE = 2000
# A file whose every row is wrong would otherwise hold every message in memory: the
# first ones are listed, the rest are counted.
IMPORT_MAX_LISTED_ERRORS = 1000


@dataclass
class ImportOutcome:
    total: int
    created: int
    updated: int
    errors: list[str]
    dry_run: bool
    result: object = None
    # Every error, including those beyond IMPORT_MAX_LISTED_ERRORS.
    error_count: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


class _ImportReport:
    """What an import did and what was wrong, row by row, in bounded memory; with
    `keep_rows`, also each written row in an import-export `Result`, from which the
    admin writes its LogEntry rows."""

    def __init__(self, importer: CustomerImport, *, keep_rows: bool) -> None:
        self.importer = importer
        self.keep_rows = keep_rows
        self.total = self.created = self.updated = 0
        self.file_errors: list[str] = []
        self.row_errors: list[str] = []
        self.error_count = 0
        self.result = Result()
        self.result.diff_headers = importer.resource.get_diff_headers()

    @property
    def ok(self) -> bool:
        return not self.error_count

    def file_error(self, message: str) -> None:
        self.error_count += 1
        self.file_errors.append(f"File: {message}")
        self.result.append_base_error(ImportResultError(message))

    def add(self, rows: Iterable[ImportRow]) -> None:
        for row in rows:
            self.total += 1
            row_result = RowResult()
            if row.ok:
                row_result.import_type = (
                    RowResult.IMPORT_TYPE_NEW
                    if row.is_new
                    else RowResult.IMPORT_TYPE_SKIP
                    if row.skipped
                    else RowResult.IMPORT_TYPE_UPDATE
                )
                self.created += row.is_new
                self.updated += row.to_update
                if self.keep_rows and not row.skipped:
                    row_result.add_instance_info(row.instance)
                    row_result.instance = row.instance
                    self.result.append_row_result(row_result)
            else:
                self._add_problem(row, row_result)
            self.result.increment_row_result_total(row_result)

    def _add_problem(self, row: ImportRow, row_result: RowResult) -> None:
        lines = self.importer.error_lines(row)
        listed = len(self.row_errors) < IMPORT_MAX_LISTED_ERRORS
        self.error_count += len(lines)
        if row.failure:
            row_result.import_type = RowResult.IMPORT_TYPE_ERROR
            if listed:
                row_result.errors.append(ImportResultError(row.failure, number=row.number))
                self.result.append_row_result(row_result)
        else:
            row_result.import_type = RowResult.IMPORT_TYPE_INVALID
            if listed:
                self.result.append_invalid_row(row.number, row.values, ValidationError(row.errors))
        if listed:
            self.row_errors.extend(lines)

    def outcome(self, *, dry_run: bool) -> ImportOutcome:
        errors = self.file_errors + self.row_errors[:IMPORT_MAX_LISTED_ERRORS]
        if self.error_count > len(errors):
            errors.append(
                gettext("… and %(count)d more error(s).")
                % {"count": self.error_count - len(errors)}
            )
        self.result.total_rows = self.total
        return ImportOutcome(
            total=self.total,
            created=self.created,
            updated=self.updated,
            errors=errors,
            dry_run=dry_run,
            result=self.result,
            error_count=self.error_count,
        )


def customers_import(
    *,
    dataset: tablib.Dataset | CSVRows,
    actor: User | None,
    dry_run: bool,
    client_ip: str | None = None,
    keep_rows: bool = True,
) -> ImportOutcome:
    """Import customers all-or-nothing: any bad row rolls back every row (DESIGN.md).

    The rows are read, validated and written in batches inside one transaction, so a
    file of any length takes a constant number of queries per batch and memory for one
    batch (`dataset` may be a `csvio.CSVRows` stream). A dry run writes too, and rolls
    back, so that it finds exactly what the import would. `keep_rows` keeps every
    written instance in `outcome.result`: the admin writes its LogEntry rows from them
    (without them its confirm step fails after the import has committed)."""
    importer = CustomerImport(list(dataset.headers))
    report = _ImportReport(importer, keep_rows=keep_rows)
    with transaction.atomic():
        if problem := importer.column_error():
            report.file_error(problem)
        for batch in itertools.batched(enumerate(dataset, start=1), IMPORT_BATCH_SIZE):
            rows = importer.validate(batch)
            report.add(rows)
            try:
                with transaction.atomic():
                    written = import_batch_write(rows)
            except (IntegrityError, DataError) as exc:
                report.file_error(
                    gettext("Rows %(first)d–%(last)d: the database refused them: %(error)s")
                    % {"first": batch[0][0], "last": batch[-1][0], "error": exc}
                )
                continue
            if report.ok and not dry_run:
                # An objection to direct marketing survives a re-import (Art 21): a record
                # that brings back a suppressed email or Y-tunnus gets the objection in
                # its ledger.
                suppression_apply(
                    customers=[row.instance for row in written], actor=actor, client_ip=client_ip
                )
        outcome = report.outcome(dry_run=dry_run)
        if not outcome.ok or dry_run:
            transaction.set_rollback(True)
            return outcome
        audit_event_record(
            action=AuditEvent.Action.IMPORT,
            actor=actor,
            object_type=Customer._meta.label_lower,
            changed_fields=[*dataset.headers, *importer.missing_id_columns()],
            row_count=outcome.created + outcome.updated,
            client_ip=client_ip,
        )
    return outcome


# -- Self-service (the portal) ------------------------------------------------------------

# What a person may change about themselves; everything else goes through a rectification
# request (Art 16) and the email address through allauth's verified flow.
SUBJECT_EDITABLE_FIELDS = (
    "name",
    "street_address",
    "postal_code",
    "city",
    "country",
    "phone",
    "language",
)
ORGANIZATION_ADDRESS_FIELDS = ("street_address", "postal_code", "city", "country")
BILLING_PROFILE_FIELDS = (
    "e_invoice_address",
    "operator_id",
    "invoicing_email",
    "street_address",
    "postal_code",
    "city",
    "country",
    "buyer_reference",
)


def _apply_changes(
    instance: models.Model, data: Mapping[str, object], allowed: Iterable[str]
) -> list[str]:
    """Set the allowed values from `data` (other keys are ignored, so a form cannot reach
    further), validate, and name the fields whose stored value changed."""
    allowed = list(allowed)
    before = {name: getattr(instance, name) for name in allowed}
    for name in allowed:
        if name in data:
            setattr(instance, name, data[name])
    # full_clean stores the canonical form (E.164 phone, upper-case country), so a value
    # typed differently but meaning the same is no change.
    instance.full_clean()
    return [name for name in allowed if getattr(instance, name) != before[name]]


@transaction.atomic
def customer_update_by_subject(
    *,
    customer: Customer,
    data: Mapping[str, object],
    actor: User | None,
    client_ip: str | None = None,
) -> Customer:
    """A person corrects their own name, address, phone or language (Art 16), audited by
    field name."""
    current = Customer.objects.select_for_update().get(pk=customer.pk)
    changed = _apply_changes(current, data, SUBJECT_EDITABLE_FIELDS)
    if changed:
        audited_save(instance=current, changed_fields=changed, actor=actor, client_ip=client_ip)
    return current


def _require_admin_authorization(*, person: Customer, organization: Customer) -> None:
    """Only an active valtuutus with role admin lets a person edit an organization."""
    if not (
        Authorization.objects.active()
        .filter(person=person, organization=organization, role=Authorization.Role.ADMIN)
        .exists()
    ):
        raise PermissionDenied("Only the organization's administrators may edit its data.")


@transaction.atomic
def organization_update_by_admin(
    *,
    organization: Customer,
    person: Customer,
    data: Mapping[str, object],
    actor: User | None,
    client_ip: str | None = None,
) -> Customer:
    """An organization's administrator corrects its address."""
    _require_admin_authorization(person=person, organization=organization)
    current = Customer.objects.select_for_update().get(pk=organization.pk)
    changed = _apply_changes(current, data, ORGANIZATION_ADDRESS_FIELDS)
    if changed:
        audited_save(instance=current, changed_fields=changed, actor=actor, client_ip=client_ip)
    return current


@transaction.atomic
def organization_billing_update_by_admin(
    *,
    organization: Customer,
    person: Customer,
    data: Mapping[str, object],
    actor: User | None,
    client_ip: str | None = None,
) -> BillingProfile:
    """An organization's administrator corrects its billing profile (its first one), or
    gives one when it has none; e-invoicing details matter since laki 241/2019."""
    _require_admin_authorization(person=person, organization=organization)
    profile = (
        BillingProfile.objects.select_for_update()
        .filter(customer=organization)
        .order_by("pk")
        .first()
    )
    if profile is None:
        profile = BillingProfile(customer=organization, source=DataSource.SELF_SERVICE)
    adding = profile._state.adding
    changed = _apply_changes(profile, data, BILLING_PROFILE_FIELDS)
    if changed or adding:
        audited_save(
            instance=profile,
            changed_fields=None if adding else changed,
            actor=actor,
            client_ip=client_ip,
        )
    return profile


@transaction.atomic
def customer_email_sync(
    *, user: User, email: str, actor: User | None, client_ip: str | None = None
) -> Customer | None:
    """A person's new primary address, verified through allauth, becomes the register's
    email for them too (issue 4: email changes go through the verified flow)."""
    customer = Customer.objects.select_for_update().filter(user=user).first()
    if customer is None or not customer.is_person:
        return None
    changed = _apply_changes(customer, {"email": email}, ["email"])
    if changed:
        audited_save(instance=customer, changed_fields=changed, actor=actor, client_ip=client_ip)
    return customer
