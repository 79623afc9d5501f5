"""The role matrix: what each staff role may do with each model in the admin (DESIGN.md,
"Roles"), asked of the registered ModelAdmins themselves, plus the grant lifecycle that
turns a role on and off (seed section 9: access ends when duties end)."""

import io
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from customers import roles
from customers.models import Customer, StaffRoleGrant, User, helsinki_today
from privacy.models import AuditEvent
from privacy.services import audit_log_verify

ACTIONS = ("view", "add", "change", "delete", "import", "export")

# One row per admin-registered model, one letter per action in ACTIONS order
# (v a c d i e), "-" where the role must be refused. Derived from DESIGN.md's role table and
# customers/roles.py; where the two differ, DESIGN.md wins. Notes:
# - Nobody deletes a customer (only the erasure service removes one, Art 17), nor changes
#   or deletes an audit event; those come from the ModelAdmins, so they hold for any role.
# - Customer service and Sales see products: purchases name them and they hold no
#   personal data. The DPO keeps products because a product's owner is a recipient.
# - Technical admin manages staff accounts and grants; the groups' permissions are defined
#   in code by `setup_roles`, so groups are view-only for everyone.
# - allauth's email addresses, MFA authenticators and user sessions are credentials: no
#   role sees them.
# - Customer service resolves account link reviews (an ambiguous portal signup); the DPO
#   sees them, as everything.
# - The DPO edits, previews and publishes the privacy notice; a published version is
#   read-only for everyone (its ModelAdmin refuses change and delete for it).
# - Consents: the ledger is view-only for everyone; Customer service adds events only
#   through the staff record form (its service). Marketing sees purposes, texts and the
#   ledger and exports a purpose's audience ("e"); the DPO manages purposes and texts
#   (a published text is read-only) and sees consented data and suppressions. Nobody
#   deletes a purpose, text or event.
# - Data subject requests: Customer service logs those that came by phone, letter or email
#   (add) and sees the queue; the DPO handles them (change = the workflow steps). Erasure
#   receipts are written by the erasure service only: view-only for the DPO.
NOTHING = "------"
EXPECTED: dict[str, dict[str, str]] = {
    roles.CUSTOMER_SERVICE: {
        "customers.customer": "vac---",
        "customers.billingprofile": "vac---",
        "customers.authorization": "vacd--",
        "customers.product": "v-----",
        "customers.purchase": "v-----",
        "customers.socialmediaprofile": "vac---",
        "customers.user": NOTHING,
        "customers.staffrolegrant": NOTHING,
        "auth.group": NOTHING,
        "privacy.recipient": NOTHING,
        "privacy.auditevent": NOTHING,
        "privacy.noticeversion": NOTHING,
        "account.emailaddress": NOTHING,
        "mfa.authenticator": NOTHING,
        "customers.accountlinkreview": "v-c---",
        "usersessions.usersession": NOTHING,
        "consents.purpose": "v-----",
        "consents.consenttext": "v-----",
        "consents.consentevent": "va----",
        "consents.consenteddatum": "v-----",
        "consents.suppression": NOTHING,
        "privacy.disclosure": NOTHING,
        "privacy.recipientnotice": NOTHING,
        "privacy.breach": NOTHING,
        "privacy.datasubjectrequest": "va----",
        "privacy.erasurereceipt": NOTHING,
    },
    roles.SALES: {
        "customers.customer": "v-----",
        "customers.billingprofile": NOTHING,
        "customers.authorization": NOTHING,
        "customers.product": "v-----",
        "customers.purchase": "vac---",
        "customers.socialmediaprofile": NOTHING,
        "customers.user": NOTHING,
        "customers.staffrolegrant": NOTHING,
        "auth.group": NOTHING,
        "privacy.recipient": NOTHING,
        "privacy.auditevent": NOTHING,
        "privacy.noticeversion": NOTHING,
        "account.emailaddress": NOTHING,
        "mfa.authenticator": NOTHING,
        "customers.accountlinkreview": NOTHING,
        "usersessions.usersession": NOTHING,
        "consents.purpose": NOTHING,
        "consents.consenttext": NOTHING,
        "consents.consentevent": NOTHING,
        "consents.consenteddatum": NOTHING,
        "consents.suppression": NOTHING,
        "privacy.disclosure": NOTHING,
        "privacy.recipientnotice": NOTHING,
        "privacy.breach": NOTHING,
        "privacy.datasubjectrequest": NOTHING,
        "privacy.erasurereceipt": NOTHING,
    },
    roles.MARKETING: {
        "customers.customer": NOTHING,
        "customers.billingprofile": NOTHING,
        "customers.authorization": NOTHING,
        "customers.product": NOTHING,
        "customers.purchase": NOTHING,
        "customers.socialmediaprofile": NOTHING,
        "customers.user": NOTHING,
        "customers.staffrolegrant": NOTHING,
        "auth.group": NOTHING,
        "privacy.recipient": NOTHING,
        "privacy.auditevent": NOTHING,
        "privacy.noticeversion": NOTHING,
        "account.emailaddress": NOTHING,
        "mfa.authenticator": NOTHING,
        "customers.accountlinkreview": NOTHING,
        "usersessions.usersession": NOTHING,
        "consents.purpose": "v----e",
        "consents.consenttext": "v-----",
        "consents.consentevent": "v-----",
        "consents.consenteddatum": NOTHING,
        "consents.suppression": NOTHING,
        "privacy.disclosure": NOTHING,
        "privacy.recipientnotice": NOTHING,
        "privacy.breach": NOTHING,
        "privacy.datasubjectrequest": NOTHING,
        "privacy.erasurereceipt": NOTHING,
    },
    roles.DPO: {
        "customers.customer": "v---ie",
        "customers.billingprofile": "v-----",
        "customers.authorization": "v-----",
        "customers.product": "vac---",
        "customers.purchase": "v-----",
        "customers.socialmediaprofile": "v-----",
        "customers.user": "v-----",
        "customers.staffrolegrant": "v-----",
        "auth.group": "v-----",
        "privacy.recipient": "vacd--",
        "privacy.auditevent": "v-----",
        "privacy.noticeversion": "vacd--",
        "account.emailaddress": NOTHING,
        "mfa.authenticator": NOTHING,
        "customers.accountlinkreview": "v-----",
        "usersessions.usersession": NOTHING,
        "consents.purpose": "vac---",
        "consents.consenttext": "vac---",
        "consents.consentevent": "v-----",
        "consents.consenteddatum": "v-----",
        "consents.suppression": "v-----",
        "privacy.disclosure": "vac---",
        "privacy.recipientnotice": "v-c---",
        "privacy.breach": "vac---",
        "privacy.datasubjectrequest": "vac---",
        "privacy.erasurereceipt": "v-----",
    },
    roles.TECHNICAL_ADMIN: {
        "customers.customer": NOTHING,
        "customers.billingprofile": NOTHING,
        "customers.authorization": NOTHING,
        "customers.product": NOTHING,
        "customers.purchase": NOTHING,
        "customers.socialmediaprofile": NOTHING,
        "customers.user": "vac---",
        "customers.staffrolegrant": "vacd--",
        "auth.group": "v-----",
        "privacy.recipient": NOTHING,
        "privacy.auditevent": NOTHING,
        "privacy.noticeversion": NOTHING,
        "account.emailaddress": NOTHING,
        "mfa.authenticator": NOTHING,
        "customers.accountlinkreview": NOTHING,
        "usersessions.usersession": NOTHING,
        "consents.purpose": NOTHING,
        "consents.consenttext": NOTHING,
        "consents.consentevent": NOTHING,
        "consents.consenteddatum": NOTHING,
        "consents.suppression": NOTHING,
        "privacy.disclosure": NOTHING,
        "privacy.recipientnotice": NOTHING,
        "privacy.breach": NOTHING,
        "privacy.datasubjectrequest": NOTHING,
        "privacy.erasurereceipt": NOTHING,
    },
}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _model_admins() -> dict[str, admin.ModelAdmin]:
    return {model._meta.label_lower: ma for model, ma in admin.site._registry.items()}


