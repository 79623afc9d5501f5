"""Writes of the privacy app, one module per subject; import from here."""

from privacy.services.audit import AuditProblem, audit_event_record, audit_log_verify
from privacy.services.disclosures import recipient_notices_create
from privacy.services.notice import NOTICE_TEXT_FIELDS, notice_draft_create, notice_publish
from privacy.services.requests import request_create

__all__ = [
    "NOTICE_TEXT_FIELDS",
    "AuditProblem",
    "audit_event_record",
    "audit_log_verify",
    "notice_draft_create",
    "notice_publish",
    "recipient_notices_create",
    "request_create",
]
