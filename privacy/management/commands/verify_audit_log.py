from typing import Any

from django.core.management.base import BaseCommand, CommandError

from privacy.models import AuditEvent
from privacy.services import audit_log_verify


class Command(BaseCommand):
    help = "Check the audit log's hash chain; report the first edited, inserted or deleted event."

    def handle(self, *args: Any, **options: Any) -> None:
        problem = audit_log_verify()
        if problem is not None:
            raise CommandError(f"Audit log broken at event {problem.event_id}: {problem.reason}")
        self.stdout.write(f"Audit log intact: {AuditEvent.objects.count()} events verified.")
