"""The privacy notice: every Art 13 item in Finnish, Swedish and English, transfers derived
from the recipients, immutable published versions with their history, the DPO's draft,
preview and publish in the admin, and the one-time "the notice has changed" banner."""

import html
import io
import re
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from customers import roles
from customers.models import Customer, DataSource, User
from privacy import registry
from privacy.models import AppendOnlyError, AuditEvent, NoticeVersion, Recipient
from privacy.notice import SECTION_IDS
from privacy.services import notice_draft_create, notice_publish

LANGUAGES = ["fi", "sv", "en"]
# What each language must call the supervisory authority (its official names).
AUTHORITY = {
    "fi": "Tietosuojavaltuutetun toimisto",
    "sv": "Dataombudsmannens byrå",
    "en": "Office of the Data Protection Ombudsman",
}
# A few stable official terms of each translation (not exact wording, which still changes).
OFFICIAL_TERMS = {
    "fi": ["Tietosuojavaltuutetun toimisto", "tietosuoja-asetu", "1050/2018", "2016/679"],
    "sv": ["Dataombudsmannens byrå", "dataskyddsförordning", "1050/2018", "2016/679"],
}
ART_13_SECTIONS = [
    "controller",
    "register",
    "purposes",
    "categories",
    "sources",
    "recipients",
    "transfers",
    "retention",
    "security",
    "rights",
    "objection",
    "consent",
    "complaint",
    "requirement",
    "automated",
    "cookies",
]
BANNER = 'class="message message-info notice-update"'


# -- Helpers -------------------------------------------------------------------------------


def _text(fragment: str) -> str:
    """Visible text of an HTML fragment with whitespace collapsed."""
    without_tags = re.sub(r"<[^>]+>", " ", fragment)
    return " ".join(html.unescape(without_tags).split())


def page(response) -> str:
    return response.content.decode()


def section(content: str, section_id: str) -> str:
    """The text of <section id="..."> of a page, found independently of the app's parser."""
    match = re.search(
        rf'<section id="{re.escape(section_id)}"[^>]*>(.*?)</section>', content, re.DOTALL
    )
    assert match is not None, f"no section {section_id!r}"
    return _text(match.group(1))


def section_ids(content: str) -> list[str]:
    return re.findall(r'<section id="([^"]+)"', content)


def heading_of(content: str, section_id: str) -> str:
    match = re.search(
        rf'<section id="{re.escape(section_id)}"[^>]*>\s*<h2[^>]*>(.*?)</h2>', content, re.DOTALL
    )
    assert match is not None, f"section {section_id!r} has no heading of its own"
    return _text(match.group(1))


def notice_page(client: Client, language: str, path: str = "/privacy/") -> str:
    response = client.get(path, {"lang": language})
    assert response.status_code == 200
    return page(response)


def english(text: object) -> str:
    with translation.override("en"):
        return str(text)


def helsinki_date(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%-d.%-m.%Y}"


# -- Fixtures ------------------------------------------------------------------------------


@pytest.fixture
def controller_settings(settings) -> None:
    settings.CONTROLLER_NAME = "Herocon Oy"
    settings.CONTROLLER_BUSINESS_ID = "2077474-0"
    settings.CONTROLLER_ADDRESS = "Esimerkkikatu 1, 00100 Helsinki"
    settings.CONTROLLER_PHONE = "+358 9 123 4567"
    settings.CONTROLLER_PRIVACY_EMAIL = "tietosuoja@herocon.example"


@pytest.fixture
def notice_v1(db: None, controller_settings: None) -> NoticeVersion:
    """Version 1, published by the setup command as `make setup` does."""
    call_command("setup_notice", stdout=io.StringIO())
    return NoticeVersion.objects.get(number=1)


@pytest.fixture
def publish() -> Callable[..., NoticeVersion]:
    """Publish the next version through the services, as the admin does."""

    def run(*, actor: User | None = None, **texts: str) -> NoticeVersion:
        draft = notice_draft_create(actor=actor)
        for name, value in texts.items():
            setattr(draft, name, value)
        draft.save()
        return notice_publish(draft=draft, actor=actor)

    return run


@pytest.fixture
def dpo_client(dpo: User) -> Client:
    client = Client()
    client.force_login(dpo)
    return client


@pytest.fixture
def alice_client(alice: Customer) -> Client:
    client = Client()
    client.force_login(alice.user)
    return client


