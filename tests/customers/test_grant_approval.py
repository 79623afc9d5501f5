"""Separation of duties for access (issue 10): a role that reaches customer data counts
only once a second person approves it, and nobody approves access for themselves, for a
grant they asked for, or for an account they created."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import translation

from customers import roles, services
from customers.models import StaffRoleGrant, User, helsinki_today
from privacy.models import AuditEvent
from privacy.services import audit_log_verify
from tests.conftest import PASSWORD, TOTP_SECRET, current_totp_code

EXPORT = "/admin/privacy/exports/customers.csv"
GRANTS = reverse("admin:customers_staffrolegrant_changelist")


@pytest.fixture(autouse=True)
def no_rate_limits(settings) -> None:
    settings.ACCOUNT_RATE_LIMITS = False
    cache.clear()


@pytest.fixture
def technical_admin(make_staff: Callable[..., User]) -> User:
    return make_staff(roles.TECHNICAL_ADMIN, email="tech@herocon.example")


@pytest.fixture
def tech_client(technical_admin: User) -> Client:
    client = Client()
    client.force_login(technical_admin)
    return client


def _sign_in(email: str) -> Client:
    """The real staff login: allauth's password step, then the TOTP step."""
    client = Client()
    first = client.post(
        f"{reverse('account_login')}?next=/admin/", {"login": email, "password": PASSWORD}
    )
    assert first.status_code == 302, first.content.decode()[-3000:]
    assert first["Location"].startswith(reverse("mfa_authenticate")), first["Location"]
    second = client.post(reverse("mfa_authenticate"), {"code": current_totp_code()})
    assert second.status_code == 302
    assert second["Location"] == "/admin/", second["Location"]
    return client


def _grant(user: User, role: str, *, actor: User | None, days: int = 30) -> StaffRoleGrant:
    return services.staff_role_grant(
        user=user,
        group=Group.objects.get(name=role),
        reason="Cover",
        valid_until=helsinki_today() + timedelta(days=days),
        actor=actor,
    )


def _error(grant: StaffRoleGrant, approver: User) -> str | None:
    with translation.override("en"):
        return services.staff_role_approval_error(grant, approver)


def _decide(client: Client, grant: StaffRoleGrant, action: str) -> object:
    return client.post(GRANTS, {"action": action, "_selected_action": [str(grant.pk)]})


