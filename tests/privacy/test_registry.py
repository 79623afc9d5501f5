"""The personal-data registry: every field of every installed model is declared, the
declarations are coherent, and the retention arithmetic follows Kirjanpitolaki 2:10."""

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.db import models
from django.test.utils import isolate_apps
from django.utils import translation

from privacy import registry
from privacy.registry import (
    CATEGORIES,
    DATA_SUBJECTS,
    PURPOSES,
    RETENTION,
    SOURCES,
    Erasure,
    LegalBasis,
    NotPersonal,
    PersonalField,
    Purpose,
    add_years,
    books_hold_until,
    categories_in_use,
    declaration_for,
    declare,
    financial_year_end,
    not_personal,
    personal,
    personal_fields,
    purposes_in_use,
    relationship_retention_ends,
    stale_declarations,
    undeclared_fields,
    voucher_hold_until,
)

ROOT = Path(__file__).resolve().parents[2]

DEFAULT_RETENTION = {
    "relationship_years": 3,
    "voucher_years": 6,
    "book_years": 10,
    "request_years": 5,
    "audit_years": 5,
    "audit_address_days": 90,
    "consent_evidence_years": 3,
    "backup_days": 30,
}


@pytest.fixture
def default_retention(settings) -> None:
    """The documented defaults, whatever the environment running the tests says."""
    settings.RETENTION = dict(DEFAULT_RETENTION)
    settings.FINANCIAL_YEAR_END = (12, 31)


@pytest.fixture
def scratch_registry(monkeypatch: pytest.MonkeyPatch) -> dict[str, registry.ModelDeclaration]:
    """A copy of the loaded registry that a test may declare into without leaving a trace."""
    registry._load()
    copy = dict(registry.REGISTRY)
    monkeypatch.setattr(registry, "REGISTRY", copy)
    return copy


def _run_check(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    clean.pop("DATABASE_URL", None)
    for name in list(clean):
        if name.startswith("RETENTION_") or name == "FINANCIAL_YEAR_END":
            clean.pop(name)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# -- Coverage: every field declared, nothing stale --------------------------------------------


def test_every_field_of_every_installed_model_is_declared():
    missing = undeclared_fields()
    assert missing == [], "declare these in the app's personal_data.py: " + ", ".join(missing)


def test_no_declaration_names_a_model_or_field_that_no_longer_exists():
    stale = stale_declarations()
    assert stale == [], "remove or rename these declarations: " + ", ".join(stale)


@isolate_apps("customers")
def test_undeclared_fields_names_exactly_a_field_added_to_a_declared_model():
    # A stand-in for customers.Product (same label, same fields) plus one new field.
    class Product(models.Model):  # noqa: DJ008 (a throwaway model)
        name = models.CharField(max_length=200)
        code = models.CharField(max_length=50)
        owner = models.IntegerField()
        description = models.TextField()
        active = models.BooleanField()
        loyalty_tier = models.CharField(max_length=20)

        class Meta:
            app_label = "customers"

    assert undeclared_fields(model_classes=[Product]) == ["customers.product.loyalty_tier"]


@isolate_apps("customers")
def test_undeclared_fields_names_every_field_of_an_undeclared_model_including_links():
    class Group(models.Model):  # noqa: DJ008
        name = models.CharField(max_length=50)

        class Meta:
            app_label = "customers"

    class Newsletter(models.Model):  # noqa: DJ008
        subject = models.CharField(max_length=200)
        readers = models.ManyToManyField(Group)

        class Meta:
            app_label = "customers"

    assert undeclared_fields(model_classes=[Newsletter]) == [
        "customers.newsletter.id",
        "customers.newsletter.subject",
        "customers.newsletter.readers",
    ]


def test_stale_declarations_names_a_vanished_field_and_a_vanished_model(scratch_registry):
    product = scratch_registry["customers.product"]
    product.fields = {**product.fields, "retired": NotPersonal("customers.product", "retired", "x")}
    scratch_registry["customers.product"] = product
    declare("customers.vanished", fields={"id": not_personal("internal row number")})

    stale = stale_declarations()

    assert "customers.product.retired" in stale
    assert "customers.vanished" in stale
    product.fields.pop("retired")


def test_declaring_a_model_twice_is_refused(scratch_registry):
    before = scratch_registry["customers.customer"]

    with pytest.raises(ValueError, match=r"customers\.customer is declared twice"):
        declare("Customers.Customer", fields={"id": not_personal("internal row number")})

    assert scratch_registry["customers.customer"] is before


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (personal("identity", ("fortune_telling",), "relationship", Erasure.DELETE), "purpose"),
        (
            personal("horoscope", ("customer_relationship",), "relationship", Erasure.DELETE),
            "category",
        ),
        (personal("identity", ("customer_relationship",), "forever", Erasure.DELETE), "retention"),
        (
            personal(
                "identity", ("customer_relationship",), "relationship", Erasure.DELETE, "rumour"
            ),
            "source",
        ),
        (personal("identity", ("customer_relationship",), "relationship", "shred"), "erasure"),  # type: ignore[arg-type]
        (personal("identity", (), "relationship", Erasure.DELETE), "at least one purpose"),
        (personal("identity", ("customer_relationship",), "relationship", Erasure.HOLD), "hold"),
        (not_personal(""), "not_personal"),
    ],
)
def test_a_declaration_with_an_unknown_or_missing_term_is_refused_and_not_registered(
    scratch_registry, spec, message
):
    with pytest.raises(ValueError, match=message):
        declare("customers.newthing", fields={"id": not_personal("row"), "value": spec})

    assert "customers.newthing" not in scratch_registry