def us_recipient() -> Recipient:
    return Recipient.objects.create(
        name="Cloudmail Inc.", kind=Recipient.Kind.PROCESSOR, country="US"
    )


# -- Every Art 13 item, in every language --------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_notice_has_every_section_in_order_and_none_is_empty(
    client: Client, notice_v1: NoticeVersion, language: str
) -> None:
    content = notice_page(client, language)

    assert section_ids(content) == list(SECTION_IDS)
    assert set(ART_13_SECTIONS) <= set(section_ids(content))
    for section_id in SECTION_IDS:
        heading = heading_of(content, section_id)
        body = section(content, section_id).removeprefix(heading).strip()
        assert len(body) > 20, f"{language}: section {section_id} has no text"
    # The frozen copy holds the same sections, each with its text.
    assert set(notice_v1.sections[language]) == set(SECTION_IDS)
    assert all(notice_v1.sections[language].values())


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("path", ["/privacy/", "/privacy/versions/", "/privacy/versions/1/"])
def test_the_html_lang_attribute_and_content_language_match_the_notice_language(
    client: Client, notice_v1: NoticeVersion, language: str, path: str
) -> None:
    response = client.get(path, {"lang": language})

    assert response.status_code == 200
    assert re.search(rf'<html lang="{language}">', page(response))
    assert response["Content-Language"] == language


def test_an_unknown_lang_parameter_falls_back_to_the_page_language(
    client: Client, notice_v1: NoticeVersion
) -> None:
    response = client.get("/privacy/", {"lang": "de"})

    assert response.status_code == 200
    assert '<html lang="fi">' in page(response)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("path", ["/privacy/", "/privacy/versions/", "/privacy/versions/1/"])
def test_notice_neither_cites_the_repealed_personal_data_act_nor_misspells_gdpr(
    client: Client, notice_v1: NoticeVersion, language: str, path: str
) -> None:
    content = notice_page(client, language, path).lower()

    assert "henkilötietolai" not in content
    assert "gpdr" not in content
    assert "henkilötietolai" not in str(notice_v1.rendered).lower()
    assert "gpdr" not in str(notice_v1.rendered).lower()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_complaint_section_names_the_ombudsman_with_its_contact_facts(
    client: Client, notice_v1: NoticeVersion, language: str
) -> None:
    complaint = section(notice_page(client, language), "complaint")

    assert AUTHORITY[language] in complaint
    assert "tietosuoja@om.fi" in complaint
    assert "029 566 6700" in complaint
    assert "tietosuoja.fi" in complaint
    assert "800" in complaint
    # Helsinki in Finnish and English, Helsingfors in Swedish.
    assert re.search(r"00531 Helsin(ki|gfors)", complaint)


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_the_translated_notice_differs_from_english_in_every_section(
    client: Client, notice_v1: NoticeVersion, language: str
) -> None:
    translated = notice_page(client, language)
    english_page = notice_page(client, "en")

    same = [
        section_id
        for section_id in SECTION_IDS
        if heading_of(translated, section_id) == heading_of(english_page, section_id)
        or section(translated, section_id) == section(english_page, section_id)
    ]
    assert same == [], f"{language}: still the English text in {same}"


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_the_translated_notice_uses_the_official_terms(
    client: Client, notice_v1: NoticeVersion, language: str
) -> None:
    content = _text(notice_page(client, language))

    missing = [term for term in OFFICIAL_TERMS[language] if term not in content]
    assert missing == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_objection_to_direct_marketing_has_its_own_section_after_the_rights(
    client: Client, notice_v1: NoticeVersion, language: str
) -> None:
    content = notice_page(client, language)
    ids = section_ids(content)

    assert ids.index("objection") == ids.index("rights") + 1
    assert heading_of(content, "objection") != heading_of(content, "rights")
    assert len(section(content, "objection")) > len(heading_of(content, "objection")) + 40


# -- The English wording -------------------------------------------------------------------


def test_every_purpose_in_use_is_listed_with_its_legal_basis(
    client: Client, notice_v1: NoticeVersion
) -> None:
    purposes = section(notice_page(client, "en"), "purposes")

    in_use = registry.purposes_in_use()
    assert len(in_use) >= 5
    for purpose in in_use:
        assert english(purpose.name) in purposes
        assert english(purpose.basis.label) in purposes
    for expected in ("Art 6(1)(a)", "Art 6(1)(b)", "Art 6(1)(c)", "Art 6(1)(f)"):
        assert expected in purposes


