"""Writes of the privacy app, one module per subject; import from here. The audit log's
write path lives lower, in `privacy.audit`, and is re-exported for convenience."""

from privacy.audit import AuditProblem, audit_event_record, audit_log_verify
from privacy.services.access_reviews import access_review_record
from privacy.services.art14 import art14_notices_send
from privacy.services.breaches import (
    breach_close,
    breach_notify_authority,
    breach_record,
    breach_update,
)
from privacy.services.disclosures import (
    disclosure_record,
    recipient_notice_send,
    recipient_notice_skip,
    recipient_notices_create,
)
from privacy.services.notice import NOTICE_TEXT_FIELDS, notice_draft_create, notice_publish
from privacy.services.requests import (
    request_complete,
    request_create,
    request_extend,
    request_identity_verify,
    request_refuse,
    request_start,
)

__all__ = [
    "NOTICE_TEXT_FIELDS",
    "AuditProblem",
    "access_review_record",
    "art14_notices_send",
    "audit_event_record",
    "audit_log_verify",
    "breach_close",
    "breach_notify_authority",
    "breach_record",
    "breach_update",
    "disclosure_record",
    "notice_draft_create",
    "notice_publish",
    "recipient_notice_send",
    "recipient_notice_skip",
    "recipient_notices_create",
    "request_complete",
    "request_create",
    "request_extend",
    "request_identity_verify",
    "request_refuse",
    "request_start",
]
