"""Reviews of staff access (Art 32 access control; seed section 9: access ends when
duties end)."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from customers.models import StaffRoleGrant, helsinki_today
from privacy.audit import audited_save
from privacy.models import AccessReview


def active_grants(on: date | None = None) -> models.QuerySet[StaffRoleGrant]:
    """Every role grant in force on `on` (Helsinki date), soonest end first."""
    return (
        StaffRoleGrant.objects.active(on)
        .select_related("user", "group")
        .order_by("valid_until", "user__email", "group__name")
    )


@transaction.atomic
def access_review_record(
    *, note: str, actor: models.Model | None, client_ip: str | None = None
) -> AccessReview:
    """Record that the DPO checked every active grant, with a snapshot of what was
    checked. The snapshot holds user IDs, not names or emails: the review outlives the
    staff accounts it names, and the audit log follows the same rule."""
    if not note.strip():
        raise ValidationError({"note": _("Write down what was checked and what was done.")})
    grants = [
        {
            "grant_id": grant.pk,
            "user_id": grant.user_id,
            "role": grant.group.name,
            "reason": grant.reason,
            "valid_from": grant.valid_from.isoformat(),
            "valid_until": grant.valid_until.isoformat(),
        }
        for grant in active_grants(helsinki_today())
    ]
    review = AccessReview(
        reviewed_by_id=getattr(actor, "pk", None), note=note.strip(), grants=grants
    )
    return audited_save(
        instance=review,
        actor=actor,
        changed_fields=["note", "grants"],
        row_count=len(grants),
        client_ip=client_ip,
    )
