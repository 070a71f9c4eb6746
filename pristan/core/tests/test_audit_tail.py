"""Someone who can write to the case database cuts the audit trail's tail: drops the append-only
triggers (as the tables' owner), deletes the newest entries and moves the chain head back onto the
last entry left, or deletes everything. The chain alone still verifies; its witnesses outside the
case database (the key store's table, the witness file) do not let it."""

from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.utils import timezone

from pristan.cases import services as case_services
from pristan.core.audit import append_only_guard_installed, install_append_only_guard
from pristan.core.models import AuditChainHead, AuditEntry

pytestmark = pytest.mark.django_db(transaction=True)  # witnesses are written when a transaction commits


def verify() -> str:
    out = StringIO()
    call_command("audit", "verify", stdout=out, stderr=StringIO())
    return out.getvalue()


def broken() -> str:
    with pytest.raises(CommandError) as failure:
        verify()
    assert failure.value.returncode == 1
    return str(failure.value)


@contextmanager
def guard_dropped() -> Iterator[None]:
    """What the owner of the tables can do: drop the audit table's triggers (put back afterwards, for
    the tests that follow)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER core_auditentry_no_update_delete ON core_auditentry")
        else:
            cursor.execute("DROP TRIGGER core_auditentry_no_update")
            cursor.execute("DROP TRIGGER core_auditentry_no_delete")
    try:
        yield
    finally:
        install_append_only_guard(connection)
    assert append_only_guard_installed(connection)


def cut_after(keep: int) -> None:
    """Delete every entry after `keep` and move the head back onto entry `keep` (or delete it)."""
    with guard_dropped(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE sequence > %s OR sequence IS NULL", [keep])
    if keep:
        last = AuditEntry.objects.get(sequence=keep)
        AuditChainHead.objects.update(sequence=keep, hash=last.hash)
    else:
        AuditChainHead.objects.all().delete()


@pytest.fixture
def witnessed_trail(active_case, ana, settings) -> list[AuditEntry]:
    settings.PRISTAN_AUDIT_WITNESS_INTERVAL = 0  # every commit witnessed: what is counted below does not depend on time
    case_services.note_add(actor=ana, case=active_case, text="Seen today")
    case_services.task_add(actor=ana, case=active_case, title="Call", due_on=timezone.localdate())
    assert "Audit trail intact" in verify()
    entries = list(AuditEntry.objects.order_by("sequence"))
    assert len(entries) >= 7
    return entries


@pytest.mark.parametrize("removed", [1, 3])
def test_the_newest_entries_removed_with_the_head_moved_back_are_found(witnessed_trail, removed):
    newest, keep = witnessed_trail[-1].sequence, witnessed_trail[-1 - removed].sequence
    cut_after(keep)
    message = broken()
    assert f"Entries after sequence {keep} were removed: the witness in the key store recorded sequence {newest} at " in message


def test_the_whole_trail_removed_is_found(witnessed_trail):
    cut_after(0)
    assert not AuditEntry.objects.exists()
    message = broken()
    assert "Every entry of the audit trail was removed: the witness in the key store recorded entry " in message


def test_the_witness_file_finds_it_when_the_key_store_was_emptied_too(witnessed_trail):
    """The attacker also holds the key store's database (and owns its table): the file still tells."""
    keys = connections["keys"]
    with keys.cursor() as cursor:
        if keys.vendor == "postgresql":
            cursor.execute("DROP TRIGGER keystore_auditwitness_no_update_delete ON keystore_auditwitness")
        else:
            cursor.execute("DROP TRIGGER keystore_auditwitness_no_delete")
        cursor.execute("DELETE FROM keystore_auditwitness")
    keep = witnessed_trail[-3].sequence
    cut_after(keep)
    message = broken()
    assert f"Entries after sequence {keep} were removed: the witness file " in message
    assert f"recorded sequence {witnessed_trail[-1].sequence} at " in message
