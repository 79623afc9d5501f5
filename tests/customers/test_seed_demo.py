import io

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import CommandError, call_command
from stdnum.fi import ytunnus

from customers import roles
from customers.models import (
    Authorization,
    BillingProfile,
    Customer,
    Product,
    Purchase,
    StaffRoleGrant,
    User,
)
from customers.validators import validate_e_invoice_address
from privacy.models import AuditEvent

MODELS = [
    Customer,
    BillingProfile,
    Authorization,
    Product,
    Purchase,
    User,
    StaffRoleGrant,
    AuditEvent,
]


def _seed(**kwargs) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **kwargs)
    return out.getvalue()


@pytest.mark.django_db
def test_seed_demo_refuses_with_debug_off_and_changes_nothing(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG off"):
        _seed()
    assert Customer.objects.count() == 0
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_seed_demo_runs_with_debug_off_when_forced(settings):
    settings.DEBUG = False
    _seed(force=True)
    assert Customer.objects.organizations().count() >= 3


@pytest.mark.django_db
def test_seed_demo_twice_changes_nothing(settings):
    settings.DEBUG = True
    _seed()
    counts = {model.__name__: model.objects.count() for model in MODELS}
    _seed()
    assert {model.__name__: model.objects.count() for model in MODELS} == counts


@pytest.mark.django_db
def test_demo_companies_have_valid_business_ids_and_e_invoice_addresses(settings):
    settings.DEBUG = True
    _seed()
    organizations = Customer.objects.organizations()
    assert organizations.count() >= 3
    for organization in organizations:
        assert ytunnus.is_valid(organization.business_id), organization.name
        for profile in organization.billing_profiles.all():
            validate_e_invoice_address(profile.e_invoice_address)
    assert BillingProfile.objects.exclude(e_invoice_address="").exists()
    # Every demo purchase for a company was made by someone with a purchase right.
    for purchase in Purchase.objects.filter(customer__kind="organization"):
        purchase.full_clean()


@pytest.mark.django_db
def test_demo_has_one_staff_user_per_role_with_totp_and_prints_the_logins(settings):
    settings.DEBUG = True
    output = _seed()
    for role in roles.ROLE_NAMES:
        grant = StaffRoleGrant.objects.get(group__name=role)
        assert grant.user.is_staff
        assert not grant.user.is_superuser
        assert grant.is_active()
        assert Authenticator.objects.filter(user=grant.user, type=Authenticator.Type.TOTP).exists()
        assert grant.user.email in output
    assert "JBSWY3DPEHPK3PXP" in output
    assert not User.objects.filter(is_superuser=True).exists()
    portal_users = User.objects.filter(customer__isnull=False)
    assert portal_users.exists()
    for user in portal_users:
        assert user.email in output
        assert not user.is_staff


@pytest.mark.django_db
def test_demo_data_is_written_through_the_audited_services(settings):
    settings.DEBUG = True
    _seed()
    created = AuditEvent.objects.filter(action="create", object_type="customers.customer")
    assert created.count() == Customer.objects.count()
    call_command("verify_audit_log", stdout=io.StringIO())
