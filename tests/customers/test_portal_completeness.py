"""Everything the demo data holds about a demo customer appears on /portal/ and in both
downloads (issue 4, "Done when"), checked against the registry, not against a field list.

The expectations are built by walking privacy.registry: every declared personal field of
every record the registry's subject paths lead to Aino Virtanen, with a value. Each must
show its displayed value on /portal/ (in the table of its record, on the row of its
label), and its raw value in the JSON download and in the zip's CSV files. Secrets
(privacy.subject_data.REDACTED) appear only as the redaction text.
"""

import csv
import html
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext

from customers import csvio
from customers.management.commands.seed_demo import DEMO_PASSWORD
from customers.models import Customer
from privacy import registry
from privacy.subject_data import REDACTED, _label

pytestmark = pytest.mark.django_db

LANGUAGE = "fi"  # Aino's language, and the portal's default
REDACTION_MSGID = "[stored; not shown for security]"
# Files of the zip that are not per-category data.
ZIP_OVERVIEW_FILES = {"categories.csv", "organizations.csv", "activity.csv", "all.json"}


@dataclass
class Held:
    """One declared personal value held about the subject."""

    model: str  # registry label, e.g. customers.purchase
    name: str
    pk: Any
    title: str  # str(instance): the record's description in the page and JSON
    caption: str  # the record's table caption on /portal/
    label: str  # the field's row label on /portal/
    raw: set[str] = field(default_factory=set)  # canonical raw values (before/after)
    displays: set[str] = field(default_factory=set)
    redacted: bool = False
    secret: str = ""  # the real value of a redacted field, which must never appear

    @property
    def where(self) -> str:
        return f"{self.model}.{self.name} (pk {self.pk})"


# -- Expectations from the registry ------------------------------------------------------------


def canonical(value: Any, model_field: models.Field) -> str:
    """One comparable text for a value from the database, the JSON or a CSV cell."""
    if value is None:
        return ""
    if model_field.many_to_many or isinstance(model_field, models.JSONField):
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                return value
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    if model_field.is_relation:
        return str(value)
    if isinstance(model_field, models.DateTimeField):
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        return timezone.localtime(moment).replace(microsecond=0).isoformat()
    if isinstance(model_field, models.DateField):
        return value if isinstance(value, str) else value.isoformat()
    if isinstance(model_field, models.DecimalField):
        return str(Decimal(str(value)))
    if isinstance(model_field, models.BooleanField):
        return value if isinstance(value, str) else str(bool(value))
    return str(value)


def _is_empty(value: Any) -> bool:
    return value in (None, "", [], {}, False)


def _raw_value(subject: Customer, instance: models.Model, model_field: models.Field) -> Any:
    if model_field.many_to_many:
        return [str(obj) for obj in getattr(instance, model_field.name).all()]
    if model_field.is_relation:
        related = getattr(instance, model_field.name)
        if related is None:
            return None
        if isinstance(related, Customer) and related.is_person and related.pk != subject.pk:
            return gettext("[another person]")
        return str(related)
    return getattr(instance, model_field.attname)


def _displays(instance: models.Model, model_field: models.Field, raw: Any) -> set[str]:
    """What /portal/ may show for the value: its choice label, yes/no, or the value;
    dates and times either as ISO 8601 or in the language's own format."""
    if model_field.many_to_many:
        return {", ".join(raw)}
    if model_field.is_relation:
        return {str(raw)}
    if getattr(model_field, "choices", None):
        return {str(getattr(instance, f"get_{model_field.name}_display")())}
    if isinstance(raw, bool):
        return {gettext("Yes") if raw else gettext("No")}
    if isinstance(raw, datetime):
        local = timezone.localtime(raw)
        return {
            local.isoformat(timespec="seconds"),
            formats.date_format(local, "SHORT_DATETIME_FORMAT"),
            formats.date_format(local, "DATETIME_FORMAT"),
        }
    if isinstance(raw, date):
        return {
            raw.isoformat(),
            formats.date_format(raw, "SHORT_DATE_FORMAT"),
            formats.date_format(raw, "DATE_FORMAT"),
        }
    return {str(raw)}


