"""Declarations of every field of every installed model (see privacy/registry/).

Third-party models that hold personal data (allauth's email addresses, confirmations and
MFA authenticators, Django's sessions and admin log) are declared here too, so the notice,
the record of processing and erasure cover them.
"""

from privacy.registry import Erasure, declare, not_personal, personal

ROW_ID = not_personal("internal row number")
LINK = not_personal("link to a record declared elsewhere")
SYSTEM_TIME = not_personal("time the row was written, about the record not the person")

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


# -- customers ---------------------------------------------------------------------------

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

# -- privacy -------------------------------------------------------------------------------

declare(
    "privacy.recipient",
    fields={
        "id": ROW_ID,
        "name": not_personal("a company or authority"),
        "kind": not_personal("a company or authority"),
        "country": not_personal("a company or authority"),
        "contact": not_personal("a shared role address of the recipient, not a person's"),
        "created_at": SYSTEM_TIME,
    },
)

_AUDIT = personal("web_service", ("security",), "audit", Erasure.KEEP, "system")
declare(
    "privacy.auditevent",
    fields={
        "id": ROW_ID,
        "created_at": _AUDIT,
        # Actors and objects are named only by id, so erasure leaves nothing personal here.
        "actor_id": _AUDIT,
        "action": _AUDIT,
        "object_type": _AUDIT,
        "object_id": _AUDIT,
        "changed_fields": not_personal("field names only, never their values"),
        "row_count": not_personal("a count"),
        "client_ip": personal(
            "web_service", ("security",), "audit_address", Erasure.DELETE, "system"
        ),
        "prev_hash": not_personal("hash chain"),
        "hash": not_personal("hash chain"),
    },
)
declare(
    "privacy.auditchainhead",
    fields={
        "id": ROW_ID,
        "last_id": not_personal("hash chain"),
        "last_hash": not_personal("hash chain"),
    },
)

# -- Django and allauth ----------------------------------------------------------------------

declare(
    "admin.logentry",
    fields={
        "id": ROW_ID,
        "action_time": personal("web_service", ("security",), "audit", Erasure.DELETE, "system"),
        "user": LINK,
        "content_type": not_personal("a model name"),
        "object_id": personal("web_service", ("security",), "audit", Erasure.DELETE, "system"),
        # object_repr holds names (a customer's str()), so erasure removes the entries.
        "object_repr": personal("identity", ("security",), "audit", Erasure.DELETE, "system"),
        "action_flag": personal("web_service", ("security",), "audit", Erasure.DELETE, "system"),
        "change_message": personal("web_service", ("security",), "audit", Erasure.DELETE, "system"),
    },
)
declare(
    "auth.permission",
    fields={
        f: not_personal("permission definitions")
        for f in ("id", "name", "content_type", "codename")
    },
)
declare(
    "auth.group",
    fields={
        "id": ROW_ID,
        "name": not_personal("role name"),
        "permissions": not_personal("the role's permissions"),
    },
)
declare(
    "contenttypes.contenttype",
    fields={f: not_personal("model registry") for f in ("id", "app_label", "model")},
)
_SESSION = personal("web_service", ("web_service", "security"), "session", Erasure.DELETE, "system")
declare(
    "sessions.session",
    fields={"session_key": _SESSION, "session_data": _SESSION, "expire_date": _SESSION},
)
_EMAIL = personal("email", ("web_service",), "account", Erasure.DELETE, "data_subject")
_EMAIL_STATE = personal("web_service", ("web_service",), "account", Erasure.DELETE, "system")
declare(
    "account.emailaddress",
    subject="user__customer",
    fields={
        "id": ROW_ID,
        "user": LINK,
        "email": _EMAIL,
        # Set by the service: verified when the confirmation link is followed.
        "verified": _EMAIL_STATE,
        "primary": _EMAIL,
    },
)
_CONFIRM = personal("web_service", ("web_service",), "account", Erasure.DELETE, "system")
declare(
    "account.emailconfirmation",
    subject="email_address__user__customer",
    fields={
        "id": ROW_ID,
        "email_address": LINK,
        "created": _CONFIRM,
        "sent": _CONFIRM,
        "key": _CONFIRM,
    },
)
_USERSESSION = personal(
    "web_service", ("web_service", "security"), "session", Erasure.DELETE, "system"
)
declare(
    "usersessions.usersession",
    subject="user__customer",
    fields={
        "id": ROW_ID,
        "user": LINK,
        "created_at": _USERSESSION,
        "ip": _USERSESSION,
        "last_seen_at": _USERSESSION,
        "session_key": _USERSESSION,
        "user_agent": _USERSESSION,
        "data": _USERSESSION,
    },
)
_MFA = personal(
    "web_service", ("web_service", "security"), "account", Erasure.DELETE, "data_subject"
)
_MFA_USE = personal("web_service", ("web_service", "security"), "account", Erasure.DELETE, "system")
declare(
    "mfa.authenticator",
    subject="user__customer",
    fields={
        "id": ROW_ID,
        "user": LINK,
        "type": _MFA,
        "data": _MFA,
        "created_at": _MFA_USE,
        "last_used_at": _MFA_USE,
    },
)

