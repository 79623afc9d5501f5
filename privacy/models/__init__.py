"""The privacy app's models, one module per subject (DESIGN.md: split past ~500 lines)."""

from privacy.models.access import AccessReview
from privacy.models.audit import GENESIS_HASH, AuditChainHead, AuditEvent, AuditEventQuerySet
from privacy.models.base import LANGUAGE_CODES, AppendOnlyError
from privacy.models.breaches import NOTIFY_WITHIN, Breach
from privacy.models.notice import NoticeVersion, NoticeVersionQuerySet
from privacy.models.recipients import Disclosure, Recipient, RecipientNotice
from privacy.models.requests import DataSubjectRequest, ErasureReceipt, add_months

__all__ = [
    "GENESIS_HASH",
    "LANGUAGE_CODES",
    "NOTIFY_WITHIN",
    "AccessReview",
    "AppendOnlyError",
    "AuditChainHead",
    "AuditEvent",
    "AuditEventQuerySet",
    "Breach",
    "DataSubjectRequest",
    "Disclosure",
    "ErasureReceipt",
    "NoticeVersion",
    "NoticeVersionQuerySet",
    "Recipient",
    "RecipientNotice",
    "add_months",
]
