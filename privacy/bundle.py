"""The DPO bundle: every register, the record of processing and a manifest with each
file's SHA-256 and row count, in one zip (for the authority, an audit, or an archive)."""

import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from customers.models import User
from privacy.audit import audit_event_record
from privacy.exports import REGISTER_NAMES, RegisterStream
from privacy.models import AuditEvent

MANIFEST = "manifest.json"


class _Pipe:
    """The zip's output: what zipfile writes is kept until the generator takes it. It has
    no seek() or tell(), so zipfile writes a streamable zip (data descriptors)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts = []
        return data


@dataclass(frozen=True)
class BundleFile:
    name: str
    rows: int
    sha256: str
    bytes: int


class Bundle:
    """The bundle as zip bytes in chunks (iterate it once), never the whole file in
    memory; `files` lists what went in afterwards. Each register's export is audited with
    its row count, as any export is, and the bundle once it is complete."""

    def __init__(
        self, *, actor: User | None, dialect: str = "rfc4180", client_ip: str | None = None
    ) -> None:
        self.actor = actor
        self.dialect = dialect
        self.client_ip = client_ip
        self.files: list[BundleFile] = []

    def __iter__(self) -> Iterator[bytes]:
        created_at = timezone.now()
        pipe = _Pipe()
        # One transaction: every register in the bundle is read from the same snapshot.
        with transaction.atomic():
            with zipfile.ZipFile(pipe, "w", zipfile.ZIP_DEFLATED) as archive:
                for name in REGISTER_NAMES:
                    yield from self._add(archive, pipe, name)
                archive.writestr(MANIFEST, self._manifest(created_at))
            yield pipe.take()
            audit_event_record(
                action=AuditEvent.Action.EXPORT,
                actor=self.actor,
                object_type="privacy.bundle",
                changed_fields=[f.name for f in self.files],
                row_count=sum(f.rows for f in self.files),
                client_ip=self.client_ip,
            )

    def _add(self, archive: zipfile.ZipFile, pipe: _Pipe, name: str) -> Iterator[bytes]:
        filename = f"{'record_of_processing' if name == 'ropa' else name}.csv"
        stream = RegisterStream(
            name=name, dialect=self.dialect, actor=self.actor, client_ip=self.client_ip
        )
        sha256 = hashlib.sha256()
        size = 0
        with archive.open(filename, "w", force_zip64=True) as entry:
            for chunk in stream:
                entry.write(chunk)
                sha256.update(chunk)
                size += len(chunk)
                if compressed := pipe.take():
                    yield compressed
        self.files.append(BundleFile(filename, stream.rows, sha256.hexdigest(), size))

    def _manifest(self, created_at: datetime) -> str:
        manifest: dict[str, Any] = {
            "created_at": timezone.localtime(created_at).isoformat(timespec="seconds"),
            "controller": settings.CONTROLLER_NAME,
            "dialect": self.dialect,
            "encoding": "utf-8",
            "files": [
                {"name": f.name, "rows": f.rows, "sha256": f.sha256, "bytes": f.bytes}
                for f in self.files
            ],
        }
        return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"


def bundle_write(
    *,
    out: IO[bytes],
    actor: User | None,
    dialect: str = "rfc4180",
    client_ip: str | None = None,
) -> list[BundleFile]:
    """Write the zip to `out` (a binary file; it need not be seekable) and audit it."""
    bundle = Bundle(actor=actor, dialect=dialect, client_ip=client_ip)
    for chunk in bundle:
        out.write(chunk)
    return bundle.files


def bundle_bytes(*, actor: User | None, client_ip: str | None = None) -> bytes:
    buffer = io.BytesIO()
    bundle_write(out=buffer, actor=actor, client_ip=client_ip)
    return buffer.getvalue()
