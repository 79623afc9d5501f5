"""Finnish first, Swedish and English on request: the pages, the switch, the catalogues."""

import ast
import gettext
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.utils import translation

from customers.validators import validate_business_id

LOCALE_DIR = Path(django_settings.BASE_DIR) / "locale"
TRANSLATED_LANGUAGES = ["fi", "sv"]
ALL_LANGUAGES = ["fi", "sv", "en"]

# One string from our own templates and one from allauth's, as each language shows them.
LANDING_TEXT = {
    "fi": "Heroconin asiakaspalvelu",
    "sv": "Herocons kundtjänst",
    "en": "Herocon customer service",
}
LOGIN_TEXT = {"fi": "Kirjaudu sisään", "sv": "Logga in", "en": "Sign in"}


def page(client, url: str, language: str | None = None) -> str:
    if language:
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


# -- Pages ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_landing_page_is_finnish_without_a_language_choice(client):
    html = page(client, "/")
    assert '<html lang="fi">' in html
    assert LANDING_TEXT["fi"] in html
    assert "Siirry sisältöön" in html  # the skip link


@pytest.mark.django_db
def test_login_page_is_finnish_without_a_language_choice(client):
    html = page(client, "/accounts/login/")
    assert '<html lang="fi">' in html
    assert LOGIN_TEXT["fi"] in html


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["sv", "en"])
def test_landing_page_follows_the_language_cookie(client, language):
    html = page(client, "/", language)
    assert f'<html lang="{language}">' in html
    assert LANDING_TEXT[language] in html
    assert LANDING_TEXT["fi"] not in html


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["sv", "en"])
def test_login_page_follows_the_language_cookie(client, language):
    html = page(client, "/accounts/login/", language)
    assert f'<html lang="{language}">' in html
    assert LOGIN_TEXT[language] in html
    assert LOGIN_TEXT["fi"] not in html


@pytest.mark.django_db
def test_swedish_login_page_invites_to_create_an_account_not_to_log_in(client):
    # allauth's own Swedish text says "Already have an account? Log in" beside the sign-up link.
    html = page(client, "/accounts/login/", "sv")
    assert "Har du inget konto ännu?" in html
    assert "Har du redan ett konto?" not in html


@pytest.mark.django_db
def test_every_page_has_a_language_switch_that_posts_to_set_language(client):
    html = page(client, "/")
    form = re.search(r'<form class="language-switch"[^>]*>.*?</form>', html, re.S)
    assert form is not None
    assert 'action="/i18n/setlang/"' in form.group(0)
    assert 'method="post"' in form.group(0)
    assert '<label for="language-select">Kieli</label>' in form.group(0)
    for code in ALL_LANGUAGES:
        assert f'value="{code}"' in form.group(0)


@pytest.mark.django_db
def test_switching_language_sets_the_cookie_and_the_next_page_follows_it(client):
    response = client.post("/i18n/setlang/", {"language": "sv", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert response.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "sv"

    html = page(client, "/")
    assert '<html lang="sv">' in html
    assert LANDING_TEXT["sv"] in html


@pytest.mark.django_db
def test_language_switch_button_does_not_rename_the_admins_change_links(client):
    # "Change" means "edit" in the admin; the switch's button has its own context.
    with translation.override("fi"):
        assert translation.gettext("Change") == "Muokkaa"
        assert translation.pgettext("language switch button", "Change") == "Vaihda"


# -- Messages from Python code -----------------------------------------------------------------


def business_id_error(language: str) -> str:
    with translation.override(language):
        with pytest.raises(ValidationError) as caught:
            validate_business_id("0737546-3")
        return " ".join(caught.value.messages)


def test_business_id_error_is_finnish_swedish_or_english_by_the_active_language():
    english = business_id_error("en")
    finnish = business_id_error("fi")
    swedish = business_id_error("sv")
    assert "business ID" in english
    assert "Y-tunnu" in finnish
    assert "FO-numret" in swedish
    assert len({english, finnish, swedish}) == 3


# -- Catalogues --------------------------------------------------------------------------------


def po_entries(path: Path) -> list[dict]:
    """The entries of a .po file: flags, context, msgid(s) and msgstr(s), unescaped."""
    entries = []
    for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
        entry: dict = {"flags": set(), "msgstr": {}}
        key = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#~"):
                entry["obsolete"] = True
            elif line.startswith("#"):
                continue
            else:
                match = re.match(
                    r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)?\s*(".*")$', line
                )
                assert match, f"{path}: cannot read {line!r}"
                key = match.group(1) or key
                text = ast.literal_eval(match.group(2))
                if key.startswith("msgstr"):
                    index = int(key[7:-1]) if "[" in key else 0
                    entry["msgstr"][index] = entry["msgstr"].get(index, "") + text
                else:
                    entry[key] = entry.get(key, "") + text
        if "msgid" in entry and not entry.get("obsolete"):
            entries.append(entry)
    return entries


def po_catalogue(path: Path) -> dict:
    """What the .po should compile to, keyed as Python's gettext keys a .mo catalogue."""
    catalogue = {}
    for entry in po_entries(path):
        if entry["msgid"] == "" or "fuzzy" in entry["flags"]:
            continue
        key = entry["msgid"]
        if "msgctxt" in entry:
            key = f"{entry['msgctxt']}\x04{key}"
        if "msgid_plural" in entry:
            for index, text in entry["msgstr"].items():
                if text:
                    catalogue[(key, index)] = text
        elif entry["msgstr"].get(0):
            catalogue[key] = entry["msgstr"][0]
    return catalogue


def mo_catalogue(path: Path) -> dict:
    with path.open("rb") as mo:
        catalogue = dict(gettext.GNUTranslations(mo)._catalog)
    catalogue.pop("", None)  # the header
    return catalogue


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_no_catalogue_has_fuzzy_entries(language):
    path = LOCALE_DIR / language / "LC_MESSAGES" / "django.po"
    fuzzy = [entry["msgid"] for entry in po_entries(path) if "fuzzy" in entry["flags"]]
    assert fuzzy == []


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_finnish_and_swedish_catalogues_translate_every_message(language):
    path = LOCALE_DIR / language / "LC_MESSAGES" / "django.po"
    entries = [entry for entry in po_entries(path) if entry["msgid"] != ""]
    assert len(entries) > 100
    untranslated = [
        entry["msgid"]
        for entry in entries
        if not entry["msgstr"] or not all(entry["msgstr"].values())
    ]
    assert untranslated == []


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_translations_keep_their_placeholders(language):
    placeholder = re.compile(r"%\(\w+\)[sd]|\{\w*\}")
    path = LOCALE_DIR / language / "LC_MESSAGES" / "django.po"
    for entry in po_entries(path):
        if entry["msgid"]:
            expected = sorted(placeholder.findall(entry["msgid"]))
            for text in entry["msgstr"].values():
                assert sorted(placeholder.findall(text)) == expected, entry["msgid"]


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_compiled_catalogue_matches_its_po_file(language):
    # The .mo files are committed (a fresh machine may lack gettext), so they must not lag.
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    assert mo_catalogue(folder / "django.mo") == po_catalogue(folder / "django.po")


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_compiled_catalogue_matches_what_msgfmt_makes_of_the_po_file(language, tmp_path):
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("GNU gettext is not installed")
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    fresh = tmp_path / "django.mo"
    subprocess.run(
        [msgfmt, "--check-format", "-o", str(fresh), str(folder / "django.po")], check=True
    )
    assert mo_catalogue(folder / "django.mo") == mo_catalogue(fresh)
