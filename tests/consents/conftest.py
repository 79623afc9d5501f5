"""Consent fixtures: the seeded purposes with their first texts, and small helpers."""

import io
from collections.abc import Callable

import pytest
from django.core.management import call_command

from consents import services
from consents.models import ConsentEvent, Purpose
from customers.models import Customer


@pytest.fixture
def purposes(db: None) -> dict[str, Purpose]:
    call_command("setup_consents", stdout=io.StringIO())
    return {p.key: p for p in Purpose.objects.all()}


@pytest.fixture
def newsletter(purposes: dict[str, Purpose]) -> Purpose:
    return purposes["newsletter"]


@pytest.fixture
def b2b(purposes: dict[str, Purpose]) -> Purpose:
    return purposes["b2b_marketing"]


@pytest.fixture
def give() -> Callable[..., ConsentEvent]:
    def make(customer: Customer, purpose: Purpose) -> ConsentEvent:
        return services.consent_give(customer=customer, purpose=purpose, actor=None)

    return make


def ledger(customer: Customer) -> list[tuple[str, str]]:
    """The customer's events, oldest first, as (purpose key, kind)."""
    return list(
        ConsentEvent.objects.filter(customer=customer)
        .order_by("occurred_at", "id")
        .values_list("purpose__key", "kind")
    )
