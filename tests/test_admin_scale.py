"""The staff admin at a million customers: counts without a full COUNT(*), searches and
the account linking through their indexes, filters without a DISTINCT over the table."""

from collections.abc import Callable, Iterator

import pytest
from django.contrib import admin
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from customers import roles
from customers.admin.register import CountryFilter
from customers.models import Customer, DataSource
from herocon_registry.paginator import CountAtLeast, RegisterPaginator
from privacy.admin.notice import ObjectTypeFilter

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's planner and indexes"
)
CUSTOMER_LIST = reverse("admin:customers_customer_changelist")


@pytest.fixture
def register(alice: Customer, charlie: Customer, company: Customer) -> list[Customer]:
    """The cast and a Swedish customer: four customers, three countries' worth of rows."""
    sven = Customer.objects.create(
        name="Sven Svensson", kind=Customer.Kind.PERSON, country="SE", source=DataSource.PHONE
    )
    return [alice, charlie, company, sven]


def _analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE customers_customer")


@pytest.fixture
def no_seqscan() -> Iterator[None]:
    """A test table is tiny, so the planner would read it whole: make it show which index
    it would use on a big one."""
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = on")


# -- Counting ------------------------------------------------------------------------------


@on_postgresql
def test_an_unfiltered_big_list_is_counted_by_the_planners_estimate(
    register: list[Customer], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(RegisterPaginator, "estimate_above", 0)  # as if the table were big
    _analyze()
    Customer.objects.create(
        name="Added After Analyze", kind=Customer.Kind.PERSON, source=DataSource.PHONE
    )

    paginator = RegisterPaginator(Customer.objects.all(), 50)
    with CaptureQueriesContext(connection) as captured:
        count = paginator.count

    assert count == len(register)  # the estimate, one row behind the table
    assert Customer.objects.count() == len(register) + 1
    assert not [q for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]


@on_postgresql
def test_a_table_never_analyzed_or_small_is_counted_exactly(register: list[Customer]) -> None:
    # Small: below estimate_above, the count is cheap and exact.
    _analyze()

    assert RegisterPaginator(Customer.objects.all(), 50).count == len(register)


def test_without_an_estimate_an_unfiltered_list_is_counted_exactly(
    register: list[Customer], monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLite keeps no estimate; on PostgreSQL an unanalyzed table has none (reltuples -1).
    monkeypatch.setattr(RegisterPaginator, "estimate_above", 0)
    monkeypatch.setattr("herocon_registry.paginator.planner_estimate", lambda queryset: None)

    assert RegisterPaginator(Customer.objects.all(), 50).count == len(register)


@pytest.mark.parametrize(
    ("queryset", "expected"),
    [
        (lambda: Customer.objects.persons(), 3),
        (lambda: Customer.objects.filter(country="SE"), 1),
        (lambda: Customer.objects.search("Aaltonen"), 1),
        (lambda: Customer.objects.search("nobody-at-all"), 0),
    ],
    ids=["filtered", "by country", "searched", "found nobody"],
)
def test_a_filtered_or_searched_list_is_counted_exactly(
    queryset: Callable, expected: int, register: list[Customer], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(RegisterPaginator, "estimate_above", 0)
    if connection.vendor == "postgresql":
        _analyze()

    count = RegisterPaginator(queryset(), 50).count

    assert count == expected
    assert not isinstance(count, CountAtLeast)


def test_a_count_stops_at_its_limit_and_says_so(
    register: list[Customer], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(RegisterPaginator, "count_limit", 2)

    paginator = RegisterPaginator(Customer.objects.persons(), 1)
    with CaptureQueriesContext(connection) as captured:
        count = paginator.count

    assert count == 2
    assert isinstance(count, CountAtLeast)
    assert str(count) == "2+"
    assert paginator.num_pages == 2
    [query] = captured.captured_queries
    assert "LIMIT 3" in query["sql"].upper()


def test_every_admin_list_pages_with_the_register_paginator() -> None:
    for model_admin in admin.site._registry.values():
        assert model_admin.paginator is RegisterPaginator, type(model_admin).__name__
        assert model_admin.show_full_result_count is False


def test_the_customer_list_makes_no_full_count_and_no_date_scan(
    register: list[Customer], staff_client: Callable[..., Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(RegisterPaginator, "estimate_above", 0)
    if connection.vendor == "postgresql":
        _analyze()
    client = staff_client(roles.CUSTOMER_SERVICE)

    with CaptureQueriesContext(connection) as captured:
        response = client.get(CUSTOMER_LIST)

    assert response.status_code == 200
    assert {c.name for c in response.context["cl"].result_list} == {c.name for c in register}
    sql = [q["sql"].upper() for q in captured.captured_queries]
    counts = [q for q in sql if "COUNT(" in q and "CUSTOMERS_CUSTOMER" in q]
    # PostgreSQL: the estimate; SQLite: its one exact count, no second "N total".
    assert len(counts) == (0 if connection.vendor == "postgresql" else 1)
    assert not [q for q in sql if "MIN(" in q or "DATE_TRUNC" in q or "DJANGO_DATETIME" in q]


# -- Searching -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("term", "found"),
    [
        ("aaltonen", "Alice Aaltonen"),
        ("ALICE@EXAMPLE.COM", "Alice Aaltonen"),
        ("alice@example", "Alice Aaltonen"),
        ("example.com", None),
        ("0112038-9", "Kivikko Rakennus Oy"),
        ("01120389", "Kivikko Rakennus Oy"),
        ("040 754 0576", "Alice Aaltonen"),
        ("+358407540576", "Alice Aaltonen"),
    ],
)
def test_the_search_finds_by_name_email_business_id_and_phone(
    term: str,
    found: str | None,
    register: list[Customer],
    staff_client: Callable[..., Client],
) -> None:
    response = staff_client(roles.CUSTOMER_SERVICE).get(CUSTOMER_LIST, {"q": term})

    names = [c.name for c in response.context["cl"].result_list]
    if found is None:  # both Alice and Charlie have an example.com address
        assert sorted(names) == ["Alice Aaltonen", "Charlie Carlsson"]
    else:
        assert names == [found]
    assert response.context["cl"].result_count == len(names)


def test_search_results_come_newest_first_unless_a_column_is_sorted(
    register: list[Customer], staff_client: Callable[..., Client]
) -> None:
    client = staff_client(roles.CUSTOMER_SERVICE)
    cl = client.get(CUSTOMER_LIST, {"q": "example"}).context["cl"]
    newest_first = [c.pk for c in cl.result_list]
    assert len(newest_first) > 1 and newest_first == sorted(newest_first, reverse=True)
    # The name column sorted: by name again.
    name_column = str(cl.list_display.index("name"))
    sorted_cl = client.get(CUSTOMER_LIST, {"q": "example", "o": name_column}).context["cl"]
    by_name = [c.name for c in sorted_cl.result_list]
    assert by_name == sorted(by_name) and by_name != [c.name for c in cl.result_list]
    # No search: the register's own order, by name.
    listed = [c.name for c in client.get(CUSTOMER_LIST).context["cl"].result_list]
    assert listed == sorted(listed)


@on_postgresql
@pytest.mark.parametrize(
    ("term", "index"),
    [
        ("Aaltonen", "customers_customer_name_trgm"),
        ("alice@exa", "customers_customer_email_trgm"),
        ("0112038", "customers_customer_business_id_trgm"),
    ],
)
def test_the_search_is_planned_through_the_trigram_indexes(
    term: str, index: str, register: list[Customer], no_seqscan: None
) -> None:
    # Unordered: the tiny table's rows would otherwise come in name order, through that
    # index, with the condition as a filter.
    plan = Customer.objects.search(term).order_by().explain()

    assert index in plan
    assert "Seq Scan" not in plan


@on_postgresql
def test_a_whole_email_address_is_searched_through_the_email_index(
    register: list[Customer], no_seqscan: None
) -> None:
    plan = Customer.objects.search("Alice@Example.com").order_by().explain()

    assert "customers_customer_email_upper" in plan
    assert "customers_customer_email_trgm" not in plan
    assert "Seq Scan" not in plan


@on_postgresql
def test_the_account_linking_lookup_uses_an_email_index(
    register: list[Customer], no_seqscan: None
) -> None:
    plan = Customer.objects.persons().with_email("Alice@Example.com").explain()

    assert "customers_customer_email_upper" in plan
    assert "Seq Scan" not in plan


@on_postgresql
def test_the_customer_list_is_ordered_through_the_name_index(
    register: list[Customer], no_seqscan: None
) -> None:
    plan = Customer.objects.order_by("name", "-pk")[:50].explain()

    assert "customers_customer_name" in plan
    assert "Sort" not in plan.split("customers_customer_name")[0]


# -- Filtering -----------------------------------------------------------------------------


def test_the_country_filter_lists_the_countries_on_record_without_a_distinct(
    register: list[Customer], staff_client: Callable[..., Client]
) -> None:
    Customer.objects.filter(pk=register[1].pk).update(country="")  # as an erased customer
    client = staff_client(roles.CUSTOMER_SERVICE)

    with CaptureQueriesContext(connection) as captured:
        response = client.get(CUSTOMER_LIST)

    [country_filter] = [
        f for f in response.context["cl"].filter_specs if isinstance(f, CountryFilter)
    ]
    assert [value for value, _label in country_filter.lookup_choices] == ["FI", "SE", "-"]
    assert not [q for q in captured.captured_queries if "DISTINCT" in q["sql"].upper()]


@pytest.mark.parametrize(("value", "expected"), [("SE", {"Sven Svensson"}), ("-", set())])
def test_the_country_filter_narrows_the_list(
    value: str, expected: set[str], register: list[Customer], staff_client: Callable[..., Client]
) -> None:
    response = staff_client(roles.CUSTOMER_SERVICE).get(CUSTOMER_LIST, {"country": value})

    assert {c.name for c in response.context["cl"].result_list} == expected


def test_the_audit_log_lists_object_types_without_a_distinct(
    alice: Customer, staff_client: Callable[..., Client]
) -> None:
    client = staff_client(roles.DPO)
    client.get(reverse("admin:customers_customer_change", args=[alice.pk]))  # a view event

    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("admin:privacy_auditevent_changelist"))

    assert response.status_code == 200
    [types] = [f for f in response.context["cl"].filter_specs if isinstance(f, ObjectTypeFilter)]
    assert "customers.customer" in [value for value, _label in types.lookup_choices]
    assert not [q for q in captured.captured_queries if "DISTINCT" in q["sql"].upper()]
