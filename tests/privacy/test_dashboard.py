"""The DPO's dashboard in the admin: open requests by due date, overdue, open breaches
against the 72-hour deadline, register size and consent rates, with server-rendered SVG
charts and table alternatives; for the DPO only."""

import io
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consents import services as consent_services
from consents.models import Purpose
from customers import roles
from customers.models import Customer, Purchase, User
from privacy.models import Breach, DataSubjectRequest
from privacy.services import request_create, request_extend, request_refuse

HELSINKI = ZoneInfo("Europe/Helsinki")
DASHBOARD_URL = "/admin/privacy/dashboard/"
TODAY = date(2025, 3, 10)


@pytest.fixture
def on_day(monkeypatch: pytest.MonkeyPatch) -> Callable[[date], None]:
    def set_day(day: date) -> None:
        noon = datetime(day.year, day.month, day.day, 12, tzinfo=HELSINKI).astimezone(UTC)
        monkeypatch.setattr(timezone, "now", lambda: noon)

    return set_day


def _helsinki(*args: int) -> datetime:
    return datetime(*args, tzinfo=HELSINKI)


def _breach(title: str, aware_at: datetime, **values: object) -> Breach:
    return Breach.objects.create(
        title=title,
        aware_at=aware_at,
        nature="Lost laptop",
        data_categories="Contact details",
        approx_people=10,
        approx_records=10,
        consequences="Phishing",
        measures="Remote wipe",
        **values,
    )


@pytest.fixture
def register(
    alice: Customer,
    charlie: Customer,
    company: Customer,
    purchase: Purchase,
    make_staff: Callable[..., User],
    on_day: Callable[[date], None],
) -> User:
    """On 2025-03-10: five open requests and a closed one, five breaches, two people, one
    organization, one purchase and some consents. Returns the DPO."""
    on_day(date(2025, 1, 31))
    extended = request_create(customer=alice, kind="access", channel="email", actor=None)
    on_day(date(2025, 2, 3))
    dpo = make_staff(roles.DPO)
    request_extend(request=extended, reason="Complex", actor=dpo)  # due 2025-04-30: later
    on_day(TODAY)
    dpo = User.objects.get(pk=dpo.pk)
    for received, kind in [
        (date(2025, 2, 1), "erasure"),  # due 2025-03-01: overdue
        (date(2025, 2, 15), "access"),  # due 2025-03-15: within 7 days
        (date(2025, 3, 1), "objection"),  # due 2025-04-01: 15-31 days
        (date(2025, 3, 10), "restriction"),  # due 2025-04-10: 15-31 days
    ]:
        request_create(
            customer=charlie, kind=kind, channel="letter", received_on=received, actor=None
        )
    closed = request_create(
        customer=charlie, kind="access", channel="letter", received_on=date(2025, 1, 2), actor=None
    )
    request_refuse(request=closed, reasons="Unfounded.", actor=dpo)

    _breach("Past the deadline", _helsinki(2025, 3, 6, 10))
    _breach("Near the deadline", _helsinki(2025, 3, 8, 0))  # 12 hours left
    _breach("Fresh", _helsinki(2025, 3, 10, 9))
    _breach("Notified", _helsinki(2025, 3, 1, 9), authority_notified_at=_helsinki(2025, 3, 2, 9))
    _breach(
        "Closed",
        _helsinki(2025, 2, 1, 9),
        not_notified_reason="Encrypted",
        closed_at=_helsinki(2025, 2, 2, 9),
    )

    call_command("setup_consents", stdout=io.StringIO())
    newsletter = Purpose.objects.get(key="newsletter")
    research = Purpose.objects.get(key="market_research")
    consent_services.consent_give(customer=alice, purpose=newsletter, actor=None)
    consent_services.consent_give(customer=charlie, purpose=newsletter, actor=None)
    consent_services.consent_withdraw(customer=charlie, purpose=newsletter, actor=None)
    consent_services.consent_give(customer=company, purpose=research, actor=None)
    return dpo


def _svg(content: str, slug: str) -> str:
    match = re.search(rf'<svg id="chart-{slug}".*?</svg>', content, re.S)
    assert match, f"no chart {slug}"
    return match.group(0)


def _bars(svg: str) -> list[tuple[str, str]]:
    """(width, value) of each bar, in order."""
    return re.findall(r'<rect [^>]*width="(\d+)"[^>]*data-value="([\d.]+)"', svg)


def _table(content: str, table_id: str) -> list[list[str]]:
    match = re.search(rf'<table id="{table_id}">.*?<tbody>(.*?)</tbody>', content, re.S)
    assert match, f"no table {table_id}"
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", match.group(1), re.S)
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in rows
    ]