# -- The privacy notice ----------------------------------------------------------------------

declare(
    "privacy.noticeversion",
    fields={
        name: not_personal("the privacy notice's own text and publication data")
        for name in (
            "id",
            "status",
            "number",
            "intro_fi",
            "intro_sv",
            "intro_en",
            "security_fi",
            "security_sv",
            "security_en",
            "changes_fi",
            "changes_sv",
            "changes_en",
            "created_at",
            "updated_at",
            "published_at",
            "published_by_id",
            "rendered",
            "sections",
            "changed_sections",
        )
    },
)

_REQUEST = personal("privacy", ("privacy_rights",), "requests", Erasure.KEEP, "data_subject")
_REQUEST_STAFF = personal("privacy", ("privacy_rights",), "requests", Erasure.KEEP, "staff")
declare(
    "privacy.datasubjectrequest",
    subject="customer",
    fields={
        "id": ROW_ID,
        "public_id": _REQUEST,
        "customer": LINK,
        "kind": _REQUEST,
        "status": _REQUEST_STAFF,
        "channel": _REQUEST,
        "received_on": _REQUEST,
        # The person's own words may name them; erasure clears them (the request stays).
        "details": personal(
            "privacy", ("privacy_rights",), "requests", Erasure.ANONYMISE, "data_subject"
        ),
        "data_concerned": _REQUEST,
        "identity_method": _REQUEST_STAFF,
        "identity_note": personal(
            "privacy", ("privacy_rights",), "requests", Erasure.ANONYMISE, "staff"
        ),
        "extension_reason": _REQUEST_STAFF,
        "person_told_of_extension_on": _REQUEST_STAFF,
        "closed_on": _REQUEST_STAFF,
        "outcome": _REQUEST_STAFF,
        "created_by_id": _REQUEST_STAFF,
        "created_at": _REQUEST,
        "updated_at": _REQUEST,
    },
)

# -- consents --------------------------------------------------------------------------------

