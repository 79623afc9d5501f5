"""Declarations of every field of the consent ledger's models, for the personal-data
registry (privacy/registry/), which imports each app's personal_data module."""

from privacy.registry import LINK, ROW_ID, SYSTEM_TIME, Erasure, declare, not_personal, personal

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
