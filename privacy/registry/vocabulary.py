"""The registry's vocabulary: legal bases, purposes, categories, data subjects, sources, erasure."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


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

SOURCES: dict[str, Promise] = {
    # Seed section 6, one entry per `customers.models.DataSource` value, plus the system.
    "record": _("The source recorded with each record (see below)"),
    "data_subject": _("The person themselves"),
    "organization": _("The organization the person acts for"),
    "system": _("Created by the service when it is used"),
    "staff": _("Herocon staff"),
}
