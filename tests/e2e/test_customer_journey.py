"""The customer's journey in a real browser (issues 4 and 10): sign up, verify the email from the
test mailbox, see my data, correct my phone, download my data, ask for erasure; and the
portal's forms with the keyboard alone, every input labelled.

The browser runs in Finnish; elements are found by ids, names and URLs, not by
translated text."""

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import formats, translation

from customers.models import Customer, DataSource, User
from privacy.models import DataSubjectRequest

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL = "uusi.asiakas@example.com"
PASSWORD = "Sininen-Kettu-2026!x"
CONFIRM_LINK = re.compile(r"https?://[^\s]+/accounts/confirm-email/[^\s]+/")

# Every input the person can reach must have a label (or aria-labelledby).
UNLABELLED_INPUTS = """() => Array.from(document.querySelectorAll('input, select, textarea'))
  .filter(e => e.type !== 'hidden')
  .filter(e => !(e.labels && e.labels.length > 0) && !e.getAttribute('aria-labelledby'))
  .map(e => e.name || e.id || e.outerHTML)"""


@pytest.fixture(autouse=True)
def journey_settings(settings: Any) -> None:
    # One browser signs up, signs in and re-authenticates faster than rate limits allow.
    settings.ACCOUNT_RATE_LIMITS = False


def submit(page: Any, form: str) -> None:
    with page.expect_navigation():
        page.locator(f"{form} button[type=submit]").first.click()


def reauthenticate_if_asked(page: Any) -> None:
    if "/accounts/reauthenticate/" in page.url:
        page.fill("input[name=password]", PASSWORD)
        submit(page, "form[method=post]:has(input[name=password])")


def needs_reauthentication(page: Any) -> bool:
    """Whether allauth will ask for the password before a download (the answer depends on
    when the person last signed in). Asked of the erasure page: a GET there changes
    nothing, while a download would be audited."""
    response = page.request.get("/portal/requests/erasure/", max_redirects=0)
    return response.status == 302 and "/accounts/reauthenticate/" in response.headers["location"]


def test_a_new_customer_signs_up_sees_corrects_downloads_and_asks_for_erasure(
    page: Any, mailoutbox: list, tmp_path: Path
) -> None:
    # Sign up.
    page.goto("/accounts/signup/")
    assert page.locator("html").get_attribute("lang") == "fi"
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    submit(page, "form[action='/accounts/signup/']")
    assert not Customer.objects.filter(email=EMAIL).exists()  # unverified: linked to nothing

    # Verify the address with the link from the mail.
    [message] = [m for m in mailoutbox if EMAIL in m.to]
    link = CONFIRM_LINK.search(message.body)
    assert link, message.body
    page.goto(link.group(0))
    submit(page, "form[action*='/accounts/confirm-email/']")
    if "/accounts/login/" in page.url:
        page.fill("input[name=login]", EMAIL)
        page.fill("input[name=password]", PASSWORD)
        submit(page, "form[action='/accounts/login/']")

    # All my data.
    assert page.url.endswith("/portal/"), page.url
    assert EMAIL in page.locator("main").inner_text()
    customer = Customer.objects.get(email=EMAIL)
    assert customer.source == DataSource.SELF_SERVICE
    assert customer.user == User.objects.get(email=EMAIL)

    # Correct my phone.
    page.goto("/portal/profile/")
    page.fill("#id_phone", "040 754 0576")
    submit(page, "form[action='/portal/profile/']")
    page.goto("/portal/")
    assert "+358407540576" in page.locator("main").inner_text()

    # Download my data as JSON, giving the password again when asked.
    page.goto("/portal/export/")
    download_link = page.locator("a[href='/portal/export/json/']")
    if needs_reauthentication(page):
        with page.expect_navigation():
            download_link.click()
        assert "/accounts/reauthenticate/" in page.url
        page.fill("input[name=password]", PASSWORD)
        with page.expect_download() as info:
            page.locator("form[method=post]:has(input[name=password]) button[type=submit]").click()
    else:
        with page.expect_download() as info:
            download_link.click()
    download = info.value
    assert download.suggested_filename.startswith("herocon-my-data-")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["customer"] == str(customer.public_id)
    assert "+358407540576" in json.dumps(data)
    assert EMAIL in json.dumps(data)

    # Ask for erasure: see what is erased, tick the confirmation, send.
    page.goto("/portal/requests/")
    page.locator("a[href='/portal/requests/erasure/']").click()
    page.wait_for_load_state()
    reauthenticate_if_asked(page)
    assert page.url.endswith("/portal/requests/erasure/"), page.url
    assert page.locator("#h-erased").is_visible()
    assert not page.locator("input[name=confirm]").is_checked()
    page.check("input[name=confirm]")
    submit(page, "form[action='/portal/requests/erasure/']")

    assert page.url.endswith("/portal/requests/"), page.url
    request = DataSubjectRequest.objects.get(customer=customer)
    assert request.kind == DataSubjectRequest.Kind.ERASURE
    with translation.override("fi"):
        status = str(request.get_status_display())
        kind = str(request.get_kind_display())
        due = formats.date_format(request.due_on, "SHORT_DATE_FORMAT")
    row = page.locator("table.data-table tbody tr").filter(has_text=kind)
    assert row.count() == 1
    cells = row.locator("td").all_inner_texts()
    assert status in cells[0]
    assert due in cells[2]
    # The erasure page now says the request is in, and offers no second one.
    page.goto("/portal/requests/erasure/")
    assert page.locator("input[name=confirm]").count() == 0


