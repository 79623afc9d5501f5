"""Writes of the consents app, one module per subject; import from here."""

# Each write is atomic, keyword-only and audited by field names; the ledger only ever gains
# events here (Art 7(1): the proof must hold), except through `consent_events_erase`, which
# the erasure service calls (Art 17).

from consents.services.audience import AUDIENCE_COLUMNS, audience_export, audience_rows
from consents.services.ledger import (
    EVENT_FIELDS,
    consent_events_erase,
    consent_give,
    consent_object,
    consent_state,
    consent_states,
    consent_withdraw,
    objection_in_force,
)
from consents.services.records import (
    STAFF_CHANNEL_METHODS,
    consent_record_by_staff,
    consent_text_publish,
    consented_datum_add,
    existing_customer_record,
    suppression_apply,
)
from consents.services.unsubscribing import (
    UNSUBSCRIBE_SALT,
    InvalidToken,
    UnsubscribeTarget,
    marketing_email_build,
    unsubscribe,
    unsubscribe_target,
    unsubscribe_token,
    unsubscribe_url,
)

__all__ = [
    "AUDIENCE_COLUMNS",
    "EVENT_FIELDS",
    "STAFF_CHANNEL_METHODS",
    "UNSUBSCRIBE_SALT",
    "InvalidToken",
    "UnsubscribeTarget",
    "audience_export",
    "audience_rows",
    "consent_events_erase",
    "consent_give",
    "consent_object",
    "consent_record_by_staff",
    "consent_state",
    "consent_states",
    "consent_text_publish",
    "consent_withdraw",
    "consented_datum_add",
    "existing_customer_record",
    "marketing_email_build",
    "objection_in_force",
    "suppression_apply",
    "unsubscribe",
    "unsubscribe_target",
    "unsubscribe_token",
    "unsubscribe_url",
]
