import gc
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from customers.csvio import CSVDecodeError, CSVRows
from customers.services import customers_import


class Command(BaseCommand):
    help = "Import customers from a CSV file: all rows or none; errors name row and column."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Validate only; change nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        # The file is streamed, a batch of rows at a time: memory stays flat however long
        # it is, and a problem found further down still rolls back every row.
        # The import makes many short-lived objects: while it runs, the objects that exist
        # before it are frozen, so the collector's full passes do not scan them again.
        gc.freeze()
        try:
            with path.open("rb") as stream:
                outcome = customers_import(
                    dataset=CSVRows.from_stream(stream),
                    actor=None,
                    dry_run=options["dry_run"],
                    keep_rows=False,
                )
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from None
        except CSVDecodeError as exc:
            raise CommandError(f"{path}: {exc}") from None
        finally:
            gc.unfreeze()
        if not outcome.ok:
            for line in outcome.errors:
                self.stderr.write(line)
            raise CommandError(
                f"Nothing imported: {outcome.error_count} error(s) in {outcome.total} row(s)."
            )
        verb = "Would import" if outcome.dry_run else "Imported"
        self.stdout.write(
            f"{verb} {outcome.total} row(s): {outcome.created} new, {outcome.updated} updated."
        )