def _admin_answers(model_admin: admin.ModelAdmin, user: User) -> dict[str, bool]:
    """Ask the ModelAdmin itself, as the admin views do, for a fresh request of `user`."""
    request = RequestFactory().get("/admin/")
    request.user = User.objects.get(pk=user.pk)  # no permission cache from earlier calls
    answers = {
        "view": model_admin.has_view_permission(request),
        "add": model_admin.has_add_permission(request),
        "change": model_admin.has_change_permission(request),
        "delete": model_admin.has_delete_permission(request),
    }
    for action in ("import", "export"):
        method = getattr(model_admin, f"has_{action}_permission", None)
        answers[action] = bool(method(request)) if method is not None else False
    return answers


def _mismatches(role: str, user: User) -> list[str]:
    problems = []
    for label, model_admin in sorted(_model_admins().items()):
        expected_row = EXPECTED[role].get(label)
        if expected_row is None:
            problems.append(f"{role} / {label}: no row in the role matrix")
            continue
        answers = _admin_answers(model_admin, user)
        for position, action in enumerate(ACTIONS):
            expected = expected_row[position] != "-"
            if answers[action] != expected:
                problems.append(
                    f"{role} / {label} / {action}: expected {'allowed' if expected else 'denied'}"
                    f", admin says {'allowed' if answers[action] else 'denied'}"
                )
    return problems


