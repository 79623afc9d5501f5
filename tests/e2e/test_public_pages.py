"""The public pages in a real browser: keyboard reach, language switch, the notice."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def published_notice(db) -> None:
    from django.core.management import call_command

    call_command("setup_notice", verbosity=0)


def test_the_skip_link_is_the_first_stop_for_the_keyboard_and_jumps_to_the_content(page):
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == "#main"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_switching_the_language_to_swedish_changes_the_page_and_its_lang(page):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "fi"
    page.select_option("#language-select", "sv")
    page.locator(".language-switch button").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "sv"


def test_the_footer_leads_to_the_privacy_notice_in_each_language(page, published_notice):
    page.goto("/")
    page.locator("footer a[href='/privacy/']").click()
    assert page.locator("#complaint").is_visible()
    assert "tietosuoja@om.fi" in page.locator("#complaint").inner_text()
    for language in ("fi", "sv", "en"):
        page.goto(f"/privacy/?lang={language}")
        assert page.locator("html").get_attribute("lang") == language
        assert page.locator("section#objection h2").is_visible()