def test_a_valid_declaration_is_registered_and_found(scratch_registry):
    declare(
        "customers.newthing",
        subject="customer",
        fields={
            "id": not_personal("internal row number"),
            "nickname": personal("identity", ("customer_relationship",), "relationship", "delete"),
        },
    )

    found = declaration_for("customers.newthing", "nickname")
    assert isinstance(found, PersonalField)
    assert found.erasure is Erasure.DELETE
    assert found.bases == (LegalBasis.CONTRACT,)
    assert declaration_for("customers.newthing", "id") == NotPersonal(
        "customers.newthing", "id", "internal row number"
    )
    assert declaration_for("customers.newthing", "nothing") is None


# -- Coherence of the vocabularies and declarations ------------------------------------------


def test_every_personal_field_has_a_legal_basis_for_each_of_its_purposes():
    fields = personal_fields()
    assert fields
    for decl in fields:
        assert decl.purposes, f"{decl.model}.{decl.name} has no purpose"
        assert len(decl.bases) >= 1
        assert {PURPOSES[p].basis for p in decl.purposes} == set(decl.bases)


def test_a_legitimate_interest_is_stated_exactly_for_the_purposes_with_basis_f():
    for purpose in PURPOSES.values():
        if purpose.basis == LegalBasis.LEGITIMATE_INTEREST:
            assert str(purpose.legitimate_interest or "").strip(), purpose.key
        else:
            assert purpose.legitimate_interest is None, purpose.key


def test_a_purpose_with_basis_f_but_no_stated_interest_cannot_be_built():
    with pytest.raises(ValueError, match="legitimate interest"):
        Purpose(key="profiling", name="x", description="x", basis=LegalBasis.LEGITIMATE_INTEREST)  # type: ignore[arg-type]


def test_a_purpose_that_states_an_interest_without_basis_f_cannot_be_built():
    with pytest.raises(ValueError, match="legitimate interest"):
        Purpose(
            key="newsletter",
            name="x",  # type: ignore[arg-type]
            description="x",  # type: ignore[arg-type]
            basis=LegalBasis.CONSENT,
            legitimate_interest="we like it",  # type: ignore[arg-type]
        )


def test_a_purpose_for_unknown_data_subjects_cannot_be_built():
    with pytest.raises(ValueError, match="data subjects"):
        Purpose(
            key="x",
            name="x",  # type: ignore[arg-type]
            description="x",  # type: ignore[arg-type]
            basis=LegalBasis.CONTRACT,
            data_subjects=("martians",),
        )


def test_every_purpose_states_whether_giving_the_data_is_required_and_whom_it_concerns():
    for purpose in PURPOSES.values():
        assert str(purpose.name).strip() and str(purpose.description).strip(), purpose.key
        assert str(purpose.requirement or "").strip(), f"{purpose.key}: Art 13(2)(e)"
        assert set(purpose.data_subjects) <= set(DATA_SUBJECTS)


