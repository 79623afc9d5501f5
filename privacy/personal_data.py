"""Declarations of every field of the privacy app's models and of the third-party models
that hold personal data (allauth's email addresses, confirmations and MFA authenticators,
Django's sessions and admin log), so the notice, the record of processing and erasure
cover them. The register's and the ledger's fields are declared in their own apps."""

from privacy.registry import LINK, ROW_ID, SYSTEM_TIME, Erasure, declare, not_personal, personal

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