def test_each_legitimate_interest_is_spelled_out_next_to_its_purpose(
    client: Client, notice_v1: NoticeVersion
) -> None:
    purposes = section(notice_page(client, "en"), "purposes")

    with_interest = [
        p for p in registry.purposes_in_use() if p.basis == registry.LegalBasis.LEGITIMATE_INTEREST
    ]
    assert with_interest, "the registry has no purpose on basis f"
    for purpose in with_interest:
        name = english(purpose.name)
        interest = english(purpose.legitimate_interest)
        assert f"Our legitimate interest: {interest}" in purposes
        assert purposes.index(name) < purposes.index(interest)
    assert purposes.count("Our legitimate interest:") == len(with_interest)


def test_every_category_in_use_is_listed_and_has_its_retention(
    client: Client, notice_v1: NoticeVersion
) -> None:
    content = notice_page(client, "en")
    categories = section(content, "categories")
    retention = section(content, "retention")

    summaries = registry.categories_in_use()
    assert summaries
    for summary in summaries:
        assert english(summary.category.name) in categories
        assert summary.retention, f"{summary.category.key} has no retention"
        row = re.search(
            rf"<tr><th scope=\"row\">{re.escape(html.escape(english(summary.category.name)))}</th>"
            r"(.*?)</tr>",
            content,
            re.DOTALL,
        )
        assert row is not None, f"no retention row for {summary.category.key}"
        with translation.override("en"):
            for rule in summary.retention:
                assert rule.description in _text(row.group(1))
    assert "3 years after the customer relationship ended" in retention
    assert "Accounting Act" in retention


def test_retention_periods_follow_the_settings(
    client: Client, settings, controller_settings: None, db: None
) -> None:
    settings.RETENTION = {**settings.RETENTION, "relationship_years": 4}
    call_command("setup_notice", stdout=io.StringIO())

    retention = section(notice_page(client, "en"), "retention")

    assert "4 years after the customer relationship ended" in retention
    assert "3 years after the customer relationship ended" not in retention


def test_the_backup_period_follows_the_settings(
    client: Client, settings, controller_settings: None, db: None
) -> None:
    settings.RETENTION = {**settings.RETENTION, "backup_days": 14}
    call_command("setup_notice", stdout=io.StringIO())

    retention = section(notice_page(client, "en"), "retention")

    assert "Backups are kept for 14 days." in retention
    assert "30 days" not in retention


def test_the_sources_section_names_every_recorded_source_and_social_media(
    client: Client, notice_v1: NoticeVersion
) -> None:
    sources = section(notice_page(client, "en"), "sources")

    for value, label in DataSource.choices:
        assert english(label) in sources, value
    assert "public profiles" in sources


def test_the_rights_section_lists_every_right_and_the_one_month_answer_time(
    client: Client, notice_v1: NoticeVersion
) -> None:
    rights = section(notice_page(client, "en"), "rights")

    for right in (
        "Right of access",
        "Right to rectification",
        "Right to erasure",
        "Right to restriction of processing",
        "Right to data portability",
        "Right to object",
        "Notification of recipients",
    ):
        assert right in rights
    for article in ("(15)", "(16)", "(17)", "(18)", "(19)", "(20)", "(21)"):
        assert article in rights
    assert "within one month" in rights
    assert "free of charge" in rights


def test_the_other_art_13_items_are_stated_in_english(
    client: Client, notice_v1: NoticeVersion
) -> None:
    content = notice_page(client, "en")

    assert "object to the use of your data for direct marketing" in section(content, "objection")
    assert "withdraw the consent at any time" in section(content, "consent")
    assert "no decisions about you by automated means" in section(content, "automated")
    cookies = section(content, "cookies")
    assert "only cookies that are necessary" in cookies
    assert "917/2014" in cookies
    assert "CSRF" in cookies
    requirement = section(content, "requirement")
    for purpose in registry.purposes_in_use():
        assert purpose.requirement is not None, f"{purpose.key} says nothing on requirement"
        assert english(purpose.requirement) in requirement
    assert "we cannot" in requirement  # what follows when the data is not given


def test_the_controller_section_shows_the_configured_controller_facts(
    client: Client, notice_v1: NoticeVersion
) -> None:
    controller = section(notice_page(client, "en"), "controller")

    assert "Herocon Oy" in controller
    assert "2077474-0" in controller
    assert "Esimerkkikatu 1, 00100 Helsinki" in controller
    assert "tietosuoja@herocon.example" in controller
    assert "[not set" not in controller