@pytest.fixture
def signed_in(page: Any, django_user_model: type[User]) -> Any:
    from allauth.account.models import EmailAddress

    user = django_user_model.objects.create_user(email="nappaimisto@example.com", password=PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    Customer.objects.create(
        kind=Customer.Kind.PERSON,
        name="Noora Näppäimistö",
        email=user.email,
        postal_code="00100",
        city="Helsinki",
        country="FI",
        source=DataSource.WEB_FORM,
        user=user,
    )
    page.goto("/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    submit(page, "form[action='/accounts/login/']")
    assert page.url.endswith("/portal/"), page.url
    return page


def test_the_profile_form_is_filled_and_sent_with_the_keyboard_alone(signed_in: Any) -> None:
    page = signed_in
    page.goto("/portal/profile/")

    # Tab through the page until the phone field has the focus; no mouse, no selectors.
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "phone":
            break
    else:
        pytest.fail("the phone field cannot be reached with Tab")
    page.keyboard.type("040 754 0576")
    # The focus is visible where it is (a visible focus style, DESIGN.md "Accessible").
    outline = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return s.outlineStyle !== 'none' || s.boxShadow !== 'none'; })()"
    )
    assert outline, "the focused field shows no focus indicator"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "language"
    with page.expect_navigation():
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Enter")

    assert page.url.endswith("/portal/profile/")
    assert Customer.objects.get(email="nappaimisto@example.com").phone == "+358407540576"
    assert page.locator("[aria-invalid=true]").count() == 0


@pytest.mark.parametrize("path", ["/portal/profile/", "/portal/requests/erasure/"])
def test_every_input_on_the_profile_and_erasure_pages_has_a_label(
    signed_in: Any, path: str
) -> None:
    page = signed_in
    page.goto(path)
    reauthenticate_if_asked(page)
    assert page.url.endswith(path), page.url

    assert page.locator("input:not([type=hidden]), select, textarea").count() >= 2
    assert page.evaluate(UNLABELLED_INPUTS) == []


def test_a_customer_gives_and_withdraws_a_consent_with_one_button_each(signed_in: Any) -> None:
    from django.core.management import call_command

    from consents.models import ConsentEvent

    call_command("setup_consents", verbosity=0)
    page = signed_in
    page.goto("/portal/consents/")
    give = page.locator("form[action='/portal/consents/newsletter/give/'] button[type=submit]")
    assert give.is_visible()
    with page.expect_navigation():
        give.click()
    withdraw = page.locator(
        "form[action='/portal/consents/newsletter/withdraw/'] button[type=submit]"
    )
    assert withdraw.is_visible()
    with page.expect_navigation():
        withdraw.click()
    assert page.locator(
        "form[action='/portal/consents/newsletter/give/'] button[type=submit]"
    ).is_visible()
    kinds = list(
        ConsentEvent.objects.filter(purpose__key="newsletter")
        .order_by("occurred_at")
        .values_list("kind", flat=True)
    )
    assert kinds == [ConsentEvent.Kind.GRANT, ConsentEvent.Kind.WITHDRAW]
