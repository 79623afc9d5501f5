"""The preference centre and the unsubscribe link: one POST to give, one to withdraw,
nothing pre-ticked; GET never changes anything; a forged token changes nothing."""

import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from consents import services
from consents.models import ConsentedDatum, ConsentEvent, Purpose
from customers.models import Customer, DataSource
from privacy.models import AuditEvent
from tests.consents.conftest import ledger

PREFERENCES = "/portal/consents/"


@pytest.fixture
def alice_client(alice: Customer) -> Client:
    client = Client()
    client.force_login(alice.user)
    return client


def _forms(html: str) -> list[str]:
    return re.findall(r"<form\b.*?</form>", html, flags=re.S)


def test_the_preference_centre_needs_a_login(purposes: dict, client: Client) -> None:
    response = client.get(PREFERENCES)

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_preference_centre_lists_the_purposes_for_people_with_nothing_ticked(
    alice_client: Client, purposes: dict
) -> None:
    html = alice_client.get(PREFERENCES).content.decode()

    assert reverse("consents:preferences") == PREFERENCES
    assert "Uutiskirje sähköpostiin" in html  # Finnish first
    assert "Markkinointi yrityksille" not in html  # B2B is for organizations
    assert 'type="checkbox"' not in html and "checked" not in html
    # One form per purpose, each holding one button: nothing bundled.
    gives = [f for f in _forms(html) if "/give/" in f]
    assert len(gives) == 4
    assert all(f.count("<button") == 1 for f in gives)


def test_withdrawal_takes_no_more_steps_than_giving(
    alice_client: Client, alice: Customer, newsletter: Purpose
) -> None:
    page = alice_client.get(PREFERENCES).content.decode()
    give_form = next(f for f in _forms(page) if "/newsletter/give/" in f)
    give_fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', give_form))

    given = alice_client.post(reverse("consents:give", args=["newsletter"]), give_fields)

    assert given.status_code == 302
    assert ledger(alice) == [("newsletter", "grant")]
    assert Customer.objects.contactable(newsletter).filter(pk=alice.pk).exists()

    page = alice_client.get(PREFERENCES).content.decode()
    withdraw_form = next(f for f in _forms(page) if "/newsletter/withdraw/" in f)
    withdraw_fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', withdraw_form))

    withdrawn = alice_client.post(
        reverse("consents:withdraw", args=["newsletter"]), withdraw_fields
    )

    assert withdrawn.status_code == 302
    assert ledger(alice) == [("newsletter", "grant"), ("newsletter", "withdraw")]
    assert not Customer.objects.contactable(newsletter).filter(pk=alice.pk).exists()
    # Same number of requests and buttons; withdrawing needs no more fields than giving.
    assert withdraw_form.count("<button") == give_form.count("<button") == 1
    assert len(withdraw_fields) <= len(give_fields)
    event = ConsentEvent.objects.filter(customer=alice).order_by("id").first()
    assert (event.text.version, event.method, event.actor_id) == (1, "portal", alice.user_id)


def test_a_consent_to_an_outdated_text_version_is_refused(
    alice_client: Client, alice: Customer, newsletter: Purpose
) -> None:
    response = alice_client.post(
        reverse("consents:give", args=["newsletter"]), {"text": "999"}, follow=True
    )

    assert response.status_code == 200
    assert ledger(alice) == []


def test_a_person_cannot_act_on_a_purpose_for_organizations(
    alice_client: Client, alice: Customer, b2b: Purpose
) -> None:
    response = alice_client.post(reverse("consents:withdraw", args=["b2b_marketing"]))

    assert response.status_code == 404
    assert ledger(alice) == []


def test_withdrawing_erases_the_consented_data_of_that_purpose_and_nothing_else(
    alice: Customer, charlie: Customer, purposes: dict, give: Callable
) -> None:
    research, social = purposes["market_research"], purposes["social_media"]
    for customer in (alice, charlie):
        for purpose in (research, social):
            give(customer, purpose)
            services.consented_datum_add(
                customer=customer,
                purpose=purpose,
                name="topic",
                value="x",
                source=DataSource.SELF_SERVICE,
                actor=None,
            )

    services.consent_withdraw(customer=alice, purpose=research, actor=None)

    left = set(ConsentedDatum.objects.values_list("customer__name", "purpose__key"))
    assert left == {
        ("Alice Aaltonen", "social_media"),
        ("Charlie Carlsson", "market_research"),
        ("Charlie Carlsson", "social_media"),
    }


def test_charlie_never_sees_alices_consents(
    alice: Customer, charlie: Customer, newsletter: Purpose, give: Callable
) -> None:
    give(alice, newsletter)
    client = Client()
    client.force_login(charlie.user)

    html = client.get(PREFERENCES).content.decode()

    assert "Consent given" not in html and "Annettu" not in html
    assert ledger(charlie) == []


# -- Unsubscribe ----------------------------------------------------------------------------


@pytest.fixture
def subscribed(alice: Customer, newsletter: Purpose, give: Callable) -> str:
    give(alice, newsletter)
    return reverse(
        "consents:unsubscribe",
        args=[services.unsubscribe_token(customer=alice, purpose=newsletter)],
    )


def test_get_on_the_unsubscribe_link_shows_a_confirmation_and_changes_nothing(
    subscribed: str, alice: Customer, client: Client
) -> None:
    audit_before = AuditEvent.objects.count()

    response = client.get(subscribed)
    client.head(subscribed)

    assert response.status_code == 200
    assert "<form" in response.content.decode()
    assert ledger(alice) == [("newsletter", "grant")]
    assert AuditEvent.objects.count() == audit_before