def test_an_unset_controller_fact_is_a_marked_placeholder_not_an_invented_value(
    client: Client, settings, db: None
) -> None:
    settings.CONTROLLER_BUSINESS_ID = ""
    call_command("setup_notice", stdout=io.StringIO())

    controller = section(notice_page(client, "en"), "controller")

    assert "[not set: CONTROLLER_BUSINESS_ID]" in controller


def test_processors_and_product_owners_are_told_apart(
    client: Client, controller_settings: None, db: None, publish: Callable
) -> None:
    Recipient.objects.create(name="Mailhouse Oy", kind=Recipient.Kind.PROCESSOR, country="FI")
    Recipient.objects.create(
        name="Koulutustalo Oy", kind=Recipient.Kind.PRODUCT_OWNER, country="FI"
    )
    publish()

    content = notice_page(client, "en")
    recipients = section(content, "recipients")

    processors_at = recipients.index("Processors (system and service providers)")
    owners_at = recipients.index("Independent controllers (owners of the products we sell)")
    assert processors_at < recipients.index("Mailhouse Oy") < owners_at
    assert owners_at < recipients.index("Koulutustalo Oy")


def test_recipient_names_are_escaped_in_the_frozen_notice(
    client: Client, controller_settings: None, db: None, publish: Callable
) -> None:
    Recipient.objects.create(
        name="<script>alert(1)</script>", kind=Recipient.Kind.PROCESSOR, country="FI"
    )
    version = publish()

    content = notice_page(client, "en")

    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert "<script>" not in version.rendered["en"]


# -- Dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_notice_shows_its_version_number_and_publication_date(
    client: Client, notice_v1: NoticeVersion, language: str
) -> None:
    content = _text(notice_page(client, language))

    assert helsinki_date(notice_v1.published_at) in content
    assert re.search(r"\b1\b", content)


def _dates_in(text: str) -> list[date]:
    found = [
        date(int(y), int(m), int(d))
        for d, m, y in re.findall(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b", text)
    ]
    found += [
        date(int(y), int(m), int(d)) for y, m, d in re.findall(r"\b(\d{4})-(\d{2})-(\d{2})\b", text)
    ]
    months = "January February March April May June July August September October November December"
    month_numbers = {name: n for n, name in enumerate(months.split(), start=1)}
    found += [
        date(int(y), month_numbers[m], int(d))
        for d, m, y in re.findall(rf"\b(\d{{1,2}}) ({'|'.join(month_numbers)}) (\d{{4}})\b", text)
    ]
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_notice_shows_no_date_earlier_than_the_first_version(
    client: Client, notice_v1: NoticeVersion, language: str
) -> None:
    content = _text(notice_page(client, language))
    first = timezone.localdate(notice_v1.published_at)

    dates = _dates_in(content)

    assert first in dates
    assert [d for d in dates if d < first] == []


def test_a_later_version_shows_its_own_date_and_the_first_versions_date(
    client: Client, controller_settings: None, db: None, publish: Callable, monkeypatch
) -> None:
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 1, 31, 22, 30, tzinfo=UTC))
    publish()  # 1 February 2026 in Helsinki
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
    publish()
    monkeypatch.undo()

    content = _text(notice_page(client, "en"))
    versions = _text(notice_page(client, "en", "/privacy/versions/"))

    assert "Version 2, published 2.3.2026." in content
    assert "First version published 1.2.2026." in content
    assert "1.2.2026" in versions
    assert "2.3.2026" in versions
    assert "Version 1, published 1.2.2026." in _text(
        notice_page(client, "en", "/privacy/versions/1/")
    )


# -- Transfers outside the EEA -------------------------------------------------------------


@pytest.mark.parametrize("country", ["FI", "SE", "NO", "IS", "LI", "DE"])
def test_with_only_eea_recipients_the_transfers_section_says_there_are_none(
    client: Client, controller_settings: None, db: None, publish: Callable, country: str
) -> None:
    Recipient.objects.create(name="Nordic Host AB", kind=Recipient.Kind.PROCESSOR, country=country)
    publish()

    transfers = section(notice_page(client, "en"), "transfers")

    assert "We do not transfer personal data outside the European Economic Area" in transfers
    assert "Nordic Host AB" not in transfers


