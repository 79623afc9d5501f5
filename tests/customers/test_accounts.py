"""Portal accounts through allauth's real flows (issue 4, "Accounts"): a verified email
links an account to exactly one person, an unmatched one creates a self-service person,
an ambiguous one waits for Customer service, and an unverified one links to nothing."""

import re
from collections.abc import Callable

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.conf import settings as django_settings
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from customers import roles, services
from customers.models import AccountLinkReview, Customer, DataSource, User
from privacy.models import AuditEvent
from scripts.totp_code import totp
from tests.conftest import PASSWORD

SIGNUP_PASSWORD = "kevät-aurinko-2026-Hiekka"
CONFIRM_LINK = re.compile(r"https?://[^/\s]+(/accounts/confirm-email/[^/\s]+/)")


@pytest.fixture(autouse=True)
def no_rate_limits(settings) -> None:
    """Each test signs up and logs in afresh; allauth counts attempts in the shared cache."""
    settings.ACCOUNT_RATE_LIMITS = False
    cache.clear()


def _client(language: str = "en") -> Client:
    client = Client(REMOTE_ADDR="192.0.2.10", HTTP_USER_AGENT="pytest browser")
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _sign_up(client: Client, email: str) -> None:
    response = client.post(
        reverse("account_signup"),
        {"email": email, "password1": SIGNUP_PASSWORD, "password2": SIGNUP_PASSWORD},
    )
    assert response.status_code == 302, response.content.decode()[:2000]


def _confirm_from_mail(client: Client, message: mail.EmailMessage) -> None:
    match = CONFIRM_LINK.search(message.body)
    assert match, message.body
    link = match.group(1)
    assert client.get(link).status_code == 200
    response = client.post(link)
    assert response.status_code == 302


def _log_in(client: Client, email: str, password: str = SIGNUP_PASSWORD) -> object:
    return client.post(reverse("account_login"), {"login": email, "password": password})


def _sign_up_and_verify(email: str, mailoutbox: list, language: str = "en") -> Client:
    """The whole journey a new customer makes: sign up, follow the mailed link, log in."""
    client = _client(language)
    _sign_up(client, email)
    _confirm_from_mail(client, mailoutbox[-1])
    response = _log_in(client, email)
    assert response.status_code == 302
    assert response["Location"] == "/portal/"
    return client


def _link_events(customer: Customer) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            object_type="customers.customer", object_id=str(customer.pk), actor_id=customer.user_id
        )
    )


# -- Linking through a verified email ------------------------------------------------------


def test_a_verified_unmatched_signup_creates_one_self_service_person_linked_to_it(
    db: None, mailoutbox: list
) -> None:
    _sign_up_and_verify("uusi.asiakas@example.com", mailoutbox)

    user = User.objects.get(email="uusi.asiakas@example.com")
    customer = Customer.objects.get()
    assert customer.user == user
    assert customer.kind == Customer.Kind.PERSON
    assert customer.source == DataSource.SELF_SERVICE
    assert customer.email == "uusi.asiakas@example.com"
    assert customer.name == "uusi.asiakas"
    assert customer.language == "en"  # the language the person signed up in
    assert not AccountLinkReview.objects.exists()
    events = _link_events(customer)
    assert [(e.action, "user" in e.changed_fields) for e in events] == [("create", True)]


def test_a_verified_email_matching_one_person_links_it_case_insensitively(
    make_customer: Callable[..., Customer], mailoutbox: list
) -> None:
    liisa = make_customer(name="Liisa Nieminen", email="Liisa.N@Example.com")

    _sign_up_and_verify("liisa.n@example.com", mailoutbox)

    liisa.refresh_from_db()
    assert liisa.user == User.objects.get(email="liisa.n@example.com")
    assert Customer.objects.count() == 1
    assert liisa.source == DataSource.WEB_FORM  # the record keeps where it came from
    events = _link_events(liisa)
    assert [(e.action, e.changed_fields) for e in events] == [("change", ["user"])]


