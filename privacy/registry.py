"""The personal-data registry: every model field that can hold personal data, declared once.

Each concrete field of every installed model is declared here (through `declare()` in the
`personal_data` module of each app) either as personal data, with its category, purposes,
source, retention rule and erasure action, or explicitly as not personal. The privacy
notice, the record of processing (Art 30), the portal's "all my data" page and download
(Art 15/20) and erasure (Art 17) all read this instead of listing fields again;
`tests/privacy/test_registry.py` fails when a field is left undeclared.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils.functional import Promise
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _

# -- Vocabularies --------------------------------------------------------------------------


class LegalBasis(enum.StrEnum):
    """GDPR Art 6(1) points."""

    CONSENT = "a"
    CONTRACT = "b"
    LEGAL_OBLIGATION = "c"
    LEGITIMATE_INTEREST = "f"

    @property
    def label(self) -> Promise:
        return {
            "a": _("Consent (GDPR Art 6(1)(a))"),
            "b": _("Contract (GDPR Art 6(1)(b))"),
            "c": _("Legal obligation (GDPR Art 6(1)(c))"),
            "f": _("Legitimate interest (GDPR Art 6(1)(f))"),
        }[self.value]


@dataclass(frozen=True)
class Purpose:
    """A processing purpose of the notice's section 4."""

    key: str
    name: Promise
    description: Promise
    basis: LegalBasis
    # Art 13(1)(d): with legitimate interest the interest itself is stated.
    legitimate_interest: Promise | None = None
    # Art 13(2)(e): whether giving the data is required, and what follows if not.
    requirement: Promise | None = None
    data_subjects: tuple[str, ...] = ("customers",)

    def __post_init__(self) -> None:
        if (self.basis == LegalBasis.LEGITIMATE_INTEREST) != (self.legitimate_interest is not None):
            raise ValueError(
                f"Purpose {self.key}: a legitimate interest is stated with basis f only"
            )
        unknown = [s for s in self.data_subjects if s not in DATA_SUBJECTS]
        if not self.data_subjects or unknown:
            raise ValueError(f"Purpose {self.key}: unknown data subjects {unknown!r}")


@dataclass(frozen=True)
class Category:
    """A category of personal data, as the notice's section 5 lists them."""

    key: str
    name: Promise
    description: Promise


