"""Writes to the register. Admin, import and commands call these; each one is atomic,
validates with `full_clean()` and leaves an audit event naming fields, never values."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import tablib
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models, transaction

from customers.models import Customer, StaffRoleGrant, User, helsinki_today
from privacy.models import AuditEvent
from privacy.services import audit_event_record


@transaction.atomic
def register_record_save(
    *,
    instance: models.Model,
    changed_fields: Iterable[str] | None = None,
    actor: User | None,
    client_ip: str | None = None,
) -> models.Model:
    """Validate and save one register record, auditing which fields changed."""
    adding = instance._state.adding
    instance.full_clean()
    instance.save()
    if changed_fields is None:
        changed_fields = [f.name for f in instance._meta.concrete_fields if not f.primary_key]
    audit_event_record(
        action=AuditEvent.Action.CREATE if adding else AuditEvent.Action.CHANGE,
        actor=actor,
        obj=instance,
        changed_fields=changed_fields,
        client_ip=client_ip,
    )
    return instance


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
    register_record_save(instance=customer, actor=actor, client_ip=client_ip)
    return customer


def customer_viewed(*, customer: Customer, actor: User, client_ip: str | None = None) -> None:
    """Record that a staff member opened a customer's record."""
    audit_event_record(
        action=AuditEvent.Action.VIEW, actor=actor, obj=customer, client_ip=client_ip
    )


# -- Staff roles ---------------------------------------------------------------------------


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
    """Grant (or renew) a role to a staff member for a reason until a day (seed section 9)."""
    if actor is not None and actor.pk == user.pk:
        raise ValidationError({"user": "Nobody can grant a role to themselves."}, code="self_grant")
    grant = StaffRoleGrant.objects.filter(user=user, group=group).first() or StaffRoleGrant(
        user=user, group=group
    )
    grant.reason = reason
    grant.valid_from = valid_from or helsinki_today()
    grant.valid_until = valid_until
    grant.granted_by = actor
    grant.full_clean()
    grant.save()
    user.groups.add(group)
    audit_event_record(
        action=AuditEvent.Action.GRANT,
        actor=actor,
        obj=grant,
        changed_fields=["group", "reason", "valid_from", "valid_until"],
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
    """Remove grants whose last day is over and the group memberships they gave."""
    report = ExpiryReport()
    expired = StaffRoleGrant.objects.expired(today).select_related("user", "group")
    for grant in expired.select_for_update(of=("self",)):
        report.removed.append((grant.user.email, grant.group.name, grant.valid_until))
        _grant_remove(grant, action=AuditEvent.Action.EXPIRE, actor=None, client_ip=None)
    return report


# -- Import ---------------------------------------------------------------------------------


@dataclass
class ImportOutcome:
    total: int
    created: int
    updated: int
    errors: list[str]
    dry_run: bool
    result: object = None

    @property
    def ok(self) -> bool:
        return not self.errors


def customers_import(
    *, dataset: tablib.Dataset, actor: User | None, dry_run: bool, client_ip: str | None = None
) -> ImportOutcome:
    """Import customers all-or-nothing: any bad row rolls back every row (DESIGN.md)."""
    from customers.resources import CustomerResource, describe_import_errors

    resource = CustomerResource()
    with transaction.atomic():
        result = resource.import_data(
            dataset,
            dry_run=dry_run,
            raise_errors=False,
            use_transactions=True,
            rollback_on_validation_errors=True,
            # The admin writes its LogEntry rows from the instances in the result; without
            # them its confirm step fails after the import has committed.
            retain_instance_in_row_result=True,
            user=actor,
        )
        errors = describe_import_errors(result, resource)
        totals = result.totals
        outcome = ImportOutcome(
            total=result.total_rows,
            created=totals.get("new", 0),
            updated=totals.get("update", 0),
            errors=errors,
            dry_run=dry_run,
            result=result,
        )
        if outcome.ok and not dry_run:
            audit_event_record(
                action=AuditEvent.Action.IMPORT,
                actor=actor,
                object_type=Customer._meta.label_lower,
                changed_fields=list(dataset.headers),
                row_count=outcome.created + outcome.updated,
                client_ip=client_ip,
            )
    return outcome