def test_the_matrix_has_exactly_the_five_roles_of_the_design() -> None:
    assert set(EXPECTED) == {
        "Customer service",
        "Sales",
        "Marketing",
        "DPO",
        "Technical admin",
    }
    assert set(EXPECTED) == set(roles.ROLE_NAMES)


def test_every_row_spells_each_action_as_its_letter_or_a_dash() -> None:
    for role, rows in EXPECTED.items():
        for label, row in rows.items():
            assert len(row) == len(ACTIONS), (role, label, row)
            for letter, action in zip(row, ACTIONS, strict=True):
                assert letter in ("-", action[0]), (role, label, row)


@pytest.mark.parametrize("role", list(EXPECTED))
def test_the_matrix_covers_every_model_registered_in_the_admin(role: str) -> None:
    registered = set(_model_admins())
    assert set(EXPECTED[role]) == registered, (
        f"{role}: rows missing for {sorted(registered - set(EXPECTED[role]))}, "
        f"rows for unregistered models {sorted(set(EXPECTED[role]) - registered)}"
    )


@pytest.mark.parametrize("role", list(EXPECTED))
def test_each_role_gets_exactly_its_row_of_the_matrix_from_the_admin(
    role: str, make_staff: Callable[..., User]
) -> None:
    user = make_staff(role)

    assert user.active_role_names() == [role]
    assert _mismatches(role, user) == []


def test_the_matrix_check_fails_when_a_role_holds_one_permission_too_many(
    make_staff: Callable[..., User],
) -> None:
    user = make_staff(roles.SALES)
    group = Group.objects.get(name=roles.SALES)
    group.permissions.add(Permission.objects.get(codename="change_customer"))

    assert _mismatches(roles.SALES, user) == [
        "Sales / customers.customer / change: expected denied, admin says allowed"
    ]


def test_a_staff_member_without_any_role_may_do_nothing(
    make_staff: Callable[..., User],
) -> None:
    user = make_staff(None)

    for label, model_admin in _model_admins().items():
        assert not any(_admin_answers(model_admin, user).values()), label


@pytest.mark.parametrize("role", list(EXPECTED))
def test_nobody_may_delete_customers_or_change_or_delete_audit_events(
    role: str, make_staff: Callable[..., User]
) -> None:
    user = make_staff(role)
    request = RequestFactory().get("/admin/")
    request.user = user

    customer_admin = admin.site._registry[Customer]
    audit_admin = admin.site._registry[AuditEvent]
    assert customer_admin.has_delete_permission(request) is False
    assert audit_admin.has_add_permission(request) is False
    assert audit_admin.has_change_permission(request) is False
    assert audit_admin.has_delete_permission(request) is False


def test_not_even_every_role_at_once_or_a_superuser_may_delete_customers_or_edit_the_log(
    make_staff: Callable[..., User], make_user: Callable[..., User]
) -> None:
    everyone = make_staff(roles.DPO, email="everything@herocon.example")
    for role in roles.ROLE_NAMES:
        if role != roles.DPO:
            group = Group.objects.get(name=role)
            StaffRoleGrant.objects.create(
                user=everyone,
                group=group,
                reason="Test",
                valid_until=helsinki_today(),
                approved_until=helsinki_today(),
            )
            everyone.groups.add(group)
    superuser = make_user("root@herocon.example", is_staff=True, is_superuser=True)

    for user in (User.objects.get(pk=everyone.pk), superuser):
        request = RequestFactory().get("/admin/")
        request.user = user
        assert user.has_perm("customers.delete_authorization")  # the roles do count
        assert admin.site._registry[Customer].has_delete_permission(request) is False
        assert admin.site._registry[AuditEvent].has_change_permission(request) is False
        assert admin.site._registry[AuditEvent].has_delete_permission(request) is False


