"""Helpers for the register's tests: running commands, filling admin forms, writing CSV."""

import io
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import translation

# A customer-service admin form needs these besides what each test fills in.
CUSTOMER_FORM_BASE = {
    "kind": "organization",
    "name": "Testi Oy",
    "business_id": "",
    "language": "fi",
    "email": "",
    "phone": "",
    "street_address": "",
    "postal_code": "00100",
    "city": "Helsinki",
    "country": "FI",
    "restriction_reason": "",
    "notes": "",
    "source": "phone",
    "obtained_at_0": "2026-01-15",
    "obtained_at_1": "10:00:00",
}


@dataclass
class CommandRun:
    stdout: str
    stderr: str
    error: CommandError | None


@pytest.fixture
def run_command(db: None) -> Callable[..., CommandRun]:
    """Run a management command in English, capturing its output and any CommandError."""

    def run(*args: str) -> CommandRun:
        out, err = io.StringIO(), io.StringIO()
        error = None
        with translation.override("en"):
            try:
                call_command(*args, stdout=out, stderr=err)
            except CommandError as exc:
                error = exc
        return CommandRun(out.getvalue(), err.getvalue(), error)

    return run


class _HiddenInputs(HTMLParser):
    """Collects the formset management fields (TOTAL_FORMS etc.) a rendered form carries."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "input":
            return
        found = dict(attrs)
        name = found.get("name") or ""
        if name.endswith(("-TOTAL_FORMS", "-INITIAL_FORMS", "-MIN_NUM_FORMS", "-MAX_NUM_FORMS")):
            self.values[name] = found.get("value") or ""


def management_form_fields(html: str) -> dict[str, str]:
    parser = _HiddenInputs()
    parser.feed(html)
    return parser.values


@pytest.fixture
def english_client(settings) -> Callable[[Client], Client]:
    """Make a client see the admin in English, whatever translations exist."""

    def make(client: Client) -> Client:
        settings.LANGUAGE_CODE = "en"
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


@pytest.fixture
def post_customer_add_form() -> Callable[..., object]:
    """POST the admin's add-customer form as a browser would: the rendered form's
    management fields plus the given values."""

    def post(client: Client, **values: str) -> object:
        page = client.get("/admin/customers/customer/add/")
        assert page.status_code == 200
        data = {**management_form_fields(page.content.decode()), **CUSTOMER_FORM_BASE, **values}
        return client.post("/admin/customers/customer/add/", data)

    return post


def write_csv(path: Path, text: str, *, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def ytunnus_check_digit(seven: str) -> int | None:
    """The check digit by LEGAL.md's rule, independent of the app's code; None when r = 1."""
    r = sum(int(d) * w for d, w in zip(seven, (7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    if r == 1:
        return None
    return 0 if r == 0 else 11 - r


def valid_business_ids(count: int, *, start: int = 3_000_000) -> list[str]:
    ids: list[str] = []
    number = start
    while len(ids) < count:
        seven = f"{number:07d}"
        check = ytunnus_check_digit(seven)
        if check is not None:
            ids.append(f"{seven}-{check}")
        number += 1
    return ids
