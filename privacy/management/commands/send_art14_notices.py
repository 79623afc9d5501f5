from typing import Any

from django.core.management.base import BaseCommand, CommandError

from privacy.services import art14_notices_send


class Command(BaseCommand):
    help = (
        "Send the privacy notice link (GDPR Art 14) to people whose data came from another "
        "source than themselves and who have not had it yet. Run daily."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="List who would get it; send nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run: bool = options["dry_run"]
        report = art14_notices_send(dry_run=dry_run)
        verb = "Would send" if dry_run else "Sent"
        # Customers are named by public ID only: cron output ends up in mailboxes and logs.
        for customer in report.sent:
            self.stdout.write(f"{verb}: {customer.public_id} ({customer.language})")
        for customer in report.other_channel:
            self.stdout.write(
                f"Needs another channel (no email or restricted): {customer.public_id}"
            )
        for customer, reason in report.failed:
            self.stderr.write(f"Failed: {customer.public_id}: {reason}")
        self.stdout.write(
            f"{verb} {len(report.sent)} notice(s); {len(report.other_channel)} need another "
            f"channel; {len(report.failed)} failed."
        )
        if report.failed:
            raise CommandError(f"{len(report.failed)} notice(s) could not be sent.")
