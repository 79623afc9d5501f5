"""Customer.objects.contactable(purpose): persons with a current consent or a recorded
existing-customer exception; organizations unless they opted out; never the restricted,
the objecting or the suppressed, whatever import brings back."""

import io
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from consents import services
from consents.models import ConsentEvent, Purpose
from customers.models import Customer


def _names(purpose: Purpose | str) -> set[str]:
    return set(Customer.objects.contactable(purpose).values_list("name", flat=True))


def test_a_person_is_contactable_only_with_a_current_consent(
    alice: Customer, charlie: Customer, newsletter: Purpose, give: Callable
) -> None:
    give(alice, newsletter)

    assert _names(newsletter) == {"Alice Aaltonen"}
    assert _names("newsletter") == {"Alice Aaltonen"}


def test_the_audience_excludes_the_withdrawn(
    alice: Customer, newsletter: Purpose, give: Callable
) -> None:
    give(alice, newsletter)
    services.consent_withdraw(customer=alice, purpose=newsletter, actor=None)

    assert _names(newsletter) == set()


def test_the_audience_excludes_the_restricted(
    alice: Customer, newsletter: Purpose, give: Callable
) -> None:
    give(alice, newsletter)
    Customer.objects.filter(pk=alice.pk).update(restricted=True, restricted_at=timezone.now())

    assert _names(newsletter) == set()


def test_the_audience_excludes_the_objecting_even_for_a_purpose_added_later(
    alice: Customer, company: Customer, newsletter: Purpose, b2b: Purpose, give: Callable
) -> None:
    give(alice, newsletter)
    services.consent_object(customer=alice, actor=None)
    services.consent_object(customer=company, actor=None)
    later = Purpose.objects.create(
        key="events",
        name="Events",
        registry_purpose="market_research",
        audience="both",
        channel="email",
    )
    later.texts.create(
        title_fi="t",
        title_sv="t",
        title_en="t",
        text_fi="x",
        text_sv="x",
        text_en="x",
        version=1,
        published_at=timezone.now(),
    )

    assert _names(newsletter) == set()
    assert _names(b2b) == set()
    assert _names(later) == set()


def test_organizations_are_contactable_unless_they_opted_out(
    company: Customer, other_company: Customer, alice: Customer, b2b: Purpose
) -> None:
    assert _names(b2b) == {"Kivikko Rakennus Oy", "Saaristo Logistiikka Oy"}

    services.consent_withdraw(customer=other_company, purpose=b2b, actor=None)

    assert _names(b2b) == {"Kivikko Rakennus Oy"}


def test_the_existing_customer_exception_needs_all_its_conditions(
    alice: Customer, newsletter: Purpose, purposes: dict[str, Purpose]
) -> None:
    with pytest.raises(ValidationError):
        services.existing_customer_record(
            customer=alice,
            purpose=newsletter,
            sale_date=date(2026, 1, 5),
            told_at_sale=False,
            similar_products=True,
            note="Sale",
            actor=None,
        )
    with pytest.raises(ValidationError):
        services.existing_customer_record(
            customer=alice,
            purpose=purposes["market_research"],
            sale_date=date(2026, 1, 5),
            told_at_sale=True,
            similar_products=True,
            note="Sale",
            actor=None,
        )
    assert _names(newsletter) == set()

    services.existing_customer_record(
        customer=alice,
        purpose=newsletter,
        sale_date=date(2026, 1, 5),
        told_at_sale=True,
        similar_products=True,
        note="Sale",
        actor=None,
    )

    assert _names(newsletter) == {"Alice Aaltonen"}
    event = ConsentEvent.objects.get(customer=alice)
    assert (event.kind, event.sale_date, event.told_at_sale, event.similar_products) == (
        "existing_customer",
        date(2026, 1, 5),
        True,
        True,
    )


def test_the_existing_customer_exception_cannot_override_an_objection(
    alice: Customer, newsletter: Purpose
) -> None:
    services.consent_object(customer=alice, actor=None)

    with pytest.raises(ValidationError):
        services.existing_customer_record(
            customer=alice,
            purpose=newsletter,
            sale_date=date(2026, 1, 5),
            told_at_sale=True,
            similar_products=True,
            note="Sale",
            actor=None,
        )

    assert _names(newsletter) == set()


def test_a_fresh_consent_after_an_objection_counts_for_that_purpose_only(
    alice: Customer, newsletter: Purpose, purposes: dict[str, Purpose], give: Callable
) -> None:
    give(alice, purposes["market_research"])
    services.consent_object(customer=alice, actor=None)

    give(alice, newsletter)

    assert _names(newsletter) == {"Alice Aaltonen"}
    assert "Alice Aaltonen" not in _names(purposes["market_research"])


def _import(tmp_path: Path, text: str) -> None:
    path = tmp_path / "customers.csv"
    path.write_text(text, encoding="utf-8")
    call_command("import_customers", str(path), stdout=io.StringIO())


def test_reimporting_an_objecting_person_does_not_make_them_contactable(
    alice: Customer, newsletter: Purpose, tmp_path: Path
) -> None:
    services.consent_object(customer=alice, actor=None)
    # Erasure removes Alice's events (and then her record); the suppression stays.
    services.consent_events_erase(customer=alice, actor=None)

    _import(
        tmp_path,
        "kind,name,email,postal_code\nperson,Alice A.,ALICE@Example.com,00100\n",
    )

    again = Customer.objects.get(name="Alice A.")
    assert _names(newsletter) == set()
    # The new record carries the objection in its own ledger, so staff can see why.
    kinds = set(ConsentEvent.objects.filter(customer=again).values_list("kind", flat=True))
    assert kinds == {"objection"}
    # Not even an existing-customer record by staff brings them back.
    with pytest.raises(ValidationError):
        services.existing_customer_record(
            customer=again,
            purpose=newsletter,
            sale_date=date(2026, 1, 5),
            told_at_sale=True,
            similar_products=True,
            note="Sale",
            actor=None,
        )


def test_a_suppressed_organization_stays_out_even_without_events(
    company: Customer, b2b: Purpose
) -> None:
    services.consent_object(customer=company, purpose=b2b, actor=None)
    services.consent_events_erase(customer=company, actor=None)

    assert not ConsentEvent.objects.filter(customer=company).exists()
    assert _names(b2b) == set()


def test_contactable_runs_a_constant_number_of_queries(
    make_customer: Callable, newsletter: Purpose, b2b: Purpose, django_assert_max_num_queries
) -> None:
    for number in range(30):
        person = make_customer(name=f"Person {number}", email=f"p{number}@example.com")
        services.consent_give(customer=person, purpose=newsletter, actor=None)
    objector = make_customer(name="Objector", email="no@example.com")
    services.consent_object(customer=objector, actor=None)

    with django_assert_max_num_queries(4):
        assert len(list(Customer.objects.contactable(newsletter))) == 30
    with django_assert_max_num_queries(4):
        assert len(list(Customer.objects.contactable(b2b))) == 0