def test_the_dpo_sees_the_dashboard_with_the_right_numbers_and_charts(register: User) -> None:
    client = Client()
    client.force_login(register)

    response = client.get(DASHBOARD_URL, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert reverse("admin:privacy_dashboard") == DASHBOARD_URL
    content = response.content.decode()
    assert '<span class="dpo-figure" id="figure-open">5</span>' in content
    assert 'id="figure-overdue">1</span>' in content
    assert 'id="figure-due-soon">1</span>' in content
    assert 'id="figure-breaches">4</span>' in content

    requests_svg = _svg(content, "requests")
    assert "<title " in requests_svg and "Open requests by due date</title>" in requests_svg
    # Overdue 1, within 7 days 1, 8-14 days 0, 15-31 days 2, later 1: scaled to the largest.
    assert _bars(requests_svg) == [
        ("150", "1"),
        ("150", "1"),
        ("0", "0"),
        ("300", "2"),
        ("150", "1"),
    ]
    assert 'fill="#ba2121"' in requests_svg  # the overdue bar stands out
    assert _table(content, "table-requests") == [
        ["Overdue", "1"],
        ["Due within 7 days", "1"],
        ["In 8–14 days", "0"],
        ["In 15–31 days", "2"],
        ["Later", "1"],
    ]

    register_svg = _svg(content, "register")
    assert _bars(register_svg) == [("300", "2"), ("150", "1"), ("150", "1")]
    assert _table(content, "table-register") == [
        ["People", "2"],
        ["Organizations", "1"],
        ["Purchases", "1"],
    ]

    consents_svg = _svg(content, "consents")
    rates = dict(_table(content, "table-consents"))
    assert rates["Newsletter"] == "50 %"  # Alice granted; Charlie granted, then withdrew
    assert rates["Market research"] == "33 %"  # one of three customers
    assert rates["B2B marketing"] == "0 %"
    assert ("150", "50") in _bars(consents_svg)
    consent_rows = {row[0]: row[1:] for row in _table(content, "consent-rates")}
    assert consent_rows["Newsletter"] == ["2", "1", "50 %", "1"]
    assert consent_rows["B2B marketing"] == ["1", "0", "0 %", "1"]  # opt-out: contactable

    # No inline styles or scripts anywhere in the dashboard's own markup.
    main = content.split('id="content-main"')[1]
    assert "style=" not in main
    assert "<script" not in main


def test_the_dashboard_lists_open_requests_soonest_first_and_highlights_breaches(
    register: User,
) -> None:
    client = Client()
    client.force_login(register)

    content = client.get(DASHBOARD_URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    due_dates = [row[0] for row in _table(content, "open-requests")]
    assert due_dates == ["03/01/2025", "03/15/2025", "04/01/2025", "04/10/2025", "04/30/2025"]
    assert content.count('<tr class="dpo-row-overdue">') == 2  # the request and the breach
    breaches = _table(content, "open-breaches")
    assert [(row[0], row[3]) for row in breaches] == [
        ("Notified", "Notified or explained"),
        ("Past the deadline", "Past the deadline"),
        ("Near the deadline", "Less than a day left"),
        ("Fresh", "Within the deadline"),
    ]
    assert re.search(r'<tr class="dpo-row-near">\s*<th scope="row">Near the deadline', content)
    assert "Closed" not in [row[0] for row in breaches]


def test_the_dashboard_works_on_an_empty_register(
    make_staff: Callable[..., User],
) -> None:
    client = Client()
    client.force_login(make_staff(roles.DPO))

    response = client.get(DASHBOARD_URL, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="figure-open">0</span>' in content
    assert "No open requests." in content
    assert "No open breaches." in content
    assert DataSubjectRequest.objects.count() == 0


def test_the_admin_links_the_dashboard_for_the_dpo(dpo: User) -> None:
    client = Client()
    client.force_login(dpo)

    assert DASHBOARD_URL in client.get(reverse("admin:index")).content.decode()


@pytest.mark.parametrize(
    "role", [roles.CUSTOMER_SERVICE, roles.SALES, roles.MARKETING, roles.TECHNICAL_ADMIN]
)
def test_other_roles_are_refused_the_dashboard(
    role: str, staff_client: Callable[..., Client]
) -> None:
    client = staff_client(role)

    assert client.get(DASHBOARD_URL).status_code == 403
    assert DASHBOARD_URL not in client.get(reverse("admin:index")).content.decode()


def test_a_customer_is_sent_to_the_login_instead_of_the_dashboard(alice: Customer) -> None:
    client = Client()
    client.force_login(alice.user)

    response = client.get(DASHBOARD_URL)

    assert response.status_code == 302
    assert "login" in response["Location"]