declare(
    "consents.purpose",
    fields={
        name: not_personal("a consent purpose's definition")
        for name in (
            "id",
            "key",
            "name",
            "registry_purpose",
            "audience",
            "channel",
            "active",
            "created_at",
        )
    },
)
declare(
    "consents.consenttext",
    fields={
        name: not_personal("the consent text's own words and publication data")
        for name in (
            "id",
            "purpose",
            "version",
            "title_fi",
            "title_sv",
            "title_en",
            "text_fi",
            "text_sv",
            "text_en",
            "created_at",
            "published_at",
        )
    },
)
# Proof of consent (Art 7(1)): kept while the consent is in use and some years after;
# erasure deletes the events (consents.services.consent_events_erase) and keeps only a
# suppression hash for someone who objected.
_CONSENT = personal("privacy", ("privacy_rights",), "consent", Erasure.DELETE, "data_subject")
_CONSENT_SYSTEM = personal("privacy", ("privacy_rights",), "consent", Erasure.DELETE, "system")
_CONSENT_STAFF = personal("privacy", ("privacy_rights",), "consent", Erasure.DELETE, "staff")
declare(
    "consents.consentevent",
    subject="customer",
    fields={
        "id": ROW_ID,
        "customer": LINK,
        "purpose": _CONSENT,
        "text": _CONSENT,
        "kind": _CONSENT,
        "channel": _CONSENT,
        "method": _CONSENT_SYSTEM,
        "occurred_at": _CONSENT_SYSTEM,
        "actor_id": _CONSENT_SYSTEM,
        "client_ip": _CONSENT_SYSTEM,
        "note": _CONSENT_STAFF,
        "sale_date": _CONSENT_STAFF,
        "told_at_sale": _CONSENT_STAFF,
        "similar_products": _CONSENT_STAFF,
    },
)
# A keyed hash of an objector's email or Y-tunnus: it identifies nobody without the key
# and the address, and erasure keeps it so that the objection outlives the record (Art 21).
_SUPPRESSION = personal("privacy", ("privacy_rights",), "consent", Erasure.KEEP, "system")
declare(
    "consents.suppression",
    fields={"id": ROW_ID, "kind": _SUPPRESSION, "digest": _SUPPRESSION, "created_at": _SUPPRESSION},
)
_CONSENTED = personal(
    "consented_data", ("consented_data",), "until_withdrawn", Erasure.DELETE, "data_subject"
)
declare(
    "consents.consenteddatum",
    subject="customer",
    fields={
        "id": ROW_ID,
        "customer": LINK,
        "purpose": _CONSENTED,
        "name": _CONSENTED,
        "value": _CONSENTED,
        "source": _CONSENTED,
        "obtained_at": _CONSENTED,
    },
)

# -- The DPO's registers -------------------------------------------------------------------

_DISCLOSED = personal("privacy", ("privacy_rights",), "requests", Erasure.KEEP, "system")
declare(
    "privacy.disclosure",
    # Who received whose data: the person sees it (Art 15(1)(c)); erasure unlinks them and
    # the log of the disclosure itself stays.
    subject="customers",
    fields={
        "id": ROW_ID,
        "recipient": _DISCLOSED,
        "customers": LINK,
        "categories": _DISCLOSED,
        "basis": _DISCLOSED,
        "purpose": _DISCLOSED,
        "disclosed_at": _DISCLOSED,
        "disclosed_by_id": _DISCLOSED,
        "created_at": SYSTEM_TIME,
    },
)
_NOTICE = personal("privacy", ("privacy_rights",), "requests", Erasure.KEEP, "system")
declare(
    "privacy.recipientnotice",
    fields={
        "id": ROW_ID,
        "recipient": not_personal("a company or authority"),
        # A random identifier that names no one once the person is erased.
        "customer_public_id": _NOTICE,
        "request": LINK,
        "kind": _NOTICE,
        "categories": _NOTICE,
        "status": _NOTICE,
        "sent_at": _NOTICE,
        "reason": _NOTICE,
        "created_at": SYSTEM_TIME,
    },
)
_RECEIPT = personal("privacy", ("privacy_rights",), "requests", Erasure.KEEP, "system")
declare(
    "privacy.erasurereceipt",
    fields={
        "id": ROW_ID,
        "customer_public_id": _RECEIPT,
        "request": LINK,
        "erased": not_personal("category and field names, counts and dates only"),
        "kept": not_personal("category and field names, reasons and dates only"),
        "language": _RECEIPT,
        "mailed_at": _RECEIPT,
        "created_by_id": _RECEIPT,
        "created_at": SYSTEM_TIME,
    },
)
_INCIDENT = not_personal("describes an incident; written without naming people")
declare(
    "privacy.breach",
    fields={
        "id": ROW_ID,
        **dict.fromkeys(
            (
                "title",
                "aware_at",
                "nature",
                "data_categories",
                "approx_people",
                "approx_records",
                "consequences",
                "measures",
                "authority_notified_at",
                "not_notified_reason",
                "high_risk",
                "people_told_at",
                "closed_at",
                "created_at",
                "updated_at",
            ),
            _INCIDENT,
        ),
        "created_by_id": personal("staff", ("security",), "audit", Erasure.KEEP, "system"),
    },
)
_REVIEW = personal("staff", ("security",), "audit", Erasure.KEEP, "system")
declare(
    "privacy.accessreview",
    fields={
        "id": ROW_ID,
        "reviewed_at": _REVIEW,
        "reviewed_by_id": _REVIEW,
        "note": _REVIEW,
        "grants": _REVIEW,
    },
)