def test_every_category_retention_rule_and_source_in_use_has_a_name_and_description(
    default_retention,
):
    fields = personal_fields()
    for key in {d.category for d in fields}:
        assert str(CATEGORIES[key].name).strip() and str(CATEGORIES[key].description).strip()
    for key in {d.retention for d in fields}:
        assert RETENTION[key].description.strip(), key
    for key in {d.source for d in fields}:
        assert str(SOURCES[key]).strip(), key


def test_every_purpose_used_in_a_declaration_is_in_purposes_in_use():
    used = {p for decl in personal_fields() for p in decl.purposes}
    in_use = [purpose.key for purpose in purposes_in_use()]
    assert set(in_use) == used
    assert in_use == [key for key in PURPOSES if key in used], "notice order"


def test_categories_in_use_follow_the_notice_order_and_collect_every_personal_field():
    summaries = categories_in_use()
    keys = [s.category.key for s in summaries]
    assert keys == [key for key in CATEGORIES if key in keys]
    assert sum(len(s.fields) for s in summaries) == len(personal_fields())
    billing = next(s for s in summaries if s.category.key == "billing")
    assert billing.erasure == {Erasure.HOLD}
    assert RETENTION["vouchers"] in billing.retention


def test_holds_are_used_only_with_a_bookkeeping_retention():
    for decl in personal_fields():
        if decl.erasure == Erasure.HOLD:
            assert decl.retention in {"vouchers", "books"}, f"{decl.model}.{decl.name}"


@pytest.mark.parametrize("model", ["customers.billingprofile", "customers.purchase"])
def test_billing_and_purchase_fields_are_held_for_the_voucher_period(model):
    fields = personal_fields(model)
    assert {"customer", "id"}.isdisjoint(d.name for d in fields)
    assert len(fields) >= 8
    for decl in fields:
        assert decl.erasure == Erasure.HOLD, f"{model}.{decl.name}"
        assert decl.retention == "vouchers", f"{model}.{decl.name}"
        assert "bookkeeping" in decl.purposes


@pytest.mark.parametrize(
    "name",
    [
        "account.emailaddress.email",
        "mfa.authenticator.data",
        "sessions.session.session_data",
        "admin.logentry.object_repr",
        "customers.user.email",
        "customers.user.groups",
    ],
)
def test_third_party_fields_that_hold_personal_data_are_declared_personal(name):
    model, field = name.rsplit(".", 1)
    decl = declaration_for(model, field)
    assert isinstance(decl, PersonalField), name
    assert decl.erasure in {Erasure.DELETE, Erasure.ANONYMISE}


def test_audit_events_stay_on_erasure_and_only_their_client_address_goes():
    fields = {d.name: d for d in personal_fields("privacy.auditevent")}
    assert fields["client_ip"].erasure == Erasure.DELETE
    assert fields["client_ip"].retention == "audit_address"
    others = [d for name, d in fields.items() if name != "client_ip"]
    assert others
    for decl in others:
        assert decl.erasure != Erasure.DELETE, decl.name


def test_a_sole_traders_business_id_and_the_customers_notes_are_personal_data():
    business_id = declaration_for("customers.customer", "business_id")
    notes = declaration_for("customers.customer", "notes")
    assert isinstance(business_id, PersonalField)
    assert business_id.erasure == Erasure.HOLD
    assert isinstance(notes, PersonalField)
    assert notes.category == "notes" and notes.source == "staff"


@pytest.mark.parametrize(
    "model",
    [
        "customers.customer",
        "customers.billingprofile",
        "customers.authorization",
        "customers.purchase",
        "customers.socialmediaprofile",
    ],
)
def test_where_and_when_a_record_was_obtained_follows_the_record(model):
    fields = {d.name: d for d in personal_fields(model)}
    record = [d for name, d in fields.items() if d.category != "origin"]
    for name in ("source", "obtained_at", "created_at", "updated_at"):
        decl = fields[name]
        assert decl.category == "origin"
        assert "privacy_rights" in decl.purposes  # Art 15(1)(g): the source is told
        assert decl.retention in {d.retention for d in record}
        assert decl.erasure in {d.erasure for d in record}


