from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from privacy.backups import BackupError, backup_create, sidecar_path
from privacy.journal import JournalError


class Command(BaseCommand):
    help = (
        "Back up the database to FILE (SQLite: online backup API; PostgreSQL: pg_dump -Fc), "
        "with FILE.json recording the erasure journal position that `restore` replays from."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--output", required=True, type=Path, help="The backup file.")

    def handle(self, *args: Any, **options: Any) -> None:
        output: Path = options["output"]
        try:
            meta = backup_create(output)
        except (BackupError, JournalError, OSError) as exc:
            raise CommandError(f"Backup failed: {exc}") from None
        self.stdout.write(
            f"Backed up the {meta['engine']} database to {output} "
            f"(erasure journal at line {meta['journal_lines']}; {sidecar_path(output)})."
        )