# -- Grants end by themselves ------------------------------------------------------------


def _customer_changelist() -> str:
    return reverse("admin:customers_customer_changelist")


def test_a_grant_that_ended_yesterday_gives_no_access_even_before_it_is_tidied_away(
    make_staff: Callable[..., User],
) -> None:
    user = make_staff(roles.CUSTOMER_SERVICE, valid_until=helsinki_today() - timedelta(days=1))
    client = Client()
    client.force_login(user)

    response = client.get(_customer_changelist())

    assert response.status_code == 403
    # The group membership is still there: the backend, not the clean-up, refuses.
    assert user.groups.filter(name=roles.CUSTOMER_SERVICE).exists()
    assert StaffRoleGrant.objects.filter(user=user).count() == 1
    assert user.active_role_names() == []


def test_a_grant_ending_today_still_works_through_the_whole_day(
    make_staff: Callable[..., User], alice: Customer
) -> None:
    user = make_staff(roles.CUSTOMER_SERVICE, valid_until=helsinki_today())
    client = Client()
    client.force_login(user)

    response = client.get(_customer_changelist())

    assert response.status_code == 200
    assert alice in response.context["cl"].result_list


def test_access_ends_on_the_very_next_request_after_the_end_day(
    make_staff: Callable[..., User],
) -> None:
    user = make_staff(roles.CUSTOMER_SERVICE)
    client = Client()
    client.force_login(user)
    assert client.get(_customer_changelist()).status_code == 200

    # The end day passes: same session, same group membership, no clean-up run yet.
    StaffRoleGrant.objects.filter(user=user).update(
        valid_until=helsinki_today() - timedelta(days=1)
    )

    # Losing the last role ends the session too (issue 10): the next request is anonymous.
    response = client.get(_customer_changelist())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session
    assert client.get(_customer_changelist()).status_code == 302


def test_a_grant_starting_tomorrow_gives_no_access_today(
    make_staff: Callable[..., User],
) -> None:
    user = make_staff(roles.CUSTOMER_SERVICE)
    StaffRoleGrant.objects.filter(user=user).update(
        valid_from=helsinki_today() + timedelta(days=1),
        valid_until=helsinki_today() + timedelta(days=30),
    )
    client = Client()
    client.force_login(user)

    assert client.get(_customer_changelist()).status_code == 403


def test_the_end_day_is_a_helsinki_calendar_day_not_a_utc_one(
    make_staff: Callable[..., User], monkeypatch: pytest.MonkeyPatch
) -> None:
    user = make_staff(roles.CUSTOMER_SERVICE)
    StaffRoleGrant.objects.filter(user=user).update(
        valid_from=date(2026, 3, 1), valid_until=date(2026, 3, 10)
    )

    # 21:30 UTC on 10 March is 23:30 in Helsinki: the last day is not over yet.
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 3, 10, 21, 30, tzinfo=UTC))
    assert User.objects.get(pk=user.pk).has_perm("customers.view_customer")

    # 22:30 UTC on 10 March is already 00:30 on 11 March in Helsinki.
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 3, 10, 22, 30, tzinfo=UTC))
    assert not User.objects.get(pk=user.pk).has_perm("customers.view_customer")


def test_an_inactive_account_gets_nothing_from_its_grants(
    make_staff: Callable[..., User],
) -> None:
    user = make_staff(roles.DPO)
    User.objects.filter(pk=user.pk).update(is_active=False)

    assert not User.objects.get(pk=user.pk).has_perm("customers.view_customer")


# -- expire_staff_access ---------------------------------------------------------------------