def test_an_ambiguous_email_links_nothing_and_goes_to_customer_service(
    make_customer: Callable[..., Customer], mailoutbox: list
) -> None:
    make_customer(name="Matti Virtanen", email="virtanen@example.com", phone="040 111 2222")
    make_customer(name="Maija Virtanen", email="Virtanen@example.com", phone="040 333 4444")

    client = _sign_up_and_verify("virtanen@example.com", mailoutbox)

    user = User.objects.get(email="virtanen@example.com")
    assert not Customer.objects.filter(user=user).exists()
    assert Customer.objects.count() == 2
    review = AccountLinkReview.objects.get()
    assert (review.user, review.email, review.candidate_count) == (user, user.email, 2)
    assert review.resolved_at is None
    assert AuditEvent.objects.filter(
        object_type="customers.accountlinkreview", object_id=str(review.pk), action="create"
    ).exists()
    # The account holder sees nothing of either person meanwhile.
    page = client.get("/portal/").content.decode()
    for value in ("Matti", "Maija", "+358401112222", "+358403334444"):
        assert value not in page


def test_logging_in_again_with_an_open_review_adds_no_second_review(
    make_customer: Callable[..., Customer], mailoutbox: list
) -> None:
    make_customer(name="Matti Virtanen", email="virtanen@example.com")
    make_customer(name="Maija Virtanen", email="virtanen@example.com")
    _sign_up_and_verify("virtanen@example.com", mailoutbox)

    again = _client()
    assert _log_in(again, "virtanen@example.com").status_code == 302

    assert AccountLinkReview.objects.count() == 1
    assert not Customer.objects.filter(user__email="virtanen@example.com").exists()


def test_a_single_match_that_already_has_an_account_goes_to_review(
    make_customer: Callable[..., Customer], make_user: Callable[..., User]
) -> None:
    # Liisa's account uses an older address than the one on her record.
    old_account = make_user("liisa.old@example.com")
    liisa = make_customer(name="Liisa Nieminen", email="liisa@example.com", user=old_account)
    newcomer = make_user("liisa@example.com")

    outcome = services.portal_account_link(user=newcomer, email=newcomer.email, actor=newcomer)

    assert isinstance(outcome, AccountLinkReview)
    assert outcome.candidate_count == 1
    liisa.refresh_from_db()
    assert liisa.user == old_account
    assert not Customer.objects.filter(user=newcomer).exists()


