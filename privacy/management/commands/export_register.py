import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from privacy.exports import REGISTERS, register_export


class Command(BaseCommand):
    help = "Stream one register as CSV (UTF-8, comma; or --dialect excel-fi for Finnish Excel)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("name", choices=sorted(REGISTERS))
        parser.add_argument("--output", type=Path, help="File to write (default: standard output).")
        parser.add_argument("--dialect", choices=["rfc4180", "excel-fi"], default="rfc4180")

    def handle(self, *args: Any, **options: Any) -> None:
        output: Path | None = options["output"]
        try:
            stream = open(output, "w", encoding="utf-8", newline="") if output else sys.stdout
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc.strerror}") from None
        try:
            rows = register_export(
                name=options["name"], out=stream, dialect=options["dialect"], actor=None
            )
        finally:
            if output:
                stream.close()
        if output:
            self.stderr.write(f"Wrote {rows} row(s) to {output}.")