def test_expire_staff_access_removes_ended_grants_and_their_membership_and_audits_it(
    make_staff: Callable[..., User],
) -> None:
    yesterday = helsinki_today() - timedelta(days=1)
    ended = make_staff(roles.SALES, email="ended@herocon.example", valid_until=yesterday)
    current = make_staff(roles.SALES, email="current@herocon.example", valid_until=helsinki_today())
    ended_grant = StaffRoleGrant.objects.get(user=ended)
    current_grant = StaffRoleGrant.objects.get(user=current)
    events_before = AuditEvent.objects.count()
    out = io.StringIO()

    call_command("expire_staff_access", stdout=out)

    assert not StaffRoleGrant.objects.filter(pk=ended_grant.pk).exists()
    assert not ended.groups.filter(name=roles.SALES).exists()
    assert StaffRoleGrant.objects.filter(pk=current_grant.pk).exists()
    assert current.groups.filter(name=roles.SALES).exists()
    assert User.objects.get(pk=current.pk).has_perm("customers.add_purchase")
    new_events = list(AuditEvent.objects.filter(id__gt=events_before).order_by("id"))
    assert [(e.action, e.object_type, e.object_id, e.actor_id) for e in new_events] == [
        ("expire", "customers.staffrolegrant", str(ended_grant.pk), None)
    ]
    assert "ended@herocon.example" in out.getvalue()
    assert "current@herocon.example" not in out.getvalue()
    assert "1 expired grant(s) removed." in out.getvalue()
    assert audit_log_verify() is None


def test_expire_staff_access_keeps_the_memberships_of_other_roles(
    make_staff: Callable[..., User],
) -> None:
    user = make_staff(roles.SALES, valid_until=helsinki_today() - timedelta(days=1))
    dpo_group = Group.objects.get(name=roles.DPO)
    until = helsinki_today() + timedelta(1)
    StaffRoleGrant.objects.create(
        user=user, group=dpo_group, reason="Cover", valid_until=until, approved_until=until
    )
    user.groups.add(dpo_group)

    call_command("expire_staff_access", stdout=io.StringIO())

    assert list(user.groups.values_list("name", flat=True)) == [roles.DPO]
    assert list(user.role_grants.values_list("group__name", flat=True)) == [roles.DPO]


def test_expire_staff_access_with_nothing_to_do_changes_nothing(
    make_staff: Callable[..., User],
) -> None:
    make_staff(roles.DPO)
    events_before = AuditEvent.objects.count()
    out = io.StringIO()

    call_command("expire_staff_access", stdout=out)

    assert StaffRoleGrant.objects.count() == 1
    assert AuditEvent.objects.count() == events_before
    assert "0 expired grant(s) removed." in out.getvalue()


# -- setup_roles -------------------------------------------------------------------------


def _group_permissions() -> dict[str, set[str]]:
    return {
        group.name: {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        for group in Group.objects.prefetch_related("permissions__content_type")
    }


def test_setup_roles_creates_the_five_groups_with_exactly_their_permissions(db: None) -> None:
    out = io.StringIO()

    call_command("setup_roles", stdout=out)

    assert _group_permissions() == {
        role: set(codes) for role, codes in roles.ROLE_PERMISSIONS.items()
    }
    assert out.getvalue().count("(created)") == 5


def test_setup_roles_run_twice_changes_nothing(db: None) -> None:
    call_command("setup_roles", stdout=io.StringIO())
    first = _group_permissions()
    group_ids = set(Group.objects.values_list("pk", flat=True))
    out = io.StringIO()

    call_command("setup_roles", stdout=out)

    assert _group_permissions() == first
    assert set(Group.objects.values_list("pk", flat=True)) == group_ids
    assert out.getvalue().count("(unchanged)") == 5


def test_setup_roles_removes_permissions_added_to_a_group_by_hand(db: None) -> None:
    call_command("setup_roles", stdout=io.StringIO())
    group = Group.objects.get(name=roles.CUSTOMER_SERVICE)
    group.permissions.add(
        Permission.objects.get(codename="delete_customer"),
        Permission.objects.get(codename="view_auditevent"),
    )
    group.permissions.remove(Permission.objects.get(codename="view_customer"))
    out = io.StringIO()

    call_command("setup_roles", stdout=out)

    assert _group_permissions()[roles.CUSTOMER_SERVICE] == set(
        roles.ROLE_PERMISSIONS[roles.CUSTOMER_SERVICE]
    )
    assert f"{roles.CUSTOMER_SERVICE}: " in out.getvalue()
    assert "(updated)" in out.getvalue()
