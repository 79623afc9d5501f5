"""Declarations of every field of the register's models, for the personal-data registry
(privacy/registry/), which imports each app's personal_data module."""

from privacy.registry import LINK, ROW_ID, Erasure, declare, not_personal, personal

_CUSTOMER = ("customer_relationship", "business_contacts")
# Contact details also reach people who consented to surveys (market_research).
_CONTACT = (*_CUSTOMER, "b2b_marketing", "b2c_marketing", "market_research")


def _kept(category: str, purposes: tuple[str, ...] = _CUSTOMER, source: str = "record") -> personal:
    """Register data kept for the relationship's retention and deleted on erasure."""
    return personal(category, purposes, "relationship", Erasure.DELETE, source)


def _invoicing(category: str) -> personal:
    """Invoicing data: kept under the bookkeeping hold on erasure (Art 17(3)(b))."""
    return personal(category, ("invoicing", "bookkeeping"), "vouchers", Erasure.HOLD)


def _origin(
    purposes: tuple[str, ...],
    retention: str = "relationship",
    erasure: Erasure = Erasure.DELETE,
) -> dict[str, personal]:
    """A SourcedModel's source, obtained_at and row times: where and when the person's data
    was obtained and changed (Art 14(2)(f), 15(1)(g)), kept and erased with the record."""
    spec = personal("origin", (*purposes, "privacy_rights"), retention, erasure)
    return {"source": spec, "obtained_at": spec, "created_at": spec, "updated_at": spec}


declare(
    "customers.customer",
    subject="",
    fields={
        "id": ROW_ID,
        **_origin(_CUSTOMER),
        "kind": _kept("identity"),
        "name": _kept("identity", _CONTACT),
        "business_id": personal(
            "business_id",
            ("customer_relationship", "invoicing", "bookkeeping"),
            "vouchers",
            Erasure.HOLD,
        ),
        "email": _kept("email", _CONTACT),
        "phone": _kept("phone", _CONTACT),
        "street_address": _kept("address", (*_CUSTOMER, "invoicing")),
        "postal_code": _kept("address", (*_CUSTOMER, "invoicing")),
        "city": _kept("address", (*_CUSTOMER, "invoicing")),
        "country": _kept("address", (*_CUSTOMER, "invoicing")),
        "language": _kept("identity", _CONTACT),
        "restricted": personal(
            "privacy", ("privacy_rights",), "requests", Erasure.DELETE, "data_subject"
        ),
        "restricted_at": personal(
            "privacy", ("privacy_rights",), "requests", Erasure.DELETE, "system"
        ),
        "restriction_reason": personal(
            "privacy", ("privacy_rights",), "requests", Erasure.DELETE, "staff"
        ),
        "user": LINK,
        "public_id": _kept("web_service", ("web_service",), "system"),
        "notes": _kept("notes", _CUSTOMER, "staff"),
        "notice_sent_at": personal(
            "privacy", ("privacy_rights",), "relationship", Erasure.DELETE, "system"
        ),
        # What erasure leaves behind: the shell kept for the bookkeeping hold.
        "erased_at": personal(
            "privacy", ("privacy_rights", "bookkeeping"), "vouchers", Erasure.HOLD, "system"
        ),
        "held_until": personal(
            "privacy", ("privacy_rights", "bookkeeping"), "vouchers", Erasure.HOLD, "system"
        ),
    },
)

declare(
    "customers.billingprofile",
    subject="customer",
    fields={
        "id": ROW_ID,
        **_origin(("invoicing", "bookkeeping"), "vouchers", Erasure.HOLD),
        "customer": LINK,
        "e_invoice_address": _invoicing("billing"),
        "operator_id": _invoicing("billing"),
        "invoicing_email": _invoicing("billing"),
        "street_address": _invoicing("billing"),
        "postal_code": _invoicing("billing"),
        "city": _invoicing("billing"),
        "country": _invoicing("billing"),
        "buyer_reference": _invoicing("billing"),
        "held_until": personal("privacy", ("bookkeeping",), "vouchers", Erasure.HOLD, "system"),
    },
)

_AUTH = ("business_contacts",)
declare(
    "customers.authorization",
    subject="person",
    fields={
        "id": ROW_ID,
        **_origin(_AUTH),
        "person": LINK,
        "organization": LINK,
        "role": _kept("authorizations", _AUTH, "organization"),
        "valid_from": _kept("authorizations", _AUTH, "organization"),
        "valid_until": _kept("authorizations", _AUTH, "organization"),
        "granted_by": _kept("authorizations", _AUTH, "organization"),
        "evidence": _kept("authorizations", _AUTH, "organization"),
    },
)