def held_about(subject: Customer) -> dict[tuple[str, Any, str], Held]:
    """Walk the registry: every personal field with a value on every record whose subject
    path leads to `subject`."""
    held: dict[tuple[str, Any, str], Held] = {}
    registry.personal_fields()  # loads the declarations
    redaction = gettext(REDACTION_MSGID)
    for label, declaration in registry.REGISTRY.items():
        condition = declaration.subject_filter(subject)
        if condition is None:
            continue
        model = apps.get_model(label)
        for instance in model._default_manager.filter(condition).distinct():
            title = str(instance)
            model_name = capfirst(str(model._meta.verbose_name))
            caption = f"{model_name}: {title}" if title else model_name
            for decl in declaration.fields.values():
                if not isinstance(decl, registry.PersonalField):
                    continue
                model_field = model._meta.get_field(decl.name)
                raw = _raw_value(subject, instance, model_field)
                if _is_empty(raw):
                    continue
                item = Held(
                    model=label,
                    name=decl.name,
                    pk=instance.pk,
                    title=title,
                    caption=caption,
                    label=capfirst(_label(instance, model_field)),
                )
                if (label, decl.name) in REDACTED:
                    item.redacted = True
                    item.secret = str(raw)
                    item.raw = {redaction}
                    item.displays = {redaction}
                else:
                    item.raw = {canonical(raw, model_field)}
                    item.displays = _displays(instance, model_field, raw)
                held[(label, instance.pk, decl.name)] = item
    return held


def observe(subject: Customer, fetch: Callable[[], bytes]) -> tuple[list[Held], bytes]:
    """Fetch with the expectations taken just before and after, so a value the request
    itself updates (a session's last-seen time) may show either; records that exist both
    times are expected."""
    with translation.override(LANGUAGE):
        before = held_about(subject)
        content = fetch()
        after = held_about(subject)
    expected = []
    for key, item in before.items():
        if key in after:
            item.raw |= after[key].raw
            item.displays |= after[key].displays
            expected.append(item)
    return expected, content


def _model_field(item: Held) -> models.Field:
    return apps.get_model(item.model)._meta.get_field(item.name)


# -- Reading the page and the downloads -------------------------------------------------------


class RecordTables(HTMLParser):
    """The page's tables by caption: {caption: {row label: [cell texts]}}."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, dict[str, list[str]]] = {}
        self._caption: str | None = None
        self._text: list[str] = []
        self._in: str | None = None
        self._row_label: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._caption = None
        elif tag == "caption" or (tag == "th" and ("scope", "row") in attrs) or tag == "td":
            self._in, self._text = tag, []
        elif tag == "tr":
            self._row_label = None

    def handle_endtag(self, tag: str) -> None:
        if tag != self._in:
            return
        text = " ".join("".join(self._text).split())
        if tag == "caption":
            self._caption = text
            self.tables.setdefault(text, {})
        elif tag == "th":
            self._row_label = text
        elif tag == "td" and self._caption is not None and self._row_label is not None:
            self.tables[self._caption].setdefault(self._row_label, []).append(text)
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in:
            self._text.append(data)


def json_values(data: dict[str, Any]) -> dict[tuple[str, str, str], list[Any]]:
    """{(type, description, field): [values]} over every category's records."""
    found: dict[tuple[str, str, str], list[Any]] = {}
    for category in data["categories"]:
        for record in category["records"]:
            for name, value in record["data"].items():
                found.setdefault((record["type"], record["description"], name), []).append(value)
    return found


def csv_values(archive: zipfile.ZipFile) -> dict[tuple[str, str], list[str]]:
    """{(type, field): [cells]} over the per-category CSV files, formula escaping undone.
    Each file starts with the record's type, source and obtained_at; the data columns
    follow; every header names one column."""
    found: dict[tuple[str, str], list[str]] = {}
    names = [n for n in archive.namelist() if n not in ZIP_OVERVIEW_FILES]
    assert names, "the zip holds no per-category CSV files"
    for name in names:
        assert name.endswith(".csv"), name
        reader = csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig")))
        header = next(reader)
        assert header[:3] == ["record_type", "record_source", "record_obtained_at"], name
        assert len(header) == len(set(header)), f"{name} repeats a column: {header}"
        for row in reader:
            for column, cell in zip(header[3:], row[3:], strict=True):
                if cell != "":
                    found.setdefault((row[0], column), []).append(csvio.unescape_cell(cell))
    return found


# -- The demo and Aino ---------------------------------------------------------------------------


@pytest.fixture
def demo(settings: Any) -> None:
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    settings.DEBUG = False
    settings.ACCOUNT_RATE_LIMITS = False


@pytest.fixture
def aino(demo: None) -> Customer:
    return Customer.objects.get(name="Aino Virtanen")


@pytest.fixture
def aino_client(aino: Customer) -> Client:
    client = Client()
    client.cookies["django_language"] = LANGUAGE
    client.force_login(aino.user)
    response = client.post(reverse("account_reauthenticate"), {"password": DEMO_PASSWORD})
    assert response.status_code == 302, "re-authentication with the demo password failed"
    return client


def _get(client: Client, name: str) -> Callable[[], bytes]:
    def fetch() -> bytes:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        return response.content

    return fetch


