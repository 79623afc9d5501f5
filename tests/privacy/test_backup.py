"""`manage.py backup` and `restore`: a restore never resurrects an erased person.

Runs against the configured database: SQLite by default, PostgreSQL when DATABASE_URL
points there (then pg_dump/pg_restore do the work)."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from customers.models import Customer, User
from privacy.backups import sidecar_path
from privacy.journal import journal_entries
from privacy.models import ErasureReceipt
from privacy.services.erasure import customer_erase

# The restore replaces the whole database, so these tests commit for real.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def journal(settings, tmp_path):
    settings.ERASURE_JOURNAL_PATH = tmp_path / "erasure-journal.jsonl"
    return settings.ERASURE_JOURNAL_PATH


def _call(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_backup_erase_restore_keeps_the_person_erased(alice, charlie, tmp_path, mailoutbox):
    backup = tmp_path / "herocon.backup"
    alice_id, charlie_id = alice.public_id, charlie.public_id
    # An erasure before the backup: already in it, so not replayed.
    customer_erase(customer=charlie, actor=None)

    out = _call("backup", "--output", str(backup))

    assert backup.is_file()
    meta = json.loads(sidecar_path(backup).read_text())
    assert meta["engine"] == connection.vendor
    assert meta["journal_lines"] == 1
    assert "journal at line 1" in out

    customer_erase(customer=alice, actor=None)
    assert not Customer.objects.filter(public_id=alice_id).exists()
    mails = len(mailoutbox)

    out = _call("restore", str(backup))

    assert f"Replayed erasure of customer {alice_id}" in out
    assert str(charlie_id) not in out
    assert "1 erasure(s) replayed" in out
    assert not Customer.objects.filter(public_id=alice_id).exists()
    assert not Customer.objects.filter(name="Alice Aaltonen").exists()
    assert not User.objects.filter(email="alice@example.com").exists()
    assert not Customer.objects.filter(public_id=charlie_id).exists()
    # The replay stores a receipt again but mails nobody.
    assert ErasureReceipt.objects.filter(customer_public_id=alice_id).exists()
    assert len(mailoutbox) == mails
    # The replayed erasure has its own journal line, so a later backup counts it too.
    assert [e.customer for e in journal_entries()].count(str(alice_id)) == 2


def test_restoring_without_the_description_replays_the_whole_journal(alice, charlie, tmp_path):
    backup = tmp_path / "herocon.backup"
    _call("backup", "--output", str(backup))
    sidecar_path(backup).unlink()
    customer_erase(customer=alice, actor=None)

    out = _call("restore", str(backup))

    assert "whole erasure journal was replayed" in out
    assert not Customer.objects.filter(name="Alice Aaltonen").exists()
    assert Customer.objects.filter(name="Charlie Carlsson").exists()


def test_a_missing_backup_is_refused_in_one_line(alice, tmp_path):
    with pytest.raises(CommandError) as refused:
        _call("restore", str(tmp_path / "nope.backup"))

    assert "no such backup file" in str(refused.value)
    assert "\n" not in str(refused.value)
    assert Customer.objects.filter(name="Alice Aaltonen").exists()


def test_a_corrupt_backup_is_refused_and_the_database_is_untouched(alice, tmp_path):
    backup = tmp_path / "herocon.backup"
    _call("backup", "--output", str(backup))
    data = bytearray(backup.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 64] = b"\xff" * 64
    backup.write_bytes(bytes(data))
    customer_erase(customer=alice, actor=None)
    before = Customer.objects.count()

    with pytest.raises(CommandError) as refused:
        _call("restore", str(backup))

    assert "damaged" in str(refused.value)
    assert Customer.objects.count() == before


def test_a_file_that_is_no_backup_is_refused(alice, tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("hello")

    with pytest.raises(CommandError) as refused:
        _call("restore", str(junk))

    assert "not a backup" in str(refused.value)


def test_a_backup_into_a_directory_is_refused(alice, tmp_path):
    with pytest.raises(CommandError) as refused:
        _call("backup", "--output", str(tmp_path))

    assert "Backup failed" in str(refused.value)
