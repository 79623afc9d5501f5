from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, OutputWrapper

from privacy.exports import REGISTERS, RegisterStream


class _RawOutput:
    """The command's stdout (so call_command(stdout=...) captures it) without the newline
    OutputWrapper adds to every write: the BOM and CSV lines must pass through unchanged."""

    def __init__(self, wrapper: OutputWrapper) -> None:
        self.wrapper = wrapper

    def write(self, text: str) -> int:
        self.wrapper.write(text, ending="")
        return len(text)


class Command(BaseCommand):
    help = "Stream one register as CSV (UTF-8, comma; or --dialect excel-fi for Finnish Excel)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("name", choices=sorted(REGISTERS))
        parser.add_argument("--output", type=Path, help="File to write (default: standard output).")
        parser.add_argument("--dialect", choices=["rfc4180", "excel-fi"], default="rfc4180")

    def handle(self, *args: Any, **options: Any) -> None:
        output: Path | None = options["output"]
        if output is None:
            stdout = _RawOutput(self.stdout)
            for chunk in self._stream(options):
                stdout.write(chunk.decode("utf-8"))
            return
        try:
            with open(output, "wb") as file:
                stream = self._stream(options)
                for chunk in stream:
                    file.write(chunk)
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc.strerror}") from None
        self.stderr.write(f"Wrote {stream.rows} row(s) to {output}.")

    def _stream(self, options: dict[str, Any]) -> RegisterStream:
        return RegisterStream(name=options["name"], dialect=options["dialect"], actor=None)
