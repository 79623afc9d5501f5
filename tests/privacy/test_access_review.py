"""The DPO's staff access review: every grant in force, and a recorded review."""

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from customers import roles
from customers.models import StaffRoleGrant, User
from privacy.models import AccessReview, AuditEvent
from privacy.services import access_review_record, audit_log_verify


def test_a_review_snapshots_every_active_grant_without_names(
    make_staff: Callable[..., User], dpo: User
) -> None:
    sales = make_staff(roles.SALES)
    grant = StaffRoleGrant.objects.get(user=sales)

    review = access_review_record(note="All grants still needed.", actor=dpo)

    assert review.reviewed_by_id == dpo.pk
    assert len(review.grants) == 2
    snapshot = next(g for g in review.grants if g["grant_id"] == grant.pk)
    assert snapshot == {
        "grant_id": grant.pk,
        "user_id": sales.pk,
        "role": roles.SALES,
        "reason": "Test",
        "valid_from": grant.valid_from.isoformat(),
        "valid_until": grant.valid_until.isoformat(),
    }
    assert "sales@herocon.example" not in str(review.grants)
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.object_type, event.row_count, event.actor_id) == (
        "privacy.accessreview",
        2,
        dpo.pk,
    )
    assert audit_log_verify() is None


def test_the_review_page_lists_grants_and_records_a_review_with_a_note(
    staff_client: Callable[..., Client], make_staff: Callable[..., User]
) -> None:
    make_staff(roles.CUSTOMER_SERVICE)
    client = staff_client(roles.DPO)
    url = reverse("admin:privacy_access_review")

    page = client.get(url)
    assert page.status_code == 200
    assert "customer-service@herocon.example" in page.content.decode()
    assert len(page.context["grants"]) == 2
    assert page.context["last_review"] is None

    refused = client.post(url, {"note": ""})
    assert refused.status_code == 200
    assert "note" in refused.context["form"].errors
    assert AccessReview.objects.count() == 0

    done = client.post(url, {"note": "Checked with team leads."})
    assert done.status_code == 302
    assert AccessReview.objects.get().note == "Checked with team leads."
    assert client.get(url).context["last_review"] == AccessReview.objects.get()


@pytest.mark.parametrize(
    "role", [roles.CUSTOMER_SERVICE, roles.SALES, roles.MARKETING, roles.TECHNICAL_ADMIN]
)
def test_only_the_dpo_opens_the_access_review(
    staff_client: Callable[..., Client], role: str
) -> None:
    client = staff_client(role)
    url = reverse("admin:privacy_access_review")
    assert client.get(url).status_code == 403
    assert client.post(url, {"note": "x"}).status_code == 403
    assert AccessReview.objects.count() == 0