@dataclass(frozen=True)
class Retention:
    """How long data is kept. `text` names its periods as settings.RETENTION keys
    (`%(relationship_years)s`), so the notice says what the settings enforce."""

    key: str
    text: Promise

    @property
    def description(self) -> str:
        """The rule in the active language, with the configured periods filled in."""
        values = {**settings.RETENTION, "session_hours": settings.SESSION_COOKIE_AGE // 3600}
        return str(self.text) % values


class Erasure(enum.StrEnum):
    DELETE = "delete"
    ANONYMISE = "anonymise"
    # Kept, restricted, until the retention rule's date (bookkeeping): Art 17(3)(b).
    HOLD = "hold"
    # Kept without personal values (e.g. audit events that name people only by id).
    KEEP = "keep"


DATA_SUBJECTS: dict[str, Promise] = {
    "customers": _("Customers who are private persons"),
    "contacts": _("Contact persons and authorized persons of business customers"),
    "prospects": _("Prospective customers and people who have contacted us"),
    "users": _("Users of the web service"),
    "staff": _("Herocon staff who use the register"),
}

PURPOSES: dict[str, Purpose] = {
    p.key: p
    for p in [
        Purpose(
            key="customer_relationship",
            name=_("Managing the customer relationship"),
            description=_(
                "Serving our customers, delivering the services and products they buy, "
                "answering their questions and keeping their details up to date."
            ),
            basis=LegalBasis.CONTRACT,
            requirement=_(
                "Giving the data is a requirement for a contract: without it we cannot "
                "deliver what was ordered."
            ),
            data_subjects=("customers", "prospects"),
        ),
        Purpose(
            key="business_contacts",
            name=_("Business customers' contact and authorized persons"),
            description=_(
                "Keeping in touch with the people who act for our business customers and "
                "checking who may buy for, see or manage an organization's data "
                "(authorizations and purchase rights)."
            ),
            basis=LegalBasis.LEGITIMATE_INTEREST,
            legitimate_interest=_(
                "Running the business relationship with the organization the person acts "
                "for, and making sure only authorized people act for it."
            ),
            requirement=_(
                "Not required by law; without a contact person we cannot serve the "
                "organization through that person."
            ),
            data_subjects=("contacts",),
        ),
        Purpose(
            key="invoicing",
            name=_("Delivery and invoicing"),
            description=_("Delivering purchases, invoicing them and handling payments."),
            basis=LegalBasis.CONTRACT,
            requirement=_("Required for a purchase: without billing details we cannot invoice."),
            data_subjects=("customers", "contacts"),
        ),
        Purpose(
            key="bookkeeping",
            name=_("Bookkeeping"),
            description=_(
                "Keeping accounting records, including sales invoices, as the Accounting "
                "Act (kirjanpitolaki 1336/1997) requires."
            ),
            basis=LegalBasis.LEGAL_OBLIGATION,
            requirement=_("Required by law for every purchase."),
            data_subjects=("customers", "contacts"),
        ),
        Purpose(
            key="b2b_marketing",
            name=_("Direct marketing to organizations"),
            description=_(
                "Telling business customers and their contact persons about our own "
                "products and services related to their work."
            ),
            basis=LegalBasis.LEGITIMATE_INTEREST,
            legitimate_interest=_(
                "Marketing our own products to organizations; every message offers a free "
                "and easy way to opt out, and an objection stops the marketing."
            ),
            requirement=_("Not required; you can object at any time."),
            data_subjects=("contacts",),
        ),
        Purpose(
            key="b2c_marketing",
            name=_("Electronic direct marketing to private persons"),
            description=_(
                "Newsletters and offers by email or text message to people who have "
                "consented to them."
            ),
            basis=LegalBasis.CONSENT,
            requirement=_("Voluntary; you can withdraw your consent at any time."),
            data_subjects=("customers",),
        ),
        Purpose(
            key="market_research",
            name=_("Customer surveys and market research"),
            description=_(
                "Asking customers' opinions about our products and services, only from "
                "those who have consented to it."
            ),
            basis=LegalBasis.CONSENT,
            requirement=_("Voluntary; you can withdraw your consent at any time."),
            data_subjects=("customers", "contacts"),
        ),
        Purpose(
            key="social_media",
            name=_("Social media data"),
            description=_(
                "Recording the social media profiles that customers have shared with us, "
                "with their consent."
            ),
            basis=LegalBasis.CONSENT,
            requirement=_("Voluntary; you can withdraw your consent at any time."),
            data_subjects=("customers", "contacts"),
        ),
        Purpose(
            key="consented_data",
            name=_("Other data collected with consent"),
            description=_(
                "Other data a customer has given us for a purpose they consented to; it is "
                "deleted when the consent is withdrawn."
            ),
            basis=LegalBasis.CONSENT,
            requirement=_("Voluntary; you can withdraw your consent at any time."),
        ),
        Purpose(
            key="web_service",
            name=_("The web service and its user accounts"),
            description=_(
                "Providing the self-service portal: user accounts, signing in, two-factor "
                "authentication and sessions."
            ),
            basis=LegalBasis.CONTRACT,
            requirement=_(
                "Required to use the web service; you can be our customer without using it."
            ),
            data_subjects=("users", "staff"),
        ),
        Purpose(
            key="security",
            name=_("Information security and accountability"),
            description=_(
                "Protecting the register against misuse: staff access rights, the audit log "
                "of who viewed, changed, imported or exported data, and backups."
            ),
            basis=LegalBasis.LEGITIMATE_INTEREST,
            legitimate_interest=_(
                "Keeping customers' data safe and being able to show who handled it, as "
                "the GDPR's accountability and security rules (Art 5(2) and 32) expect."
            ),
            requirement=_("Collected automatically when the service is used."),
            data_subjects=("users", "staff"),
        ),
        Purpose(
            key="privacy_rights",
            name=_("Handling data protection requests"),
            description=_(
                "Answering requests to see, correct, erase, restrict, move or object to the "
                "processing of personal data, and keeping proof of consents and requests."
            ),
            basis=LegalBasis.LEGAL_OBLIGATION,
            requirement=_("Needed to answer your request and to show that we did."),
            data_subjects=("customers", "contacts", "users"),
        ),
    ]
}

CATEGORIES: dict[str, Category] = {
    c.key: c
    for c in [
        Category(
            "identity",
            _("Name and customer type"),
            _(
                "Name of the person or company, whether a person or an organization, and the language of service."
            ),
        ),
        Category(
            "business_id",
            _("Business ID"),
            _(
                "The organization's business ID (Y-tunnus) and VAT number; a sole trader's "
                "business ID identifies the person."
            ),
        ),
        Category(
            "address", _("Address details"), _("Street address, postal code, city and country.")
        ),
        Category(
            "billing",
            _("Billing details"),
            _(
                "E-invoice address and operator, invoicing email, billing address and buyer reference."
            ),
        ),
        Category(
            "phone",
            _("Phone number"),
            _("Phone numbers for contacting the customer or contact person."),
        ),
        Category(
            "email",
            _("Email address"),
            _("Email addresses for contact, invoicing and signing in."),
        ),
        Category(
            "authorizations",
            _("Authorizations"),
            _(
                "Who may act for an organization, in which role, for how long, and on what evidence."
            ),
        ),
        Category(
            "purchases",
            _("Products and purchases"),
            _("Products bought, dates, amounts, invoice numbers and who made the purchase."),
        ),
        Category(
            "origin",
            _("Source and record history"),
            _(
                "Where and when we obtained each record (the sources below), and when it was "
                "created and last changed."
            ),
        ),
        Category(
            "social_media",
            _("Social media data"),
            _(
                "Social media profiles: platform, handle or address, when and where they were found."
            ),
        ),
        Category(
            "consented_data",
            _("Other data collected with consent"),
            _("Other data given for a purpose the customer consented to."),
        ),
        Category(
            "web_service",
            _("Web service data"),
            _(
                "User account, sign-ins and sessions, two-factor authentication devices, and a log of actions in the service."
            ),
        ),
        Category(
            "notes",
            _("Customer service notes"),
            _(
                "Notes our customer service writes about dealings with the customer; the customer can see them."
            ),
        ),
        Category(
            "privacy",
            _("Data protection records"),
            _("Restrictions of processing, consents and data protection requests."),
        ),
        Category(
            "staff",
            _("Staff access"),
            _("Staff accounts, their roles, the reasons for them and when they end."),
        ),
    ]
}

RETENTION: dict[str, Retention] = {
    r.key: r
    for r in [
        Retention(
            "relationship",
            _(
                "%(relationship_years)s years after the customer relationship ended (no purchase, valid authorization, sign-in or contact since then)"
            ),
        ),
        Retention(
            "vouchers",
            _(
                "%(voucher_years)s years from the end of the year in which the financial year ended (Accounting Act 2:10)"
            ),
        ),
        Retention(
            "books",
            _("%(book_years)s years from the end of the financial year (Accounting Act 2:10)"),
        ),
        Retention(
            "consent",
            _(
                "As long as the consent is in force; proof of the consent %(consent_evidence_years)s years after that"
            ),
        ),
        Retention("until_withdrawn", _("Until the consent is withdrawn")),
        Retention("requests", _("%(request_years)s years after the request was closed")),
        Retention(
            "audit",
            _("%(audit_years)s years; the network address in the log %(audit_address_days)s days"),
        ),
        Retention("audit_address", _("%(audit_address_days)s days")),
        Retention("account", _("As long as the user account exists")),
        Retention(
            "session",
            _("Until the session ends (at most %(session_hours)s hours) or the user signs out"),
        ),
        Retention(
            "staff_access",
            _(
                "As long as the staff member's role lasts; the account 3 years after the last role ended"
            ),
        ),
    ]
}

SOURCES: dict[str, Promise] = {
    # Seed section 6, one entry per `customers.models.DataSource` value, plus the system.
    "record": _("The source recorded with each record (see below)"),
    "data_subject": _("The person themselves"),
    "organization": _("The organization the person acts for"),
    "system": _("Created by the service when it is used"),
    "staff": _("Herocon staff"),
}


# -- Declarations --------------------------------------------------------------------------

# Holds keep data for the bookkeeping periods only (Art 17(3)(b)); anything else is erased.
HOLD_RETENTION = frozenset({"vouchers", "books"})


@dataclass(frozen=True)
class PersonalField:
    model: str
    name: str
    category: str
    purposes: tuple[str, ...]
    retention: str
    erasure: Erasure
    source: str = "record"

    @property
    def bases(self) -> tuple[LegalBasis, ...]:
        return tuple(sorted({PURPOSES[p].basis for p in self.purposes}))

    @property
    def is_personal(self) -> bool:
        return True


@dataclass(frozen=True)
class NotPersonal:
    model: str
    name: str
    reason: str

    @property
    def is_personal(self) -> bool:
        return False


Declaration = PersonalField | NotPersonal


@dataclass
class ModelDeclaration:
    model: str
    # How a record leads to the data subject's Customer: field paths, any of which may
    # name them ("" when the record is the Customer itself); empty when none does.
    subjects: tuple[str, ...]
    fields: dict[str, Declaration] = field(default_factory=dict)

    def subject_filter(self, customer: models.Model) -> models.Q | None:
        """Q for this model's records about `customer`, or None when none can be."""
        if not self.subjects:
            return None
        condition = models.Q()
        for path in self.subjects:
            condition |= models.Q(pk=customer.pk) if path == "" else models.Q(**{path: customer})
        return condition


REGISTRY: dict[str, ModelDeclaration] = {}


@dataclass(frozen=True)
class personal:
    category: str
    purposes: tuple[str, ...]
    retention: str
    erasure: Erasure
    source: str = "record"


@dataclass(frozen=True)
class not_personal:
    reason: str


def _personal_field(model: str, name: str, spec: personal) -> PersonalField:
    where = f"{model}.{name}"
    purposes = tuple(spec.purposes) if not isinstance(spec.purposes, str) else (spec.purposes,)
    if not purposes:
        raise ValueError(f"{where}: personal data needs at least one purpose (Art 5(1)(b))")
    unknown = [p for p in purposes if p not in PURPOSES]
    if unknown:
        raise ValueError(f"{where}: unknown purpose {unknown[0]!r}")
    if spec.category not in CATEGORIES:
        raise ValueError(f"{where}: unknown category {spec.category!r}")
    if spec.retention not in RETENTION:
        raise ValueError(f"{where}: unknown retention {spec.retention!r}")
    if spec.source not in SOURCES:
        raise ValueError(f"{where}: unknown source {spec.source!r}")
    try:
        erasure = Erasure(spec.erasure)
    except ValueError:
        raise ValueError(f"{where}: unknown erasure {spec.erasure!r}") from None
    if erasure == Erasure.HOLD and spec.retention not in HOLD_RETENTION:
        raise ValueError(f"{where}: a hold needs a bookkeeping retention, not {spec.retention!r}")
    return PersonalField(model, name, spec.category, purposes, spec.retention, erasure, spec.source)


def declare(
    model: str,
    *,
    subject: str | tuple[str, ...] | None = None,
    fields: dict[str, personal | not_personal],
) -> None:
    """Declare every field of `model` (e.g. "customers.customer"), once. `subject` is the
    field path (or paths) from a record to the Customer it is about."""
    model = model.lower()
    if model in REGISTRY:
        raise ValueError(f"{model} is declared twice")
    subjects = () if subject is None else (subject,) if isinstance(subject, str) else subject
    declaration = ModelDeclaration(model=model, subjects=tuple(subjects))
    for name, spec in fields.items():
        if isinstance(spec, personal):
            declaration.fields[name] = _personal_field(model, name, spec)
        elif isinstance(spec, not_personal) and spec.reason.strip():
            declaration.fields[name] = NotPersonal(model, name, spec.reason)
        else:
            raise ValueError(f"{model}.{name}: declare it personal(...) or not_personal(reason)")
    # Only a complete, valid declaration is registered: a failed one leaves no trace.
    REGISTRY[model] = declaration


_loaded = False


def _load() -> None:
    """Import every installed app's `personal_data` module, which calls `declare()`."""
    global _loaded
    if _loaded:
        return
    # privacy.personal_data declares the project's and the third-party models; other apps
    # may add their own personal_data module.
    try:
        autodiscover_modules("personal_data")
    except Exception:
        # A half-loaded registry would answer wrongly (and the retry would report
        # "declared twice" instead of the real error): start again next time.
        REGISTRY.clear()
        raise
    _loaded = True


def data_fields(model: type[models.Model]) -> list[models.Field]:
    """The fields that store something: concrete columns and many-to-many links (a user's
    groups say which staff role they hold)."""
    return [*model._meta.concrete_fields, *model._meta.many_to_many]


def declaration_for(model: type[models.Model] | str, name: str) -> Declaration | None:
    _load()
    label = model if isinstance(model, str) else model._meta.label_lower
    entry = REGISTRY.get(label.lower())
    return entry.fields.get(name) if entry else None


def undeclared_fields(model_classes: Iterable[type[models.Model]] | None = None) -> list[str]:
    """Every field of the installed models that has no declaration, as model.field."""
    _load()
    missing = []
    for model in model_classes if model_classes is not None else apps.get_models():
        entry = REGISTRY.get(model._meta.label_lower)
        for f in data_fields(model):
            if entry is None or f.name not in entry.fields:
                missing.append(f"{model._meta.label_lower}.{f.name}")
    return missing


def stale_declarations() -> list[str]:
    """Declarations that name a model or field that no longer exists."""
    _load()
    stale = []
    for label, entry in REGISTRY.items():
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            stale.append(label)
            continue
        names = {f.name for f in data_fields(model)}
        stale += [f"{label}.{name}" for name in entry.fields if name not in names]
    return stale


def personal_fields(model: type[models.Model] | str | None = None) -> list[PersonalField]:
    _load()
    entries: Iterable[ModelDeclaration] = REGISTRY.values()
    if model is not None:
        label = (model if isinstance(model, str) else model._meta.label_lower).lower()
        entries = [REGISTRY[label]] if label in REGISTRY else []
    return [d for e in entries for d in e.fields.values() if isinstance(d, PersonalField)]


@dataclass
class CategorySummary:
    category: Category
    purposes: list[Purpose]
    retention: list[Retention]
    erasure: set[Erasure]
    fields: list[PersonalField]


def categories_in_use() -> list[CategorySummary]:
    """The categories that some field belongs to, in notice order, with what applies."""
    summaries: dict[str, CategorySummary] = {}
    for decl in personal_fields():
        summary = summaries.setdefault(
            decl.category, CategorySummary(CATEGORIES[decl.category], [], [], set(), [])
        )
        for key in decl.purposes:
            if PURPOSES[key] not in summary.purposes:
                summary.purposes.append(PURPOSES[key])
        if RETENTION[decl.retention] not in summary.retention:
            summary.retention.append(RETENTION[decl.retention])
        summary.erasure.add(decl.erasure)
        summary.fields.append(decl)
    order = list(CATEGORIES)
    return sorted(summaries.values(), key=lambda s: order.index(s.category.key))


def purposes_in_use() -> list[Purpose]:
    used = {p for decl in personal_fields() for p in decl.purposes}
    return [purpose for key, purpose in PURPOSES.items() if key in used]


# -- Retention arithmetic --------------------------------------------------------------------


def financial_year_end(on: date) -> date:
    """The last day of the financial year that contains `on` (settings.FINANCIAL_YEAR_END)."""
    month, day = settings.FINANCIAL_YEAR_END
    end = date(on.year, month, day)
    return end if on <= end else date(on.year + 1, month, day)


def voucher_hold_until(on: date) -> date:
    """Vouchers (invoices) of a transaction on `on`: 6 years from the end of the calendar
    year in which its financial year ended. FY ending 2024-12-31 -> 2030-12-31."""
    years = settings.RETENTION["voucher_years"]
    return date(financial_year_end(on).year + years, 12, 31)


def books_hold_until(on: date) -> date:
    """Books: 10 years from the end of the financial year."""
    return add_years(financial_year_end(on), settings.RETENTION["book_years"])


def add_years(day: date, years: int) -> date:
    """Same month and day `years` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def relationship_retention_ends(last_activity: date) -> date:
    """Customer data is kept 3 years (configurable) after the relationship's last sign."""
    return add_years(last_activity, settings.RETENTION["relationship_years"])
