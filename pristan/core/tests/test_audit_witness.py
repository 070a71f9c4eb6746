"""The audit chain's witness (pristan.core.audit_witness): written only after a commit, coalesced,
append-only in the key store and in its file, and read by `pristan audit verify` without crashing
on a file that is missing, unreadable or not a witness file."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connections, transaction

from pristan.core import audit_witness
from pristan.core.audit import audit_batch, audit_chain_pending, audit_record, audit_record_nowait
from pristan.core.audit_witness import witness_file_path
from pristan.core.models import AuditChainHead, AuditEntry, Office
from pristan.keystore.models import AuditWitness

pytestmark = pytest.mark.django_db(transaction=True)  # witnesses are written when a transaction commits


@pytest.fixture(autouse=True)
def _a_process_of_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """The coalescing is per process: each test starts as a process that has witnessed nothing."""
    monkeypatch.setattr(audit_witness, "_coalescer", audit_witness._Coalescer())


@pytest.fixture
def started(sofia: Office, settings) -> Office:
    """A trail with its first entry and its head (reads chain themselves only once a head exists)."""
    settings.PRISTAN_AUDIT_WITNESS_INTERVAL = 0
    with transaction.atomic():
        audit_record(actor=None, action=AuditEntry.Action.CREATE, obj=sofia, office=sofia)
    return sofia


def verify() -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("audit", "verify", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def witnessed() -> list[tuple[str, int, str]]:
    return list(AuditWitness.objects.order_by("id").values_list("kind", "sequence", "hash"))


def file_lines() -> list[list[str]]:
    path = witness_file_path()
    return [line.split()[1:] for line in path.read_text().splitlines()] if path.exists() else []


def head() -> tuple[int, str]:
    current = AuditChainHead.objects.get()
    return current.sequence, current.hash


def read(office: Office) -> None:
    with transaction.atomic():
        audit_record_nowait(actor=None, action=AuditEntry.Action.VIEW, obj=office, office=office)


def test_a_commit_is_witnessed_in_the_key_store_and_the_file(sofia, settings):
    settings.PRISTAN_AUDIT_WITNESS_INTERVAL = 0
    with transaction.atomic():
        entry = audit_record(actor=None, action=AuditEntry.Action.VIEW, obj=sofia, office=sofia)
    assert witnessed()[-1] == ("head", entry.sequence, entry.hash)
    assert file_lines()[-1] == ["head", str(entry.sequence), entry.hash]
    assert witness_file_path() == Path(settings.VAR_DIR) / "audit-witness.log"


def record_then_fail(office: Office) -> None:
    with transaction.atomic():
        audit_record(actor=None, action=AuditEntry.Action.VIEW, obj=office, office=office)
        audit_record_nowait(actor=None, action=AuditEntry.Action.VIEW, obj=office, office=office)
        raise RuntimeError("rolled back, its entries and their witness with it")


def test_a_rolled_back_transaction_leaves_no_witness(sofia, settings):
    settings.PRISTAN_AUDIT_WITNESS_INTERVAL = 0
    before, lines = witnessed(), file_lines()
    with pytest.raises(RuntimeError):
        record_then_fail(sofia)
    assert witnessed() == before
    assert file_lines() == lines
    assert verify()[0].startswith("Audit trail intact")


def test_reads_are_coalesced_and_batches_and_the_periodic_job_always_witness(sofia, settings):
    settings.PRISTAN_AUDIT_WITNESS_INTERVAL = 3600  # longer than the test: only the first commit is witnessed
    with transaction.atomic():
        audit_record(actor=None, action=AuditEntry.Action.CREATE, obj=sofia, office=sofia)
    for _ in range(5):
        read(sofia)
    assert AuditChainHead.objects.get().sequence == 6
    assert witnessed() == [("head", 1, AuditEntry.objects.get(sequence=1).hash)]
    audit_chain_pending()  # the worker's `audit-chain`: the head the reads left unwitnessed
    assert witnessed()[-1] == ("head", *head())
    count = len(witnessed())
    audit_chain_pending()  # nothing moved: no witness again
    assert len(witnessed()) == count

    with transaction.atomic(), audit_batch():  # an import
        for _ in range(3):
            audit_record(actor=None, action=AuditEntry.Action.CREATE, obj=sofia, office=sofia)
    assert witnessed()[-1] == ("head", *head())
    assert len(witnessed()) == count + 1
    assert len(file_lines()) == len(witnessed())


@pytest.mark.parametrize("statement", ["UPDATE keystore_auditwitness SET sequence = 0", "DELETE FROM keystore_auditwitness"])
def test_the_key_store_refuses_to_change_a_witness(started, settings, statement):
    settings.PRISTAN_AUDIT_WITNESS_INTERVAL = 0
    read(started)
    assert witnessed()
    with pytest.raises(DatabaseError, match="append-only"), connections["keys"].cursor() as cursor:
        cursor.execute(statement)


def test_the_key_store_refuses_to_truncate_the_witnesses(sofia):
    keys = connections["keys"]
    if keys.vendor != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    with pytest.raises(DatabaseError, match="append-only"), keys.cursor() as cursor:
        cursor.execute("TRUNCATE keystore_auditwitness")


def test_verify_names_the_newest_witness(started, settings):
    read(started)
    out, err = verify()
    sequence, _hash = head()
    assert f"Anchored: entry {sequence}, witnessed at " in out
    assert err == ""


def test_a_missing_witness_file_is_reported_not_a_crash(started, settings):
    read(started)
    witness_file_path().unlink()
    out, err = verify()
    assert out.startswith("Audit trail intact")  # the key store's witnesses still hold
    assert f"The witness file {witness_file_path()} does not exist" in err


def test_an_unreadable_witness_file_and_lines_that_are_not_witnesses_are_reported(started, settings, tmp_path):
    read(started)
    written = len(file_lines())
    with witness_file_path().open("a") as lines:
        lines.write("garbage\n2026-01-01T00:00:00+00:00 head twelve abc\n")
    out, err = verify()
    assert "2 lines of the witness file" in err
    assert f"(the first: line {written + 1})" in err
    settings.PRISTAN_AUDIT_WITNESS_FILE = str(tmp_path)  # a directory: cannot be read as a file
    out, err = verify()
    assert out.startswith("Audit trail intact")
    assert f"The witness file {tmp_path} cannot be read" in err


def test_a_fresh_installation_verifies_without_a_word(db):
    out, err = verify()
    assert out.startswith("Audit trail intact: 0 entries.")
    assert err == ""


def test_verify_warns_when_the_witnesses_are_no_longer_guarded_and_guard_puts_it_back(started):
    keys = connections["keys"]
    with keys.cursor() as cursor:
        for _name, _create, drop in audit_witness.GUARD.triggers(keys):
            cursor.execute(drop)
    assert "no longer refuses changes to the audit witnesses" in verify()[1]
    call_command("audit", "guard", stdout=StringIO())
    assert verify()[1] == ""