def test_posting_the_confirmation_form_unsubscribes_without_a_login(
    subscribed: str, alice: Customer, newsletter: Purpose
) -> None:
    client = Client(enforce_csrf_checks=True)
    page = client.get(subscribed).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    response = client.post(subscribed, {"csrfmiddlewaretoken": token})

    assert response.status_code == 200
    assert ledger(alice) == [("newsletter", "grant"), ("newsletter", "withdraw")]
    event = ConsentEvent.objects.filter(customer=alice).order_by("-id").first()
    assert (event.method, event.channel, event.actor_id) == ("unsubscribe_link", "email", None)


def test_the_form_post_without_a_csrf_token_is_refused(subscribed: str, alice: Customer) -> None:
    response = Client(enforce_csrf_checks=True).post(subscribed, {})

    assert response.status_code == 403
    assert ledger(alice) == [("newsletter", "grant")]


def test_the_one_click_post_unsubscribes_without_csrf(subscribed: str, alice: Customer) -> None:
    response = Client(enforce_csrf_checks=True).post(subscribed, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert ledger(alice) == [("newsletter", "grant"), ("newsletter", "withdraw")]
    assert ConsentEvent.objects.filter(customer=alice, method="one_click").count() == 1


@pytest.mark.parametrize(
    "alter",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # signature changed
        lambda token: token.replace(token.split(":")[0], token.split(":")[0][::-1]),
        lambda token: "eyJjIjoiMDAwIiwicCI6Im5ld3NsZXR0ZXIifQ:forged",
        lambda token: "not-a-token",
    ],
)
@pytest.mark.parametrize("how", ["get", "post", "one_click"])
def test_a_forged_or_altered_token_gets_a_clear_400_and_changes_nothing(
    alter: Callable, how: str, alice: Customer, newsletter: Purpose, give: Callable
) -> None:
    give(alice, newsletter)
    token = alter(services.unsubscribe_token(customer=alice, purpose=newsletter))
    url = reverse("consents:unsubscribe", args=[token])
    # English, so the check reads the page's words and not a translation in progress.
    client = Client(headers={"accept-language": "en"})
    audit_before = AuditEvent.objects.count()

    if how == "get":
        response = client.get(url)
    elif how == "post":
        response = client.post(url, {})
    else:
        response = client.post(url, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 400
    assert "This unsubscribe link is not valid" in response.content.decode()
    assert ledger(alice) == [("newsletter", "grant")]
    assert AuditEvent.objects.count() == audit_before


def test_a_token_for_one_purpose_cannot_be_reused_for_another(
    alice: Customer, newsletter: Purpose, purposes: dict
) -> None:
    token = services.unsubscribe_token(customer=alice, purpose=newsletter)

    target = services.unsubscribe_target(token)

    assert (target.customer, target.purpose) == (alice, newsletter)
    assert token != services.unsubscribe_token(customer=alice, purpose=purposes["market_research"])


def test_an_organization_opts_out_with_its_link(company: Customer, b2b: Purpose) -> None:
    url = reverse(
        "consents:unsubscribe", args=[services.unsubscribe_token(customer=company, purpose=b2b)]
    )

    Client().post(url, {"List-Unsubscribe": "One-Click"})

    assert ledger(company) == [("b2b_marketing", "withdraw")]
    assert not Customer.objects.contactable(b2b).exists()


def test_marketing_email_carries_the_rfc_8058_headers(
    alice: Customer, newsletter: Purpose, settings, mailoutbox: list
) -> None:
    settings.SITE_URL = "https://rekisteri.herocon.fi"

    message = services.marketing_email_build(
        customer=alice, purpose=newsletter, subject="Uutiskirje", body="Hei!"
    )
    message.send()

    token = services.unsubscribe_token(customer=alice, purpose=newsletter)
    url = f"https://rekisteri.herocon.fi/unsubscribe/{token}/"
    sent = mailoutbox[0]
    assert sent.extra_headers["List-Unsubscribe"] == f"<{url}>"
    assert sent.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert sent.to == ["alice@example.com"]
    assert url in sent.body


def test_withdrawing_the_social_media_consent_erases_the_collected_profiles_only(
    alice: Customer, charlie: Customer, purposes: dict, give: Callable
) -> None:
    from customers.models import SocialMediaProfile

    social, research = purposes["social_media"], purposes["market_research"]
    for customer in (alice, charlie):
        give(customer, social)
        SocialMediaProfile.objects.create(
            customer=customer,
            platform=SocialMediaProfile.Platform.LINKEDIN,
            handle=customer.name.split()[0].lower(),
            collected_from="Shared by the customer",
            source=DataSource.SOCIAL_MEDIA,
        )
    give(alice, research)

    services.consent_withdraw(customer=alice, purpose=research, actor=None)
    assert SocialMediaProfile.objects.filter(customer=alice).count() == 1

    services.consent_withdraw(customer=alice, purpose=social, actor=None)

    assert not SocialMediaProfile.objects.filter(customer=alice).exists()
    assert SocialMediaProfile.objects.filter(customer=charlie).count() == 1
    event = AuditEvent.objects.filter(object_type="customers.socialmediaprofile").latest("id")
    assert (event.action, event.object_id, event.row_count) == ("delete", str(alice.pk), 1)