@pytest.mark.parametrize("country", ["US", "GB", "CH", "us"])
def test_a_recipient_outside_the_eea_is_named_in_a_new_versions_transfers_section(
    client: Client, controller_settings: None, db: None, publish: Callable, country: str
) -> None:
    Recipient.objects.create(name="Cloudmail Inc.", kind=Recipient.Kind.PROCESSOR, country=country)
    version = publish()

    transfers = section(notice_page(client, "en"), "transfers")

    assert "Cloudmail Inc." in transfers
    assert "We do not transfer" not in transfers
    assert "standard contractual clauses" in transfers
    assert "Cloudmail Inc." in version.sections["en"]["transfers"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_us_recipient_changes_the_transfers_section_of_the_draft_preview(
    dpo_client: Client, notice_v1: NoticeVersion, language: str
) -> None:
    draft = notice_draft_create(actor=None)
    before = section(
        page(
            dpo_client.get(
                reverse("admin:privacy_noticeversion_preview", args=[draft.pk, language])
            )
        ),
        "transfers",
    )
    us_recipient()

    response = dpo_client.get(
        reverse("admin:privacy_noticeversion_preview", args=[draft.pk, language])
    )

    assert response.status_code == 200
    after = section(page(response), "transfers")
    assert "Cloudmail Inc. (US)" in after
    assert "Cloudmail Inc." not in before
    assert after != before
    draft.refresh_from_db()
    assert draft.status == NoticeVersion.Status.DRAFT
    assert draft.rendered == {}


def test_the_published_notice_keeps_its_transfers_until_a_new_version_is_published(
    client: Client, notice_v1: NoticeVersion, publish: Callable
) -> None:
    frozen = dict(notice_v1.rendered)
    us_recipient()

    still = section(notice_page(client, "en"), "transfers")

    assert "We do not transfer" in still
    assert "Cloudmail Inc." not in still
    notice_v1.refresh_from_db()
    assert notice_v1.rendered == frozen

    v2 = publish()

    assert v2.number == 2
    assert "Cloudmail Inc." in section(notice_page(client, "en"), "transfers")
    assert "We do not transfer" in section(
        notice_page(client, "en", "/privacy/versions/1/"), "transfers"
    )
    assert set(v2.changed_sections) == {"recipients", "transfers"}


# -- Published versions are immutable ------------------------------------------------------


def test_a_published_version_cannot_be_saved_again(notice_v1: NoticeVersion) -> None:
    notice_v1.intro_en = "Rewritten after the fact."

    with pytest.raises(AppendOnlyError):
        notice_v1.save()

    assert NoticeVersion.objects.get(pk=notice_v1.pk).intro_en != "Rewritten after the fact."


def test_a_published_version_cannot_be_changed_or_deleted_through_a_queryset(
    notice_v1: NoticeVersion,
) -> None:
    with pytest.raises(AppendOnlyError):
        NoticeVersion.objects.filter(pk=notice_v1.pk).update(intro_en="Changed")
    with pytest.raises(AppendOnlyError):
        NoticeVersion.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        notice_v1.delete()

    stored = NoticeVersion.objects.get(pk=notice_v1.pk)
    assert stored.intro_en == notice_v1.intro_en
    assert stored.rendered == notice_v1.rendered


def test_the_admin_shows_a_published_version_read_only_and_refuses_a_post(
    dpo_client: Client, notice_v1: NoticeVersion
) -> None:
    url = reverse("admin:privacy_noticeversion_change", args=[notice_v1.pk])

    shown = dpo_client.get(url)
    posted = dpo_client.post(
        url,
        {
            f"{name}_{language}": "Changed"
            for name in ("intro", "security", "changes")
            for language in LANGUAGES
        },
    )

    assert shown.status_code == 200
    assert 'name="intro_en"' not in page(shown)
    assert 'name="_save"' not in page(shown)
    assert posted.status_code == 403
    stored = NoticeVersion.objects.get(pk=notice_v1.pk)
    assert stored.intro_en == notice_v1.intro_en
    assert stored.rendered == notice_v1.rendered


def test_the_admin_refuses_to_delete_a_published_version(
    dpo_client: Client, notice_v1: NoticeVersion
) -> None:
    url = reverse("admin:privacy_noticeversion_delete", args=[notice_v1.pk])

    assert dpo_client.get(url).status_code == 403
    assert dpo_client.post(url, {"post": "yes"}).status_code == 403
    bulk = dpo_client.post(
        reverse("admin:privacy_noticeversion_changelist"),
        {"action": "delete_selected", "_selected_action": [notice_v1.pk], "post": "yes"},
    )

    assert bulk.status_code == 403
    assert NoticeVersion.objects.filter(pk=notice_v1.pk, number=1).exists()


def test_the_dpo_can_delete_a_draft(dpo_client: Client, notice_v1: NoticeVersion) -> None:
    draft = notice_draft_create(actor=None)

    response = dpo_client.post(
        reverse("admin:privacy_noticeversion_delete", args=[draft.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert list(NoticeVersion.objects.values_list("number", flat=True)) == [1]


def test_a_second_draft_is_refused_while_one_exists(
    dpo_client: Client, notice_v1: NoticeVersion
) -> None:
    draft = notice_draft_create(actor=None)

    add = dpo_client.get(reverse("admin:privacy_noticeversion_add"))
    again = notice_draft_create(actor=None)

    assert add.status_code == 403
    assert again.pk == draft.pk
    with pytest.raises(ValidationError):
        NoticeVersion(
            intro_fi="x",
            intro_sv="x",
            intro_en="x",
            security_fi="x",
            security_sv="x",
            security_en="x",
        ).full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        NoticeVersion.objects.create(intro_fi="x", intro_sv="x", intro_en="x")
    assert NoticeVersion.objects.filter(status=NoticeVersion.Status.DRAFT).count() == 1


def test_the_dpo_starts_a_draft_in_the_admin_from_the_current_texts(
    dpo_client: Client, notice_v1: NoticeVersion
) -> None:
    form = dpo_client.get(reverse("admin:privacy_noticeversion_add"))
    data = {
        f"{name}_{language}": getattr(notice_v1, f"{name}_{language}")
        for name in ("intro", "security")
        for language in LANGUAGES
    }
    data["changes_en"] = "Clarified the introduction."

    response = dpo_client.post(reverse("admin:privacy_noticeversion_add"), data)

    assert form.status_code == 200
    assert response.status_code == 302
    draft = NoticeVersion.objects.get(status=NoticeVersion.Status.DRAFT)
    assert draft.number is None
    assert draft.intro_fi == notice_v1.intro_fi
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.CREATE, object_id=str(draft.pk)
    ).exists()


# -- Publishing ----------------------------------------------------------------------------


def test_the_dpo_previews_a_draft_in_every_language(
    dpo_client: Client, notice_v1: NoticeVersion
) -> None:
    draft = notice_draft_create(actor=None)
    draft.intro_en = "A brand new introduction."
    draft.save()

    responses = {
        language: dpo_client.get(
            reverse("admin:privacy_noticeversion_preview", args=[draft.pk, language])
        )
        for language in LANGUAGES
    }

    assert {language: r.status_code for language, r in responses.items()} == dict.fromkeys(
        LANGUAGES, 200
    )
    assert "A brand new introduction." in section(page(responses["en"]), "register")
    for language, response in responses.items():
        assert f'lang="{language}"' in page(response)
        assert section_ids(page(response)) == list(SECTION_IDS)
    assert 'action="' + reverse("admin:privacy_noticeversion_publish", args=[draft.pk]) in page(
        responses["en"]
    )


def test_a_preview_in_an_unknown_language_is_404(
    dpo_client: Client, notice_v1: NoticeVersion
) -> None:
    draft = notice_draft_create(actor=None)

    response = dpo_client.get(f"/admin/privacy/noticeversion/{draft.pk}/preview/de/")

    assert response.status_code == 404


def test_customer_service_cannot_preview_a_draft(
    staff_client: Callable[..., Client], notice_v1: NoticeVersion
) -> None:
    draft = notice_draft_create(actor=None)

    response = staff_client(roles.CUSTOMER_SERVICE).get(
        reverse("admin:privacy_noticeversion_preview", args=[draft.pk, "en"])
    )

    assert response.status_code == 403


def test_publishing_creates_the_next_version_lists_it_and_keeps_the_old_text(
    client: Client, dpo: User, dpo_client: Client, notice_v1: NoticeVersion
) -> None:
    Recipient.objects.create(
        name="Koulutustalo Oy", kind=Recipient.Kind.PRODUCT_OWNER, country="FI"
    )
    draft = notice_draft_create(actor=dpo)

    response = dpo_client.post(reverse("admin:privacy_noticeversion_publish", args=[draft.pk]))

    assert response.status_code == 302
    v2 = NoticeVersion.objects.get(pk=draft.pk)
    assert (v2.number, v2.status, v2.published_by_id) == (2, NoticeVersion.Status.PUBLISHED, dpo.pk)
    assert v2.changed_sections == ["recipients"]
    assert NoticeVersion.objects.current() == v2
    versions = _text(notice_page(client, "en", "/privacy/versions/"))
    assert "Version 2" in versions
    assert "Version 1" in versions
    assert helsinki_date(v2.published_at) in versions
    assert "Sections changed: Who receives the data" in versions
    assert "Koulutustalo Oy" in section(notice_page(client, "en"), "recipients")
    old = notice_page(client, "en", "/privacy/versions/1/")
    assert "Koulutustalo Oy" not in section(old, "recipients")
    assert "an earlier version of the privacy notice" in _text(old)
    assert section(old, "recipients") == notice_v1.sections["en"]["recipients"]


def test_the_versions_page_links_each_version_by_its_number(
    client: Client, notice_v1: NoticeVersion, publish: Callable
) -> None:
    publish()

    content = notice_page(client, "en", "/privacy/versions/")

    assert 'href="/privacy/versions/1/?lang=en"' in content
    assert 'href="/privacy/versions/2/?lang=en"' in content
    assert "No section changed apart from the version details." in _text(content)


def test_a_change_to_the_finnish_text_alone_counts_as_a_changed_section(
    notice_v1: NoticeVersion, publish: Callable
) -> None:
    v2 = publish(intro_fi=notice_v1.intro_fi + " Lisätty virke.")

    assert v2.changed_sections == ["register"]


def test_publishing_requires_post(dpo_client: Client, notice_v1: NoticeVersion) -> None:
    draft = notice_draft_create(actor=None)

    response = dpo_client.get(reverse("admin:privacy_noticeversion_publish", args=[draft.pk]))

    assert response.status_code == 302
    assert NoticeVersion.objects.get(pk=draft.pk).status == NoticeVersion.Status.DRAFT
    assert NoticeVersion.objects.current() == notice_v1


@pytest.mark.parametrize("role", [roles.CUSTOMER_SERVICE, roles.SALES, roles.TECHNICAL_ADMIN])
def test_publishing_without_the_publish_permission_is_refused(
    staff_client: Callable[..., Client], notice_v1: NoticeVersion, role: str
) -> None:
    draft = notice_draft_create(actor=None)
    events_before = AuditEvent.objects.count()

    response = staff_client(role).post(
        reverse("admin:privacy_noticeversion_publish", args=[draft.pk])
    )

    assert response.status_code == 403
    assert NoticeVersion.objects.get(pk=draft.pk).status == NoticeVersion.Status.DRAFT
    assert AuditEvent.objects.count() == events_before


def test_a_customer_cannot_publish(alice_client: Client, notice_v1: NoticeVersion) -> None:
    draft = notice_draft_create(actor=None)

    response = alice_client.post(reverse("admin:privacy_noticeversion_publish", args=[draft.pk]))

    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert NoticeVersion.objects.get(pk=draft.pk).status == NoticeVersion.Status.DRAFT


def test_a_published_version_cannot_be_published_again(
    dpo: User, dpo_client: Client, notice_v1: NoticeVersion
) -> None:
    response = dpo_client.post(reverse("admin:privacy_noticeversion_publish", args=[notice_v1.pk]))

    assert response.status_code == 403
    with pytest.raises(ValidationError):
        notice_publish(draft=notice_v1, actor=dpo)
    assert list(NoticeVersion.objects.values_list("number", flat=True)) == [1]


def test_each_publish_writes_an_audit_event(
    dpo: User, notice_v1: NoticeVersion, publish: Callable
) -> None:
    us_recipient()
    v2 = publish(actor=dpo)
    v3 = publish(actor=dpo)

    events = AuditEvent.objects.filter(action=AuditEvent.Action.PUBLISH).order_by("id")

    assert [(e.object_type, e.object_id) for e in events] == [
        ("privacy.noticeversion", str(notice_v1.pk)),
        ("privacy.noticeversion", str(v2.pk)),
        ("privacy.noticeversion", str(v3.pk)),
    ]
    assert [e.actor_id for e in events] == [None, dpo.pk, dpo.pk]
    assert events[1].changed_fields == ["recipients", "transfers"]


@pytest.mark.parametrize(
    "path",
    [
        "/privacy/versions/2/",
        "/privacy/versions/0/",
        "/privacy/versions/99999999999999999999/",
        "/privacy/versions/x/",
    ],
)
def test_an_unknown_version_number_is_404(
    client: Client, notice_v1: NoticeVersion, path: str
) -> None:
    assert client.get(path).status_code == 404


def test_a_draft_is_not_public(client: Client, notice_v1: NoticeVersion) -> None:
    draft = notice_draft_create(actor=None)
    draft.intro_en = "Secret draft text."
    draft.save()

    assert "Secret draft text." not in page(client.get("/privacy/", {"lang": "en"}))
    assert "Secret draft text." not in page(client.get("/privacy/versions/", {"lang": "en"}))


def test_before_any_version_the_notice_is_404_and_the_history_empty(
    client: Client, db: None
) -> None:
    assert client.get("/privacy/").status_code == 404
    versions = client.get("/privacy/versions/", {"lang": "en"})
    assert versions.status_code == 200
    assert "No version has been published yet." in page(versions)


# -- setup_notice --------------------------------------------------------------------------


def test_setup_notice_publishes_version_1_once(controller_settings: None, db: None) -> None:
    first = io.StringIO()
    call_command("setup_notice", stdout=first)
    events = AuditEvent.objects.count()
    second = io.StringIO()

    call_command("setup_notice", stdout=second)

    assert list(NoticeVersion.objects.values_list("number", "status")) == [(1, "published")]
    assert "Published" in first.getvalue()
    assert "already published" in second.getvalue()
    assert AuditEvent.objects.count() == events


# -- The "notice has changed" banner -------------------------------------------------------


def test_a_customer_sees_the_banner_once(
    alice: Customer, alice_client: Client, notice_v1: NoticeVersion
) -> None:
    first = alice_client.get("/")
    second = alice_client.get("/")

    assert BANNER in page(first)
    assert BANNER not in page(second)
    alice.user.refresh_from_db()
    assert alice.user.notice_version_seen == 1


def test_a_customer_sees_the_banner_again_after_a_new_version(
    alice: Customer, alice_client: Client, notice_v1: NoticeVersion, publish: Callable
) -> None:
    alice_client.get("/")
    publish()

    first = alice_client.get("/")
    second = alice_client.get("/privacy/")

    banner = re.search(rf"<p {BANNER}[^>]*>(.*?)</p>", page(first), re.DOTALL)
    assert banner is not None
    assert re.search(r"\b2\b", _text(banner.group(1)))
    assert BANNER not in page(second)
    alice.user.refresh_from_db()
    assert alice.user.notice_version_seen == 2


def test_a_response_without_a_page_does_not_use_up_the_banner(
    alice: Customer, alice_client: Client, notice_v1: NoticeVersion
) -> None:
    assert alice_client.get("/healthz").status_code == 200
    assert alice_client.get("/no-such-page/").status_code == 404
    alice.user.refresh_from_db()
    assert alice.user.notice_version_seen is None

    assert BANNER in page(alice_client.get("/"))


def test_staff_do_not_get_the_banner(
    dpo: User, dpo_client: Client, notice_v1: NoticeVersion
) -> None:
    response = dpo_client.get("/")

    assert response.status_code == 200
    assert BANNER not in page(response)
    dpo.refresh_from_db()
    assert dpo.notice_version_seen is None


def test_visitors_do_not_get_the_banner(client: Client, notice_v1: NoticeVersion) -> None:
    assert BANNER not in page(client.get("/"))


def test_without_a_published_notice_nobody_gets_the_banner(
    alice: Customer, alice_client: Client
) -> None:
    assert BANNER not in page(alice_client.get("/"))
    alice.user.refresh_from_db()
    assert alice.user.notice_version_seen is None


# -- Links to the notice -------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/accounts/login/",
        "/accounts/signup/",
        "/privacy/",
        "/privacy/versions/",
        "/privacy/versions/1/",
    ],
)
def test_every_page_links_the_notice_in_its_footer(
    client: Client, notice_v1: NoticeVersion, path: str
) -> None:
    response = client.get(path)

    assert response.status_code == 200
    footer = re.search(r'<footer class="site-footer">(.*?)</footer>', page(response), re.DOTALL)
    assert footer is not None
    assert 'href="/privacy/"' in footer.group(1)


def test_the_signup_page_links_the_notice_next_to_the_form(
    client: Client, notice_v1: NoticeVersion
) -> None:
    response = client.get(reverse("account_signup"))

    content = page(response)
    main = re.search(r"<main[^>]*>(.*?)</main>", content, re.DOTALL)
    assert reverse("privacy:notice") == "/privacy/"
    assert main is not None
    assert 'href="/privacy/"' in main.group(1)
