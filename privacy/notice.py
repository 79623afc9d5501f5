"""The privacy notice as data: what goes into it is derived from the registry, the
recipient list and the controller settings; a published version freezes the result."""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.models import DataSource
from privacy import registry
from privacy.models import LANGUAGE_CODES, NoticeVersion, Recipient

# EU member states plus Iceland, Liechtenstein and Norway (ISO 3166-1 alpha-2).
EEA_COUNTRIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
        "IS",
        "LI",
        "NO",
    ]
)

# The notice's sections, in order; their ids are the page anchors and the keys that
# "what changed" compares between versions.
SECTION_TITLES = {
    "controller": gettext_lazy("Controller and contact"),
    "register": gettext_lazy("Name of the register"),
    "purposes": gettext_lazy("Purposes and legal bases"),
    "categories": gettext_lazy("What data we hold and about whom"),
    "sources": gettext_lazy("Where the data comes from"),
    "recipients": gettext_lazy("Who receives the data"),
    "transfers": gettext_lazy("Transfers outside the EEA"),
    "retention": gettext_lazy("How long we keep the data"),
    "security": gettext_lazy("How the data is protected"),
    "rights": gettext_lazy("Your rights and how to use them"),
    "objection": gettext_lazy("Your right to object to direct marketing"),
    "consent": gettext_lazy("Withdrawing consent"),
    "complaint": gettext_lazy("Right to lodge a complaint"),
    "requirement": gettext_lazy("Must you give us the data?"),
    "automated": gettext_lazy("Automated decisions and profiling"),
    "cookies": gettext_lazy("Cookies"),
    "changes": gettext_lazy("Versions and changes"),
}
SECTION_IDS = tuple(SECTION_TITLES)


def controller_fact(name: str) -> str:
    """A controller fact from settings, or a clearly marked placeholder (never invented)."""
    value = getattr(settings, name, "")
    if value:
        return value
    return _("[not set: %(setting)s]") % {"setting": name}


def is_outside_eea(country: str) -> bool:
    return country.upper() not in EEA_COUNTRIES


@dataclass
class RecipientGroups:
    processors: list[Recipient]
    product_owners: list[Recipient]
    others: list[Recipient]
    outside_eea: list[Recipient]


def recipient_groups() -> RecipientGroups:
    recipients = list(Recipient.objects.order_by("name"))
    return RecipientGroups(
        processors=[r for r in recipients if r.kind == Recipient.Kind.PROCESSOR],
        product_owners=[r for r in recipients if r.kind == Recipient.Kind.PRODUCT_OWNER],
        others=[
            r
            for r in recipients
            if r.kind not in (Recipient.Kind.PROCESSOR, Recipient.Kind.PRODUCT_OWNER)
        ],
        outside_eea=[r for r in recipients if is_outside_eea(r.country)],
    )


def notice_context(version: NoticeVersion, language: str) -> dict[str, Any]:
    """Everything the notice template needs, in `language` (call under translation)."""
    first = NoticeVersion.objects.published().order_by("number").first()
    return {
        "version": version,
        "language": language,
        "intro": version.text("intro", language),
        "security": version.text("security", language),
        "changes": version.text("changes", language),
        "first_published_at": first.published_at if first else None,
        "controller": {
            "name": controller_fact("CONTROLLER_NAME"),
            "business_id": controller_fact("CONTROLLER_BUSINESS_ID"),
            "address": controller_fact("CONTROLLER_ADDRESS"),
            "phone": controller_fact("CONTROLLER_PHONE"),
            "privacy_email": controller_fact("CONTROLLER_PRIVACY_EMAIL"),
        },
        "purposes": registry.purposes_in_use(),
        "categories": registry.categories_in_use(),
        "data_subjects": registry.DATA_SUBJECTS,
        "sources": [label for value, label in DataSource.choices],
        "recipients": recipient_groups(),
        "site_url": settings.SITE_URL,
        "session_hours": settings.SESSION_COOKIE_AGE // 3600,
        "backup_days": settings.RETENTION["backup_days"],
    }


def render_notice(version: NoticeVersion, language: str) -> str:
    """The notice body as HTML in `language`, from the live registry and recipients."""
    with translation.override(language):
        return render_to_string("privacy/notice_body.html", notice_context(version, language))


def split_sections(html: str) -> dict[str, str]:
    """Plain text of each <section id="..."> of a rendered notice, for comparing versions."""
    texts: dict[str, str] = {}
    for section_id in SECTION_IDS:
        marker = f'<section id="{section_id}"'
        start = html.find(marker)
        if start == -1:
            continue
        end = html.find("</section>", start)
        texts[section_id] = " ".join(strip_tags(html[start:end]).split())
    return texts


def render_all(version: NoticeVersion) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    rendered = {language: render_notice(version, language) for language in LANGUAGE_CODES}
    sections = {language: split_sections(html) for language, html in rendered.items()}
    return rendered, sections
