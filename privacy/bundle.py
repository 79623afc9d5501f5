"""The DPO bundle: every register, the record of processing and a manifest with each
file's SHA-256 and row count, in one zip (for the authority, an audit, or an archive)."""

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from customers.models import User
from privacy.audit import audit_event_record
from privacy.exports import REGISTER_NAMES, register_export
from privacy.models import AuditEvent

MANIFEST = "manifest.json"


class _HashingWriter:
    """A text sink that encodes to UTF-8 into the zip entry and hashes the same bytes, so
    the manifest's hash is of exactly what was stored, without holding the file."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, text: str) -> int:
        data = text.encode("utf-8")
        self.raw.write(data)
        self.sha256.update(data)
        self.size += len(data)
        return len(text)


@dataclass(frozen=True)
class BundleFile:
    name: str
    rows: int
    sha256: str
    bytes: int


def bundle_write(
    *,
    out: IO[bytes],
    actor: User | None,
    dialect: str = "rfc4180",
    client_ip: str | None = None,
) -> list[BundleFile]:
    """Write the zip to `out` (a binary file; it need not be seekable) and audit it.
    Each register's export is audited too, with its row count, as any export is."""
    files: list[BundleFile] = []
    created_at = timezone.now()
    # One transaction: every register in the bundle is read from the same snapshot.
    with transaction.atomic(), zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in REGISTER_NAMES:
            filename = f"{'record_of_processing' if name == 'ropa' else name}.csv"
            with archive.open(filename, "w", force_zip64=True) as entry:
                sink = _HashingWriter(entry)
                rows = register_export(
                    name=name, out=sink, dialect=dialect, actor=actor, client_ip=client_ip
                )
            files.append(BundleFile(filename, rows, sink.sha256.hexdigest(), sink.size))
        manifest: dict[str, Any] = {
            "created_at": timezone.localtime(created_at).isoformat(timespec="seconds"),
            "controller": settings.CONTROLLER_NAME,
            "dialect": dialect,
            "encoding": "utf-8",
            "files": [
                {"name": f.name, "rows": f.rows, "sha256": f.sha256, "bytes": f.bytes}
                for f in files
            ],
        }
        archive.writestr(MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        audit_event_record(
            action=AuditEvent.Action.EXPORT,
            actor=actor,
            object_type="privacy.bundle",
            changed_fields=[f.name for f in files],
            row_count=sum(f.rows for f in files),
            client_ip=client_ip,
        )
    return files


def bundle_bytes(*, actor: User | None, client_ip: str | None = None) -> bytes:
    buffer = io.BytesIO()
    bundle_write(out=buffer, actor=actor, client_ip=client_ip)
    return buffer.getvalue()
