from typing import Any

from django.core.management.base import BaseCommand

from privacy.models import NoticeVersion
from privacy.services import notice_draft_create, notice_publish


class Command(BaseCommand):
    help = "Publish the first privacy notice version if none is published yet (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        current = NoticeVersion.objects.current()
        if current is not None:
            self.stdout.write(f"Privacy notice {current} is already published.")
            return
        version = notice_publish(draft=notice_draft_create(actor=None), actor=None)
        self.stdout.write(f"Published privacy notice {version}.")
