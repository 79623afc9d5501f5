from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from privacy.journal import JournalError
from privacy.services.erasure import retention_purge


class Command(BaseCommand):
    help = (
        "Apply the retention rules (DESIGN.md): end bookkeeping holds that have passed, erase "
        "customers whose relationship ended longer ago than the retention period, clear old "
        "client addresses from the audit log and delete old closed requests. Run daily."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Print what would be done; change nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = options["dry_run"]
        try:
            report = retention_purge(dry_run=dry_run)
        except JournalError as exc:
            raise CommandError(str(exc)) from None
        verb = "would be" if dry_run else "were"
        lines = [
            f"Holds ended: {report.held_purchases} purchase(s), {report.held_billing_profiles} "
            f"billing profile(s) and {report.shells} erased customer shell(s) {verb} deleted.",
            f"Relationships ended: {len(report.relationships_ended)} customer(s) {verb} erased"
            + (
                f" ({', '.join(report.relationships_ended)})."
                if report.relationships_ended
                else "."
            ),
            f"Restricted customers past retention left alone: {report.restricted_skipped}.",
            f"Audit log: client addresses of {report.addresses_cleared} event(s) {verb} cleared.",
            f"Closed requests past retention: {report.requests_deleted} {verb} deleted.",
        ]
        if report.journal_lines_restored:
            lines.append(
                f"Erasure journal: {report.journal_lines_restored} missing line(s) written again."
            )
        if dry_run:
            lines.insert(0, "Dry run: nothing was changed.")
        self.stdout.write("\n".join(lines))