def _no_secrets(expected: list[Held], text: str, where: str) -> None:
    for item in expected:
        if item.redacted and len(item.secret) >= 8:
            assert item.secret not in text, f"{item.where}: its secret value is in {where}"


def _assert_the_comparison_means_something(expected: list[Held]) -> None:
    models_held = {item.model for item in expected}
    # The demo gives Aino a record in each of these: an empty walk would prove nothing.
    for label in (
        "customers.customer",
        "customers.user",
        "customers.authorization",
        "customers.purchase",
        "customers.socialmediaprofile",
        "account.emailaddress",
    ):
        assert label in models_held, f"the registry walk found no {label} about Aino"
    # A password hash is the one secret every account has: it must be among the redacted.
    assert any(
        item.redacted
        for item in expected
        if (item.model, item.name) == ("customers.user", "password")
    ), "the password hash is not redacted"


def test_all_my_data_shows_every_value_the_registry_holds_about_the_demo_customer(
    aino: Customer, aino_client: Client
) -> None:
    expected, content = observe(aino, _get(aino_client, "portal:home"))
    _assert_the_comparison_means_something(expected)
    page = RecordTables()
    page.feed(content.decode())

    missing = []
    for item in expected:
        rows = page.tables.get(item.caption)
        if rows is None:
            missing.append(f"{item.where}: no table captioned {item.caption!r}")
            continue
        cells = {html.unescape(cell) for cell in rows.get(item.label, [])}
        if not cells & item.displays:
            missing.append(
                f"{item.where}: row {item.label!r} shows {sorted(cells)}, "
                f"expected one of {sorted(item.displays)}"
            )
    assert not missing, "Missing on /portal/:\n" + "\n".join(missing)
    _no_secrets(expected, content.decode(), "/portal/")


def test_the_json_download_holds_every_raw_value_the_registry_holds_about_her(
    aino: Customer, aino_client: Client
) -> None:
    expected, content = observe(aino, _get(aino_client, "portal:export-json"))
    _assert_the_comparison_means_something(expected)
    found = json_values(json.loads(content))

    missing = []
    for item in expected:
        values = found.get((item.model, item.title, item.name))
        if values is None:
            missing.append(f"{item.where}: not in the JSON")
            continue
        got = {canonical(value, _model_field(item)) for value in values}
        if item.redacted:
            got = {str(value) for value in values}
        if not got & item.raw:
            missing.append(f"{item.where}: JSON has {sorted(got)}, expected {sorted(item.raw)}")
    assert not missing, "Missing from the JSON download:\n" + "\n".join(missing)
    _no_secrets(expected, content.decode(), "the JSON download")


def test_the_zip_download_holds_every_raw_value_in_its_csv_files(
    aino: Customer, aino_client: Client
) -> None:
    expected, content = observe(aino, _get(aino_client, "portal:export-zip"))
    _assert_the_comparison_means_something(expected)
    archive = zipfile.ZipFile(io.BytesIO(content))
    found = csv_values(archive)

    missing = []
    for item in expected:
        cells = found.get((item.model, item.name))
        if cells is None:
            missing.append(f"{item.where}: no CSV column {item.name!r} for {item.model}")
            continue
        got = set(cells) if item.redacted else {canonical(c, _model_field(item)) for c in cells}
        if not got & item.raw:
            missing.append(f"{item.where}: CSV has {sorted(got)}, expected {sorted(item.raw)}")
    assert not missing, "Missing from the zip's CSV files:\n" + "\n".join(missing)
    for name in archive.namelist():
        _no_secrets(expected, archive.read(name).decode("utf-8-sig"), f"zip: {name}")


def test_neither_download_nor_the_page_holds_another_demo_customers_email_phone_or_name(
    aino: Customer, aino_client: Client
) -> None:
    others = Customer.objects.exclude(pk=aino.pk)
    foreign = {
        *(c.email for c in others if c.email),
        *(c.phone for c in others if c.phone),
        *(c.name for c in others.filter(kind=Customer.Kind.PERSON)),
    }
    assert len(foreign) > 10  # the demo's other people and companies

    archive = zipfile.ZipFile(io.BytesIO(_get(aino_client, "portal:export-zip")()))
    texts = {
        "/portal/": _get(aino_client, "portal:home")().decode(),
        "the JSON download": _get(aino_client, "portal:export-json")().decode(),
        **{f"zip: {n}": archive.read(n).decode("utf-8-sig") for n in archive.namelist()},
    }

    for where, text in texts.items():
        leaked = sorted(value for value in foreign if value.lower() in text.lower())
        assert not leaked, f"{where} holds other people's data: {leaked}"
