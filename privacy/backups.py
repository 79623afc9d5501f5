"""Backups and restores of the database that never resurrect an erased person.

`backup` writes the database to FILE (SQLite: the online backup API, consistent while the
app runs; PostgreSQL: `pg_dump -Fc`) and a sidecar FILE.json with the SHA-256 of FILE and
the erasure journal as it stood just before the dump began (its line count and the lines
themselves, which hold no personal data). `restore` puts FILE back and then erases again
everyone in the journal's later lines.

The journal position is taken *before* the dump: an erasure that commits during the dump is
then replayed although the dump may already hold it, which is harmless (erasing by public ID
is idempotent), whereas taking it after could skip an erasure the dump missed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection
from django.utils import timezone

from customers.models import Customer
from privacy.journal import JournalEntry, journal_entries, journal_path, journal_reconcile
from privacy.services.erasure import customer_erase

SIDECAR_FORMAT = "herocon-backup/1"
SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A one-line reason the backup or restore cannot be done."""


@dataclass
class Replayed:
    entry: JournalEntry
    outcome: str  # "erased", "already erased"


def _engine() -> str:
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"backups support SQLite and PostgreSQL, not {vendor}")
    return vendor


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _pg_env() -> tuple[list[str], dict[str, str]]:
    settings = connection.settings_dict
    args = []
    if settings.get("HOST"):
        args += ["--host", str(settings["HOST"])]
    if settings.get("PORT"):
        args += ["--port", str(settings["PORT"])]
    if settings.get("USER"):
        args += ["--username", str(settings["USER"])]
    env = {**os.environ}
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings["PASSWORD"])
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed")
    # A fixed program and arguments from our own settings, never shell-parsed.
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines() or ["no output"]
        raise BackupError(f"{command[0]} failed: {lines[-1]}")


def backup_create(output: Path) -> dict[str, Any]:
    """Write the database to `output` and its sidecar; returns the sidecar's contents."""
    engine = _engine()
    if output.is_dir():
        raise BackupError(f"{output} is a directory")
    output.parent.mkdir(parents=True, exist_ok=True)
    journal_reconcile()  # first make sure every erasure so far has its journal line
    entries = journal_entries()
    partial = output.with_name(output.name + ".partial")
    partial.unlink(missing_ok=True)
    if engine == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(partial)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
    else:
        args, env = _pg_env()
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                *args,
                "--file",
                str(partial),
                str(connection.settings_dict["NAME"]),
            ],
            env,
        )
    # Renamed only when complete: a crash never leaves a half-written FILE behind.
    partial.replace(output)
    meta = {
        "format": SIDECAR_FORMAT,
        "engine": engine,
        "created_at": timezone.now().isoformat(timespec="seconds"),
        "sha256": _sha256(output),
        "journal_lines": len(entries),
        "journal": [json.loads(e.as_json()) for e in entries],
    }
    sidecar_path(output).write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    return meta


def _check(path: Path, engine: str) -> dict[str, Any] | None:
    """Refuse a missing, foreign or damaged backup before touching the database."""
    if not path.is_file():
        raise BackupError(f"{path}: no such backup file")
    with path.open("rb") as handle:
        head = handle.read(16)
    kind = "sqlite" if head == SQLITE_MAGIC else "postgresql" if head[:5] == PGDUMP_MAGIC else None
    if kind is None:
        raise BackupError(f"{path}: not a backup made by `manage.py backup`")
    if kind != engine:
        raise BackupError(f"{path}: a {kind} backup cannot be restored into {engine}")
    meta: dict[str, Any] | None = None
    sidecar = sidecar_path(path)
    if sidecar.exists():
        try:
            meta = json.loads(sidecar.read_text(encoding="utf-8"))
            if meta.get("format") != SIDECAR_FORMAT:
                raise ValueError
            int(meta["journal_lines"])
        except (ValueError, KeyError, TypeError):
            raise BackupError(f"{sidecar}: damaged backup description") from None
        if meta.get("sha256") != _sha256(path):
            raise BackupError(f"{path}: damaged (its checksum differs from the one recorded)")
    if kind == "sqlite":
        try:
            source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                ok = source.execute("PRAGMA quick_check").fetchone()[0]
                source.execute("SELECT count(*) FROM django_migrations").fetchone()
            finally:
                source.close()
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{path}: damaged ({exc})") from None
        if ok != "ok":
            raise BackupError(f"{path}: damaged ({ok})")
    else:
        _args, env = _pg_env()
        _run(["pg_restore", "--list", str(path)], env)
    return meta


def backup_restore(path: Path) -> tuple[dict[str, Any] | None, list[Replayed]]:
    """Put the backup back, then erase again everyone erased after it was taken."""
    engine = _engine()
    meta = _check(path, engine)
    if engine == "sqlite":
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            connection.ensure_connection()
            source.backup(connection.connection)
        finally:
            source.close()
    else:
        args, env = _pg_env()
        # No open connection of ours may hold a lock on what --clean drops.
        connection.close()
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                *args,
                "--dbname",
                str(connection.settings_dict["NAME"]),
                str(path),
            ],
            env,
        )
    _recover_journal(meta)
    position = int(meta["journal_lines"]) if meta else 0
    return meta, journal_replay(journal_entries()[position:])


def _recover_journal(meta: dict[str, Any] | None) -> None:
    """If the live journal was lost (the disk that held it died with the database), start
    it again from the copy in the backup, so later backups count from the right place."""
    if not meta or journal_entries():
        return
    path = journal_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(e, sort_keys=True) for e in meta.get("journal", [])]
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def journal_replay(entries: list[JournalEntry]) -> list[Replayed]:
    """Erase again, without mailing, everyone these journal lines name."""

    replayed = []
    for entry in entries:
        customer = Customer.objects.filter(public_id=entry.customer).first()
        if customer is None or customer.erased_at is not None:
            # Gone or already a shell (an erased shell has a new public ID anyway).
            replayed.append(Replayed(entry, "already erased"))
            continue
        customer_erase(customer=customer, actor=None, notify_customer=False)
        replayed.append(Replayed(entry, "erased"))
    return replayed