def test_an_unverified_signup_links_nothing_and_creates_no_customer(
    make_customer: Callable[..., Customer], mailoutbox: list
) -> None:
    liisa = make_customer(name="Liisa Nieminen", email="liisa.n@example.com")
    client = _client()

    _sign_up(client, "liisa.n@example.com")
    login = _log_in(client, "liisa.n@example.com")

    user = User.objects.get(email="liisa.n@example.com")
    assert not EmailAddress.objects.get(user=user).verified
    assert login.status_code == 302
    assert login["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    liisa.refresh_from_db()
    assert liisa.user is None
    assert Customer.objects.count() == 1
    assert not AccountLinkReview.objects.exists()
    assert len(mailoutbox) >= 1  # the confirmation mail went out, nothing else happened


def test_the_linking_service_refuses_an_unverified_address(
    make_customer: Callable[..., Customer], make_user: Callable[..., User]
) -> None:
    liisa = make_customer(name="Liisa Nieminen", email="liisa.n@example.com")
    user = make_user("liisa.n@example.com", verified=False)
    events_before = AuditEvent.objects.count()

    assert services.portal_account_link(user=user, email=user.email, actor=user) is None
    assert services.portal_account_link_verified(user=user, actor=user) is None

    liisa.refresh_from_db()
    assert liisa.user is None
    assert Customer.objects.count() == 1
    assert AuditEvent.objects.count() == events_before


def test_an_organization_with_the_same_email_is_never_linked(
    company: Customer, mailoutbox: list
) -> None:
    _sign_up_and_verify("info@kivikko.example", mailoutbox)

    user = User.objects.get(email="info@kivikko.example")
    company.refresh_from_db()
    assert company.user is None
    person = Customer.objects.get(user=user)
    assert person.kind == Customer.Kind.PERSON
    assert person.source == DataSource.SELF_SERVICE


def test_staff_accounts_are_never_linked_to_customers(
    make_customer: Callable[..., Customer], make_staff: Callable[..., User]
) -> None:
    staff = make_staff(roles.SALES, email="myyja@herocon.example")
    make_customer(name="Myyjä Itse", email="myyja@herocon.example")

    assert services.portal_account_link(user=staff, email=staff.email, actor=staff) is None
    assert not Customer.objects.filter(user=staff).exists()


def test_emails_go_out_in_the_language_the_person_uses(db: None, mailoutbox: list) -> None:
    _sign_up(_client("sv"), "svensk@example.com")

    assert mailoutbox[-1].subject == "[Herocon] Vänligen bekräfta din epost-adress"


def test_a_known_customer_gets_mail_in_the_language_on_their_record(
    alice: Customer, mailoutbox: list
) -> None:
    Customer.objects.filter(pk=alice.pk).update(language="sv")
    client = _client("fi")  # the site is used in Finnish at the moment

    response = client.post(reverse("account_reset_password"), {"email": "alice@example.com"})

    assert response.status_code == 302
    assert mailoutbox[-1].to == ["alice@example.com"]
    assert mailoutbox[-1].subject == "[Herocon] Återställning av lösenord"


# -- Sessions and MFA ----------------------------------------------------------------------


def test_a_customer_sees_their_sessions_and_can_sign_out_the_others(alice: Customer) -> None:
    laptop = _client()
    phone = Client(REMOTE_ADDR="198.51.100.7", HTTP_USER_AGENT="phone browser")
    for client in (laptop, phone):
        assert _log_in(client, "alice@example.com", PASSWORD).status_code == 302

    page = laptop.get(reverse("usersessions_list"))

    assert page.status_code == 200
    assert page.context["session_count"] == 2
    assert "198.51.100.7" in page.content.decode()
    assert UserSession.objects.filter(user=alice.user).count() == 2

    response = laptop.post(reverse("usersessions_list"))

    assert response.status_code == 302
    assert list(UserSession.objects.filter(user=alice.user).values_list("ip", flat=True)) == [
        "192.0.2.10"
    ]
    signed_out = phone.get(reverse("usersessions_list"))
    assert signed_out.status_code == 302
    assert signed_out["Location"].startswith(reverse("account_login"))
    assert laptop.get(reverse("usersessions_list")).status_code == 200


def test_the_account_menu_links_to_the_sessions_page(alice: Customer) -> None:
    client = _client()
    client.force_login(alice.user)

    page = client.get(reverse("mfa_index")).content.decode()

    assert f'href="{reverse("usersessions_list")}"' in page


def test_a_customer_can_set_up_totp_but_is_not_made_to(alice: Customer) -> None:
    client = _client()
    assert _log_in(client, "alice@example.com", PASSWORD)["Location"] == "/portal/"

    # Setting up a second factor is account-sensitive: allauth asks for the password again.
    first = client.get(reverse("mfa_activate_totp"))
    assert first.status_code == 302
    assert first["Location"].startswith(reverse("account_reauthenticate"))
    again = client.post(
        reverse("account_reauthenticate"),
        {"password": PASSWORD, "next": reverse("mfa_activate_totp")},
    )
    assert again.status_code == 302
    page = client.get(reverse("mfa_activate_totp"))

    assert page.status_code == 200
    secret = page.context["form"].secret
    response = client.post(reverse("mfa_activate_totp"), {"code": totp(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=alice.user, type=Authenticator.Type.TOTP).exists()


# -- Customer service resolves ambiguous accounts --------------------------------------------


@pytest.fixture
def open_review(
    make_customer: Callable[..., Customer], make_user: Callable[..., User]
) -> AccountLinkReview:
    make_customer(name="Matti Virtanen", email="virtanen@example.com")
    make_customer(name="Maija Virtanen", email="virtanen@example.com")
    user = make_user("virtanen@example.com")
    review = services.portal_account_link(user=user, email=user.email, actor=user)
    assert isinstance(review, AccountLinkReview)
    return review


def _review_url(review: AccountLinkReview) -> str:
    return reverse("admin:customers_accountlinkreview_change", args=[review.pk])


def test_customer_service_links_the_account_to_the_chosen_person_and_it_is_audited(
    open_review: AccountLinkReview, staff_client: Callable[..., Client]
) -> None:
    client = staff_client(roles.CUSTOMER_SERVICE)
    maija = Customer.objects.get(name="Maija Virtanen")
    page = client.get(_review_url(open_review))
    assert page.status_code == 200
    assert "Maija Virtanen" in page.content.decode()

    response = client.post(
        _review_url(open_review),
        {"customer": maija.pk, "note": "Called the number on Maija's record; she confirmed."},
    )

    assert response.status_code == 302
    maija.refresh_from_db()
    open_review.refresh_from_db()
    staff = User.objects.get(email="customer-service@herocon.example")
    assert maija.user == open_review.user
    assert not Customer.objects.filter(name="Matti Virtanen", user__isnull=False).exists()
    assert open_review.resolved_at is not None
    assert open_review.resolved_by == staff
    assert AuditEvent.objects.filter(
        action="change",
        object_type="customers.customer",
        object_id=str(maija.pk),
        actor_id=staff.pk,
        changed_fields=["user"],
    ).exists()
    assert AuditEvent.objects.filter(
        action="change",
        object_type="customers.accountlinkreview",
        object_id=str(open_review.pk),
        actor_id=staff.pk,
    ).exists()
    # A resolved review is closed: it cannot be resolved a second time.
    again = client.post(_review_url(open_review), {"create_new": "on", "note": "Again"})
    assert again.status_code == 403
    assert Customer.objects.count() == 2


def test_customer_service_can_create_a_new_person_when_no_match_is_the_holder(
    open_review: AccountLinkReview, staff_client: Callable[..., Client]
) -> None:
    client = staff_client(roles.CUSTOMER_SERVICE)

    response = client.post(
        _review_url(open_review), {"create_new": "on", "note": "Neither; a third Virtanen."}
    )

    assert response.status_code == 302
    created = Customer.objects.get(user=open_review.user)
    assert created.source == DataSource.SELF_SERVICE
    assert Customer.objects.count() == 3


def test_a_review_needs_exactly_one_decision_and_a_note(
    open_review: AccountLinkReview, staff_client: Callable[..., Client]
) -> None:
    client = staff_client(roles.CUSTOMER_SERVICE)
    maija = Customer.objects.get(name="Maija Virtanen")

    for data in (
        {"note": "Nothing chosen"},
        {"customer": maija.pk, "create_new": "on", "note": "Both chosen"},
        {"customer": maija.pk, "note": ""},
    ):
        response = client.post(_review_url(open_review), data)
        assert response.status_code == 200
        assert response.context["adminform"].form.errors

    assert not Customer.objects.filter(user=open_review.user).exists()
    open_review.refresh_from_db()
    assert open_review.resolved_at is None


def test_only_the_candidates_can_be_chosen_in_a_review(
    open_review: AccountLinkReview, staff_client: Callable[..., Client], company: Customer
) -> None:
    client = staff_client(roles.CUSTOMER_SERVICE)

    response = client.post(_review_url(open_review), {"customer": company.pk, "note": "Wrong"})

    assert response.status_code == 200
    assert "customer" in response.context["adminform"].form.errors
    company.refresh_from_db()
    assert company.user is None


def test_sales_may_not_resolve_a_review(
    open_review: AccountLinkReview, staff_client: Callable[..., Client]
) -> None:
    client = staff_client(roles.SALES)
    maija = Customer.objects.get(name="Maija Virtanen")

    assert client.get(_review_url(open_review)).status_code == 403
    response = client.post(_review_url(open_review), {"customer": maija.pk, "note": "Mine now"})

    assert response.status_code == 403
    maija.refresh_from_db()
    open_review.refresh_from_db()
    assert maija.user is None
    assert open_review.resolved_at is None
