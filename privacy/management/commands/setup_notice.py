from typing import Any

from django.core.management.base import BaseCommand

from privacy.models import NoticeVersion
from privacy.services import notice_draft_create, notice_publish


class Command(BaseCommand):
    help = "Publish the first privacy notice from the seed texts if no version exists (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        current = NoticeVersion.objects.current()
        if current is not None:
            self.stdout.write(f"Privacy notice {current} is already published.")
            return
        if NoticeVersion.objects.exists():
            # The DPO has a draft in progress: publishing it is their decision.
            self.stdout.write("A draft exists; publish it in the admin when it is ready.")
            return
        version = notice_publish(draft=notice_draft_create(actor=None), actor=None)
        self.stdout.write(f"Published privacy notice {version}.")
