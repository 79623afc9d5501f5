from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from privacy.bundle import bundle_write


class Command(BaseCommand):
    help = (
        "Write the DPO bundle: one zip of every register, the record of processing and "
        "manifest.json with each file's SHA-256 and row count."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--output", type=Path, required=True, help="The zip file to write.")
        parser.add_argument("--dialect", choices=["rfc4180", "excel-fi"], default="rfc4180")

    def handle(self, *args: Any, **options: Any) -> None:
        output: Path = options["output"]
        try:
            with open(output, "wb") as stream:
                files = bundle_write(out=stream, actor=None, dialect=options["dialect"])
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc.strerror}") from None
        for f in files:
            self.stdout.write(f"{f.name}: {f.rows} row(s), sha256 {f.sha256}")
        self.stdout.write(f"Wrote {len(files)} register(s) and manifest.json to {output}.")