def _audit_actions(grant: StaffRoleGrant) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="customers.staffrolegrant", object_id=str(grant.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


# -- The insider scenario -----------------------------------------------------------------------


def test_a_technical_admin_cannot_give_a_new_account_of_their_own_the_register(
    tech_client: Client, technical_admin: User, make_staff: Callable[..., User], alice
) -> None:
    dpo = make_staff(roles.DPO, email="dpo@herocon.example")

    # 1. A second staff account, made by the Technical admin.
    created = tech_client.post(
        reverse("admin:customers_user_add"),
        {
            "email": "sock@herocon.example",
            "first_name": "Sock",
            "last_name": "Puppet",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "usable_password": "true",
            "role_grants-TOTAL_FORMS": "0",
            "role_grants-INITIAL_FORMS": "0",
        },
    )
    assert created.status_code == 302
    sock = User.objects.get(email="sock@herocon.example")
    assert sock.is_staff and sock.created_by == technical_admin

    # 2. The DPO role for it: recorded, but waiting.
    asked = tech_client.post(
        reverse("admin:customers_staffrolegrant_add"),
        {
            "user": str(sock.pk),
            "group": str(Group.objects.get(name=roles.DPO).pk),
            "reason": "Help with the backlog",
            "valid_from": helsinki_today().isoformat(),
            "valid_until": (helsinki_today() + timedelta(days=14)).isoformat(),
        },
        follow=True,
    )
    assert asked.status_code == 200
    grant = StaffRoleGrant.objects.get(user=sock)
    assert grant.awaiting_approval and grant.approved_by is None
    # The admin speaks Finnish by default.
    assert "vasta, kun tietosuojavastaava hyväksyy sen" in asked.content.decode()

    # 3. The Technical admin cannot approve it: the action is not theirs, nothing changes.
    assert "approve_grants" not in tech_client.get(GRANTS).content.decode()
    _decide(tech_client, grant, "approve_grants")
    grant.refresh_from_db()
    assert grant.approved_until is None

    # 4. The account confirms its address (the Technical admin chose one they read), enrols
    # TOTP, signs in for real, and still reaches nothing.
    EmailAddress.objects.create(user=sock, email=sock.email, verified=True, primary=True)
    TOTP.activate(sock, TOTP_SECRET)
    sock_client = _sign_in(sock.email)
    assert sock_client.get("/admin/").status_code == 200
    assert sock_client.get(EXPORT).status_code == 403
    assert sock_client.get(reverse("admin:customers_customer_changelist")).status_code == 403
    assert sock_client.get(reverse("admin:privacy_exports")).status_code == 403
    assert not User.objects.get(pk=sock.pk).has_perm("customers.export_customer")

    # 5. Nor can it approve its own grant.
    assert _decide(sock_client, grant, "approve_grants").status_code == 403
    with pytest.raises(services.PermissionDenied):
        services.staff_role_grant_approve(grant=grant, actor=sock)
    grant.refresh_from_db()
    assert grant.approved_until is None

    # 6. The real DPO approves: now the grant works, and the approver shows on it.
    dpo_client = Client()
    dpo_client.force_login(dpo)
    listed = dpo_client.get(GRANTS, {"approval": "waiting"})
    assert "sock@herocon.example" in listed.content.decode()
    approved = _decide(dpo_client, grant, "approve_grants")
    assert approved.status_code == 302
    grant.refresh_from_db()
    assert grant.approved_by == dpo
    assert grant.approved_until == grant.valid_until
    assert not grant.awaiting_approval
    assert "Hyväksyjä dpo@herocon.example" in dpo_client.get(GRANTS).content.decode()

    export = sock_client.get(EXPORT)
    assert export.status_code == 200
    assert "Alice Aaltonen" in b"".join(export.streaming_content).decode("utf-8-sig")
    assert _audit_actions(grant) == ["grant", "approve"]
    assert audit_log_verify() is None


# -- Who may approve -------------------------------------------------------------------------------


def test_nobody_approves_a_grant_they_asked_for_or_for_an_account_they_created(
    make_staff: Callable[..., User], technical_admin: User
) -> None:
    dpo = make_staff(roles.DPO, email="dpo@herocon.example")
    newcomer = make_staff(None, email="new@herocon.example")
    newcomer.created_by = dpo
    newcomer.save(update_fields=["created_by"])
    grant = _grant(newcomer, roles.SALES, actor=technical_admin)

    assert _error(grant, dpo) == ("Nobody can approve access for an account they created.")
    with pytest.raises(services.PermissionDenied):
        services.staff_role_grant_approve(grant=grant, actor=dpo)
    grant.refresh_from_db()
    assert grant.approved_until is None

    other_dpo = make_staff(roles.DPO, email="dpo2@herocon.example")
    asked_by_dpo = _grant(make_staff(None, email="x@herocon.example"), roles.SALES, actor=other_dpo)
    assert _error(asked_by_dpo, other_dpo) == (
        "The person who asked for a grant cannot approve it."
    )


@pytest.mark.parametrize("role", sorted(roles.NEEDS_APPROVAL))
def test_every_role_that_reaches_customer_data_waits_for_a_dpo(
    role: str, make_staff: Callable[..., User], technical_admin: User
) -> None:
    colleague = make_staff(None, email="colleague@herocon.example")
    grant = _grant(colleague, role, actor=technical_admin)

    assert StaffRoleGrant.objects.active().filter(pk=grant.pk).count() == 0
    assert colleague.active_role_names() == []
    assert list(StaffRoleGrant.objects.awaiting_approval()) == [grant]

    dpo = make_staff(roles.DPO, email="dpo@herocon.example")
    services.staff_role_grant_approve(grant=grant, actor=dpo)

    assert User.objects.get(pk=colleague.pk).active_role_names() == [role]
    assert list(StaffRoleGrant.objects.awaiting_approval()) == []


def test_a_technical_admin_role_needs_no_approval(
    make_staff: Callable[..., User], technical_admin: User
) -> None:
    colleague = make_staff(None, email="colleague@herocon.example")
    grant = _grant(colleague, roles.TECHNICAL_ADMIN, actor=technical_admin)

    assert not grant.awaiting_approval
    assert colleague.active_role_names() == [roles.TECHNICAL_ADMIN]


def test_a_dpo_grant_needs_another_dpo(
    make_staff: Callable[..., User], technical_admin: User
) -> None:
    first = make_staff(roles.DPO, email="dpo@herocon.example")
    second = make_staff(None, email="dpo2@herocon.example")
    grant = _grant(second, roles.DPO, actor=technical_admin)

    services.staff_role_grant_approve(grant=grant, actor=first)

    assert User.objects.get(pk=second.pk).active_role_names() == [roles.DPO]


def test_a_lone_dpos_renewal_is_approved_by_the_named_approver_only(
    make_staff: Callable[..., User], technical_admin: User, settings
) -> None:
    dpo = make_staff(roles.DPO, email="dpo@herocon.example", valid_until=helsinki_today())
    ceo = make_staff(None, email="ceo@herocon.example")
    renewal = _grant(dpo, roles.DPO, actor=technical_admin, days=90)

    # Until approved, the DPO keeps the part already approved (today), not the extension.
    assert renewal.awaiting_approval
    assert StaffRoleGrant.objects.active(helsinki_today()).filter(pk=renewal.pk).exists()
    assert (
        not StaffRoleGrant.objects.active(helsinki_today() + timedelta(days=1))
        .filter(pk=renewal.pk)
        .exists()
    )
    assert _error(renewal, dpo) == ("Nobody can approve their own access.")

    settings.STAFF_ACCESS_APPROVER_EMAIL = ""
    assert _error(renewal, ceo) == "Only a DPO can approve this grant."

    settings.STAFF_ACCESS_APPROVER_EMAIL = "ceo@herocon.example"
    ceo_client = Client()
    ceo_client.force_login(ceo)
    assert ceo_client.get(GRANTS).status_code == 200
    assert _decide(ceo_client, renewal, "approve_grants").status_code == 302
    renewal.refresh_from_db()
    assert renewal.approved_by == ceo
    assert (
        StaffRoleGrant.objects.active(helsinki_today() + timedelta(days=60))
        .filter(pk=renewal.pk)
        .exists()
    )
    # The named approver decides only where no other DPO can, and only on DPO grants.
    assert ceo_client.get(reverse("admin:customers_customer_changelist")).status_code == 403


def test_the_named_approver_steps_aside_while_another_dpo_can_decide(
    make_staff: Callable[..., User], technical_admin: User, settings
) -> None:
    settings.STAFF_ACCESS_APPROVER_EMAIL = "ceo@herocon.example"
    make_staff(roles.DPO, email="dpo@herocon.example")
    ceo = make_staff(None, email="ceo@herocon.example")
    grant = _grant(make_staff(None, email="dpo2@herocon.example"), roles.DPO, actor=technical_admin)

    assert _error(grant, ceo) == "Only a DPO can approve this grant."
    sales = _grant(make_staff(None, email="s@herocon.example"), roles.SALES, actor=technical_admin)
    assert _error(sales, ceo) == "Only a DPO can approve this grant."


# -- Refusal and renewal ---------------------------------------------------------------------------


def test_a_refused_new_grant_goes_and_the_refusal_is_audited(
    make_staff: Callable[..., User], technical_admin: User
) -> None:
    dpo = make_staff(roles.DPO, email="dpo@herocon.example")
    colleague = make_staff(None, email="colleague@herocon.example")
    grant = _grant(colleague, roles.MARKETING, actor=technical_admin)
    client = Client()
    client.force_login(dpo)

    assert _decide(client, grant, "refuse_grants").status_code == 302

    assert not StaffRoleGrant.objects.filter(pk=grant.pk).exists()
    assert _audit_actions(grant) == ["grant", "refuse"]
    assert colleague.groups.count() == 0
    assert audit_log_verify() is None


def test_a_refused_extension_keeps_only_what_was_approved(
    make_staff: Callable[..., User], technical_admin: User
) -> None:
    dpo = make_staff(roles.DPO, email="dpo@herocon.example")
    sales = make_staff(roles.SALES, email="sales@herocon.example", valid_until=helsinki_today())
    extension = _grant(sales, roles.SALES, actor=technical_admin, days=365)

    services.staff_role_grant_refuse(grant=extension, actor=dpo)

    extension.refresh_from_db()
    assert extension.valid_until == helsinki_today()
    assert not extension.awaiting_approval
    assert sales.active_role_names() == [roles.SALES]


def test_shortening_an_approved_grant_needs_no_new_approval(
    make_staff: Callable[..., User], technical_admin: User
) -> None:
    sales = make_staff(roles.SALES, email="sales@herocon.example")

    shorter = _grant(sales, roles.SALES, actor=technical_admin, days=3)

    assert not shorter.awaiting_approval
    assert shorter.approved_until == helsinki_today() + timedelta(days=3)


def test_the_access_review_lists_the_grants_waiting_for_approval(
    make_staff: Callable[..., User], technical_admin: User
) -> None:
    dpo = make_staff(roles.DPO, email="dpo@herocon.example")
    _grant(make_staff(None, email="waiting@herocon.example"), roles.SALES, actor=technical_admin)
    client = Client()
    client.force_login(dpo)

    page = client.get(reverse("admin:privacy_access_review")).content.decode()

    waiting = page.split('id="awaiting-approval"', 1)[1].split("</table>", 1)[0]
    assert "waiting@herocon.example" in waiting
    assert "dpo@herocon.example" not in waiting