# -- Retention arithmetic (Kirjanpitolaki 2:10) ----------------------------------------------


def test_a_financial_year_ending_2024_12_31_keeps_vouchers_to_2030_and_books_to_2034(
    default_retention,
):
    assert financial_year_end(date(2024, 12, 31)) == date(2024, 12, 31)
    assert voucher_hold_until(date(2024, 12, 31)) == date(2030, 12, 31)
    assert books_hold_until(date(2024, 12, 31)) == date(2034, 12, 31)


def test_a_purchase_in_march_with_the_default_year_end_is_held_to_2030(default_retention):
    assert financial_year_end(date(2024, 3, 15)) == date(2024, 12, 31)
    assert voucher_hold_until(date(2024, 3, 15)) == date(2030, 12, 31)
    assert voucher_hold_until(date(2025, 1, 1)) == date(2031, 12, 31)


def test_with_a_june_year_end_a_purchase_belongs_to_the_year_that_contains_it(
    default_retention, settings
):
    settings.FINANCIAL_YEAR_END = (6, 30)

    assert financial_year_end(date(2024, 3, 15)) == date(2024, 6, 30)
    assert financial_year_end(date(2024, 6, 30)) == date(2024, 6, 30)
    assert financial_year_end(date(2024, 7, 1)) == date(2025, 6, 30)
    assert voucher_hold_until(date(2024, 3, 15)) == date(2030, 12, 31)
    assert voucher_hold_until(date(2024, 7, 1)) == date(2031, 12, 31)
    assert books_hold_until(date(2024, 3, 15)) == date(2034, 6, 30)
    assert books_hold_until(date(2024, 7, 1)) == date(2035, 6, 30)


def test_longer_configured_periods_lengthen_the_holds(default_retention, settings):
    settings.RETENTION = {**DEFAULT_RETENTION, "voucher_years": 7, "book_years": 12}

    assert voucher_hold_until(date(2024, 3, 15)) == date(2031, 12, 31)
    assert books_hold_until(date(2024, 3, 15)) == date(2036, 12, 31)


def test_add_years_turns_29_february_into_28_february_only_when_needed():
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)
    assert add_years(date(2024, 3, 1), 3) == date(2027, 3, 1)


def test_customer_data_is_kept_three_years_after_the_last_sign_of_the_relationship(
    default_retention, settings
):
    assert relationship_retention_ends(date(2026, 2, 28)) == date(2029, 2, 28)
    assert relationship_retention_ends(date(2028, 2, 29)) == date(2031, 2, 28)

    settings.RETENTION = {**DEFAULT_RETENTION, "relationship_years": 5}
    assert relationship_retention_ends(date(2026, 2, 28)) == date(2031, 2, 28)


@translation.override("en")
def test_retention_descriptions_state_the_configured_periods(default_retention, settings):
    assert RETENTION["relationship"].description.startswith("3 years")
    assert RETENTION["vouchers"].description.startswith("6 years")
    assert "90 days" in RETENTION["audit"].description

    settings.RETENTION = {**DEFAULT_RETENTION, "relationship_years": 4, "audit_address_days": 30}

    assert RETENTION["relationship"].description.startswith("4 years")
    assert "30 days" in RETENTION["audit"].description
    assert RETENTION["audit_address"].description == "30 days"


@pytest.mark.parametrize("value", ["13-01", "02-30", "02-29", "12/31", "december"])
def test_an_impossible_financial_year_end_stops_the_start_with_a_clear_error(value):
    result = _run_check({"FINANCIAL_YEAR_END": value})

    assert result.returncode != 0
    assert "FINANCIAL_YEAR_END" in result.stderr
    assert "MM-DD" in result.stderr


def test_a_voucher_period_shorter_than_the_law_requires_is_refused():
    result = _run_check({"RETENTION_VOUCHER_YEARS": "5"})

    assert result.returncode != 0
    assert "RETENTION_VOUCHER_YEARS must be at least 6" in result.stderr


def test_a_valid_financial_year_end_and_retention_are_accepted():
    result = _run_check({"FINANCIAL_YEAR_END": "06-30", "RETENTION_VOUCHER_YEARS": "7"})

    assert result.returncode == 0, result.stderr
