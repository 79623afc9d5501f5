from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from customers.csvio import CSVDecodeError, read_dataset
from customers.services import customers_import


class Command(BaseCommand):
    help = "Import customers from a CSV file: all rows or none; errors name row and column."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Validate only; change nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            dataset = read_dataset(path.read_bytes())
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from None
        except CSVDecodeError as exc:
            raise CommandError(f"{path}: {exc}") from None
        outcome = customers_import(dataset=dataset, actor=None, dry_run=options["dry_run"])
        if not outcome.ok:
            for line in outcome.errors:
                self.stderr.write(line)
            raise CommandError(
                f"Nothing imported: {len(outcome.errors)} error(s) in {outcome.total} row(s)."
            )
        verb = "Would import" if outcome.dry_run else "Imported"
        self.stdout.write(
            f"{verb} {outcome.total} row(s): {outcome.created} new, {outcome.updated} updated."
        )