declare(
    "customers.product",
    fields={
        "id": ROW_ID,
        "name": not_personal("product catalogue"),
        "code": not_personal("product catalogue"),
        "owner": not_personal("the product owner is a company (a recipient)"),
        "description": not_personal("product catalogue"),
        "active": not_personal("product catalogue"),
    },
)

_PURCHASE = personal(
    "purchases", ("customer_relationship", "invoicing", "bookkeeping"), "vouchers", Erasure.HOLD
)
declare(
    "customers.purchase",
    # A purchase is about its customer and, for an organization's purchase, the person
    # who made it.
    subject=("customer", "purchased_by"),
    fields={
        "id": ROW_ID,
        **_origin(("customer_relationship", "invoicing", "bookkeeping"), "vouchers", Erasure.HOLD),
        "customer": LINK,
        "product": _PURCHASE,
        "purchased_on": _PURCHASE,
        "amount": _PURCHASE,
        "invoice_number": _PURCHASE,
        "purchased_by": _PURCHASE,
        "held_until": personal("privacy", ("bookkeeping",), "vouchers", Erasure.HOLD, "system"),
    },
)

_SOME = personal("social_media", ("social_media",), "until_withdrawn", Erasure.DELETE)
declare(
    "customers.socialmediaprofile",
    subject="customer",
    fields={
        "id": ROW_ID,
        **_origin(("social_media",), "until_withdrawn"),
        "customer": LINK,
        "platform": _SOME,
        "handle": _SOME,
        "url": _SOME,
        "collected_at": _SOME,
        "collected_from": _SOME,
    },
)

_ACCOUNT = personal("web_service", ("web_service",), "account", Erasure.DELETE, "data_subject")
_ACCOUNT_SYSTEM = personal(
    "web_service", ("web_service", "security"), "account", Erasure.DELETE, "system"
)
_ACCOUNT_NAME = personal("identity", ("web_service",), "account", Erasure.DELETE, "data_subject")
_STAFF = personal("staff", ("security",), "staff_access", Erasure.DELETE, "staff")
declare(
    "customers.user",
    subject="customer",
    fields={
        "id": ROW_ID,
        "password": _ACCOUNT,
        "last_login": _ACCOUNT_SYSTEM,
        "is_superuser": _STAFF,
        "first_name": _ACCOUNT_NAME,
        "last_name": _ACCOUNT_NAME,
        "is_staff": _STAFF,
        "is_active": _ACCOUNT_SYSTEM,
        "date_joined": _ACCOUNT_SYSTEM,
        "email": personal("email", ("web_service",), "account", Erasure.DELETE, "data_subject"),
        # Many-to-many: which staff roles (groups) and extra permissions the user holds.
        "groups": _STAFF,
        "user_permissions": _STAFF,
        "notice_version_seen": _ACCOUNT_SYSTEM,
        "created_by": _STAFF,
    },
)

_GRANT = personal("staff", ("security",), "staff_access", Erasure.DELETE, "staff")
declare(
    "customers.staffrolegrant",
    fields={
        "id": ROW_ID,
        "user": LINK,
        "group": _GRANT,
        "reason": _GRANT,
        "valid_from": _GRANT,
        "valid_until": _GRANT,
        "granted_by": _GRANT,
        "approved_until": _GRANT,
        "approved_by": _GRANT,
        "approved_at": _GRANT,
        "created_at": _GRANT,
    },
)

# An ambiguous portal signup waiting for staff: about the account holder, kept and erased
# with the account.
_LINK_REVIEW = personal("web_service", ("web_service",), "account", Erasure.DELETE, "system")
declare(
    "customers.accountlinkreview",
    subject="user__customer",
    fields={
        "id": ROW_ID,
        "user": LINK,
        "email": personal("email", ("web_service",), "account", Erasure.DELETE, "data_subject"),
        "candidate_count": _LINK_REVIEW,
        "created_at": _LINK_REVIEW,
        "resolved_at": _LINK_REVIEW,
        "resolved_by": _LINK_REVIEW,
        "note": personal("web_service", ("web_service",), "account", Erasure.DELETE, "staff"),
    },
)
