from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from privacy.backups import BackupError, backup_restore
from privacy.journal import JournalError


class Command(BaseCommand):
    help = (
        "Restore the database from a backup made by `manage.py backup`, replacing what it "
        "holds now, then erase again everyone erased after the backup was taken (from the "
        "erasure journal), so a restore never resurrects an erased person."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path, help="The backup file.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            meta, replayed = backup_restore(path)
        except (BackupError, JournalError, OSError) as exc:
            raise CommandError(f"Restore refused: {exc}") from None
        if meta is None:
            self.stdout.write(
                "No backup description (FILE.json) found: the whole erasure journal was replayed."
            )
        taken = meta["created_at"] if meta else "unknown time"
        self.stdout.write(f"Restored {path} (taken {taken}).")
        for item in replayed:
            self.stdout.write(
                f"Replayed erasure of customer {item.entry.customer} "
                f"(erased {item.entry.time}): {item.outcome}."
            )
        self.stdout.write(f"{len(replayed)} erasure(s) replayed from the journal.")
