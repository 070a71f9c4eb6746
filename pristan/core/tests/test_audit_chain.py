"""The audit trail is a hash chain the database will not let anyone edit, and `pristan audit verify`
names the first entry that was altered, removed or inserted all the same."""

import hashlib
import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings
from django.utils import timezone

from pristan.cases import services as case_services
from pristan.core.audit import (
    FLUSH_SIZE,
    HASHED_FIELDS,
    AuditChainError,
    append_only_guard_installed,
    audit_batch,
    audit_record,
    audit_savepoint,
    canonical_payload,
    entry_hash,
    flush_audit_batch,
    hash_matches,
    install_append_only_guard,
    remove_append_only_guard,
)
from pristan.core.management.commands.audit import ChainBroken, _check_link, verify_chain
from pristan.core.models import AuditChainHead, AuditEntry, Office

INTACT = "Audit trail intact:"


def verify(*args: str) -> str:
    out = StringIO()
    call_command("audit", "verify", *args, stdout=out)
    return out.getvalue()


def broken(*args: str) -> str:
    with pytest.raises(CommandError) as failure:
        verify(*args)
    assert failure.value.returncode == 1
    return str(failure.value)


def alter_audit_table(sql: str) -> None:
    """PostgreSQL alters a table only once the deferred foreign-key checks of this transaction have run."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(sql)
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@contextmanager
def guard_lifted() -> Iterator[None]:
    """Do what only someone with direct write access to the database could: switch the triggers off."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            alter_audit_table("ALTER TABLE core_auditentry DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER core_auditentry_no_update")
            cursor.execute("DROP TRIGGER core_auditentry_no_delete")
    try:
        yield
    finally:
        if connection.vendor == "postgresql":
            alter_audit_table("ALTER TABLE core_auditentry ENABLE TRIGGER USER")
        else:
            install_append_only_guard(connection)
    assert append_only_guard_installed(connection)


def chain() -> list[AuditEntry]:
    return list(AuditEntry.objects.order_by("sequence"))


def append(office: Office, n: int = 1) -> list[AuditEntry]:
    entries = []
    for _ in range(n):
        with transaction.atomic():
            entries.append(audit_record(actor=None, action=AuditEntry.Action.VIEW, obj=office, office=office))
    return entries


def append_then_fail(office: Office) -> None:
    with transaction.atomic():
        append(office, 2)
        raise RuntimeError("rolled back, and its sequence numbers with it")


@pytest.fixture
def trail(active_case, ana) -> list[AuditEntry]:
    """A realistic trail: a registration, a case, consent, screening, a transition, a note and a task."""
    case_services.note_add(actor=ana, case=active_case, text="Seen today")
    case_services.task_add(actor=ana, case=active_case, title="Call", due_on=timezone.localdate())
    entries = chain()
    assert len(entries) >= 7
    return entries


# The chain


def test_a_journey_leaves_an_unbroken_chain(trail):
    assert [entry.sequence for entry in trail] == list(range(1, len(trail) + 1))
    assert trail[0].prev_hash == AuditEntry.GENESIS_HASH
    for before, entry in itertools.pairwise(trail):
        assert entry.prev_hash == before.hash
        assert entry.at >= before.at
    for entry in trail:
        values = {name: getattr(entry, name) for name in HASHED_FIELDS}
        assert entry.hash == entry_hash(values)
        assert len(entry.hash) == 64
    head = AuditChainHead.objects.get()
    assert (head.sequence, head.hash) == (trail[-1].sequence, trail[-1].hash)


def test_verify_reports_an_intact_trail(trail):
    out = verify()
    assert f"{INTACT} {len(trail)} entries." in out
    assert f"Last entry: {len(trail)}, hash {trail[-1].hash}." in out


def test_verify_reports_an_empty_trail(db):
    assert f"{INTACT} 0 entries." in verify()


def test_the_hash_is_keyed_with_the_secret_key(trail):
    values = {name: getattr(trail[0], name) for name in HASHED_FIELDS}
    assert trail[0].hash != hashlib.sha256(canonical_payload(values)).hexdigest()
    assert entry_hash(values, secret="another key") != trail[0].hash
    with override_settings(SECRET_KEY="a new key, without the old one"):
        assert "Entry 1 (id" in broken()
    with override_settings(
        SECRET_KEY="a rotated key", SECRET_KEY_FALLBACKS=["insecure-development-key-do-not-use-in-production"]
    ):
        assert hash_matches(values, trail[0].hash)
        assert INTACT in verify()


def test_the_hash_covers_a_canonical_serialisation(trail):
    payload = canonical_payload({name: getattr(trail[0], name) for name in HASHED_FIELDS})
    assert payload.startswith(b'{"action":"create","actor_id":')
    for name in HASHED_FIELDS:
        assert f'"{name}":'.encode() in payload
    assert b'"at":"' + trail[0].at.astimezone(UTC).isoformat(timespec="microseconds").encode() in payload


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("2001:DB8::0:1", "2001:db8::1"),
        ("::ffff:192.0.2.1", "::ffff:192.0.2.1"),
        ("", None),
        (None, None),
    ],
)
def test_an_entry_records_from_where(sofia, given, stored):
    with transaction.atomic():
        entry = audit_record(actor=None, action=AuditEntry.Action.SIGN_IN, obj=sofia, ip=given)
    entry.refresh_from_db()
    assert entry.ip == stored
    assert INTACT in verify()


def test_an_address_must_be_an_address(sofia):
    with pytest.raises(ValueError), transaction.atomic():
        audit_record(actor=None, action=AuditEntry.Action.SIGN_IN, obj=sofia, ip="not an address")


def test_the_time_is_taken_when_the_entry_is_written(sofia):
    before = timezone.now()
    (entry,) = append(sofia)
    entry.refresh_from_db()
    assert before <= entry.at <= timezone.now()


# One at a time


def test_appends_are_numbered_without_gaps(sofia, ana, case):
    start = AuditChainHead.objects.get().sequence
    for _ in range(3):  # two kinds of writers, interleaved, and a transaction that fails
        append(sofia, 5)
        case_services.note_add(actor=ana, case=case, text="Again")
        with pytest.raises(RuntimeError):
            append_then_fail(sofia)
    sequences = [entry.sequence for entry in chain()]
    assert sequences == list(range(1, start + 19))
    assert AuditChainHead.objects.get().sequence == start + 18
    assert INTACT in verify()


def test_one_transaction_can_record_several_entries(sofia):
    with transaction.atomic():
        first = audit_record(actor=None, action=AuditEntry.Action.EXPORT, obj=sofia)
        second = audit_record(actor=None, action=AuditEntry.Action.EXPORT, obj=sofia)
    assert first.sequence is not None
    assert (second.sequence, second.prev_hash) == (first.sequence + 1, first.hash)


def batch_then_fail(office: Office) -> None:
    with transaction.atomic(), audit_batch():
        audit_record(actor=None, action=AuditEntry.Action.VIEW, obj=office, office=office)
        flush_audit_batch()
        raise RuntimeError("rolled back with its entries")


def step_then_fail(office: Office) -> None:
    with audit_savepoint():
        audit_record(actor=None, action=AuditEntry.Action.VIEW, obj=office, office=office, detail="dropped")
        raise ValueError("a failed step")


def test_a_batch_is_chained_when_it_is_flushed_and_verifies(sofia, ana, case, django_assert_max_num_queries):
    start = AuditChainHead.objects.get().sequence
    with transaction.atomic(), audit_batch():
        for _ in range(3):
            case_services.note_add(actor=ana, case=case, text="In a batch")
        assert AuditChainHead.objects.get().sequence == start  # kept aside until the flush
        flush_audit_batch()
        assert AuditChainHead.objects.get().sequence == start + 3
        for _ in range(FLUSH_SIZE + 40):
            audit_record(actor=None, action=AuditEntry.Action.VIEW, obj=sofia, office=sofia)
        with django_assert_max_num_queries(20):  # a few per 500 entries (lock, inserts, head), never one per entry
            flush_audit_batch()
    entries = chain()
    assert [entry.sequence for entry in entries] == list(range(1, start + FLUSH_SIZE + 44))
    assert entries[-1].hash == AuditChainHead.objects.get().hash
    assert len({entry.at for entry in entries[start + 3 : start + 3 + FLUSH_SIZE]}) == 1  # the time they were chained
    assert INTACT in verify()


def test_a_batch_ends_with_its_block_and_goes_with_a_rollback(sofia):
    start = AuditChainHead.objects.get().sequence
    with transaction.atomic(), audit_batch():
        audit_record(actor=None, action=AuditEntry.Action.VIEW, obj=sofia, office=sofia)
    assert AuditChainHead.objects.get().sequence == start + 1
    with pytest.raises(RuntimeError):
        batch_then_fail(sofia)
    assert AuditChainHead.objects.get().sequence == start + 1
    assert INTACT in verify()


def test_a_savepoint_rolled_back_in_a_batch_drops_its_entries(sofia):
    start = AuditChainHead.objects.get().sequence
    with transaction.atomic(), audit_batch():
        audit_record(actor=None, action=AuditEntry.Action.VIEW, obj=sofia, office=sofia, detail="kept")
        with pytest.raises(ValueError, match="step"):
            step_then_fail(sofia)
        with audit_savepoint():
            audit_record(actor=None, action=AuditEntry.Action.VIEW, obj=sofia, office=sofia, detail="kept too")
    assert [entry.detail for entry in chain()[start:]] == ["kept", "kept too"]
    assert INTACT in verify()


def test_a_batch_runs_only_in_a_transaction():
    with pytest.raises(RuntimeError, match="inside the transaction"), audit_batch():
        pass


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_never_share_a_sequence(sofia):
    """Real concurrent transactions: PostgreSQL serialises them on the chain head's row lock."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite admits one writer at a time; its in-memory test database cannot host concurrent writers.")
    threads, per_thread = 4, 10
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            barrier.wait()
            for _ in range(per_thread):
                with transaction.atomic():
                    audit_record(actor=None, action=AuditEntry.Action.VIEW, obj=sofia, office=sofia)
                    AuditEntry.objects.count()  # keep the transaction open a little longer
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=writer) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert not errors
    entries = chain()
    assert [entry.sequence for entry in entries] == list(range(1, threads * per_thread + 1))
    assert len({entry.prev_hash for entry in entries}) == len(entries)
    assert f"{INTACT} {threads * per_thread} entries." in verify()


@pytest.mark.django_db(transaction=True)
def test_a_batch_in_progress_keeps_nobody_else_waiting(sofia):
    """A long import's transaction does not hold the chain's head until it ends: another transaction
    appends its entry meanwhile, and the batch is chained after it."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite admits one writer at a time; its in-memory test database cannot host concurrent writers.")
    AuditChainHead.objects.get_or_create(pk=1)
    recorded, appended = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def importer() -> None:
        try:
            with transaction.atomic(), audit_batch():
                for _ in range(3):
                    audit_record(actor=None, action=AuditEntry.Action.CREATE, obj=sofia, office=sofia, detail="import")
                recorded.set()
                assert appended.wait(timeout=20), "the other transaction waited for the batch"
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connections.close_all()

    def reader() -> None:
        try:
            assert recorded.wait(timeout=20)
            with transaction.atomic():
                connection.cursor().execute("SET LOCAL lock_timeout = '5s'")
                audit_record(actor=None, action=AuditEntry.Action.VIEW, obj=sofia, office=sofia, detail="read")
            appended.set()
        except BaseException as error:
            errors.append(error)
            appended.set()
        finally:
            connections.close_all()

    workers = [threading.Thread(target=importer), threading.Thread(target=reader)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert not errors
    assert [entry.detail for entry in chain()] == ["read", "import", "import", "import"]
    assert INTACT in verify()


# The database refuses changes


def test_the_database_refuses_to_change_an_entry(trail):
    entry = trail[2]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(fields=["nothing"])
    entry.detail = "rewritten"
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        entry.save()
    entry.refresh_from_db()
    assert entry.detail == ""
    assert INTACT in verify()


def test_the_database_refuses_to_delete_an_entry(trail):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        trail[3].delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.count() == len(trail)


def test_the_database_refuses_to_truncate_the_trail(trail):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no TRUNCATE; its DELETE trigger covers it.")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        alter_audit_table("TRUNCATE core_auditentry")
    assert AuditEntry.objects.count() == len(trail)


def test_verify_notices_when_the_guard_is_gone_and_guard_restores_it(trail):
    remove_append_only_guard(connection)
    assert not append_only_guard_installed(connection)
    assert "append-only triggers are missing" in broken()
    out = StringIO()
    call_command("audit", "guard", stdout=out)
    assert "append-only again" in out.getvalue()
    assert append_only_guard_installed(connection)
    assert INTACT in verify()


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_trail_and_keeps_the_guard(trail):
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEntry.objects.exists()
    assert not AuditChainHead.objects.exists()
    assert append_only_guard_installed(connection)
    with transaction.atomic():
        entry = audit_record(actor=None, action=AuditEntry.Action.VIEW, obj=trail[0])  # any saved object will do
    assert (entry.sequence, entry.prev_hash) == (1, AuditEntry.GENESIS_HASH)


# Tampering is found, and the first tampered entry is named


def test_an_altered_entry_is_found(trail):
    target = trail[3]
    with guard_lifted():
        AuditEntry.objects.filter(pk=target.pk).update(fields=["given_name", "family_name"])
    message = broken()
    assert f"Entry 4 (id {target.pk}) does not match its hash" in message


def test_an_altered_entry_with_a_recomputed_plain_hash_is_found(trail):
    target = trail[1]
    values = {name: getattr(target, name) for name in HASHED_FIELDS} | {"detail": "nothing happened"}
    with guard_lifted():
        AuditEntry.objects.filter(pk=target.pk).update(
            detail="nothing happened", hash=hashlib.sha256(canonical_payload(values)).hexdigest()
        )
    assert f"Entry 2 (id {target.pk}) does not match its hash" in broken()


def test_an_entry_rewritten_with_the_key_breaks_the_link_to_the_next(trail):
    """Even with the key, rewriting an entry changes its hash, which the next entry still points at."""
    target = trail[2]
    values = {name: getattr(target, name) for name in HASHED_FIELDS} | {"actor_id": None}
    with guard_lifted():
        AuditEntry.objects.filter(pk=target.pk).update(actor=None, hash=entry_hash(values))
    assert f"Entry 4 (id {trail[3].pk}) does not follow the entry before it" in broken()


def test_a_deleted_entry_is_found(trail):
    with guard_lifted():
        AuditEntry.objects.filter(pk=trail[4].pk).delete()
    assert f"Entry 5 is missing: entry 6 (id {trail[5].pk}) follows entry 4." in broken()


def test_a_deleted_first_entry_is_found(trail):
    with guard_lifted():
        AuditEntry.objects.filter(pk=trail[0].pk).delete()
    assert f"Entry 1 is missing: the trail starts at entry 2 (id {trail[1].pk})." in broken()


def test_entries_deleted_from_the_end_are_found(trail):
    with guard_lifted():
        AuditEntry.objects.filter(sequence__gte=len(trail) - 1).delete()
    assert f"The trail ends at entry {len(trail) - 2}, but the chain head records entry {len(trail)}" in broken()


def test_a_deleted_chain_head_is_found_and_stops_further_entries(trail, sofia):
    AuditChainHead.objects.all().delete()
    assert "The chain head is missing" in broken()
    with pytest.raises(AuditChainError), transaction.atomic():
        audit_record(actor=None, action=AuditEntry.Action.VIEW, obj=sofia)


def test_an_altered_chain_head_is_found(trail):
    AuditChainHead.objects.update(hash="f" * 64)
    assert f"The last entry, {len(trail)} (id {trail[-1].pk}), does not match the chain head" in broken()


def test_a_forged_entry_is_found(trail, sofia):
    """Inserting is allowed (that is how the trail grows), but not without the key."""
    last = trail[-1]
    forged = AuditEntry(
        sequence=last.sequence + 1, prev_hash=last.hash, at=timezone.now(), action=AuditEntry.Action.VIEW,
        object_type="core.office", object_id=str(sofia.pk), office=sofia,
    )  # fmt: skip
    forged.hash = hashlib.sha256(canonical_payload({name: getattr(forged, name) for name in HASHED_FIELDS})).hexdigest()
    forged.save(force_insert=True)
    AuditChainHead.objects.update(sequence=forged.sequence, hash=forged.hash)
    assert f"Entry {forged.sequence} (id {forged.pk}) does not match its hash" in broken()


def test_an_entry_inserted_behind_pristans_back_is_found_even_with_the_key(trail, sofia):
    last = trail[-1]
    forged = AuditEntry(
        sequence=last.sequence + 1, prev_hash=last.hash, at=timezone.now(), action=AuditEntry.Action.VIEW,
        object_type="core.office", object_id=str(sofia.pk), office=sofia,
    )  # fmt: skip
    forged.hash = entry_hash({name: getattr(forged, name) for name in HASHED_FIELDS})
    forged.save(force_insert=True)  # the head still records the last real entry
    assert f"Entry {forged.sequence} (id {forged.pk}) lies beyond the chain head" in broken()


def test_a_repeated_sequence_number_is_reported_as_inserted(trail):
    # The unique index makes this impossible without dropping it; the check stands behind it anyway.
    entry = {name: getattr(trail[1], name) for name in (*HASHED_FIELDS, "id", "hash")}
    with pytest.raises(ChainBroken, match=r"Entry 2 \(id \d+\) was inserted"):
        _check_link(entry, 2, trail[1].hash)


@pytest.mark.parametrize("batch_size", ["1", "2", "3", "5000"])
def test_batches_of_any_size_give_the_same_answer(trail, batch_size):
    assert f"{INTACT} {len(trail)} entries." in verify("--batch-size", batch_size)
    with guard_lifted():
        AuditEntry.objects.filter(pk=trail[5].pk).delete()
    assert "Entry 6 is missing" in broken("--batch-size", batch_size)


def test_verify_reads_in_batches(trail, django_assert_max_num_queries):
    with django_assert_max_num_queries(2 * (len(trail) // 2 + 1) + 4):
        count, last = verify_chain(batch_size=2)
    assert (count, last) == (len(trail), (trail[-1].sequence, trail[-1].hash))


def test_the_command_exits_with_status_one(trail, monkeypatch):
    from pristan.core.management.commands.audit import Command

    monkeypatch.setattr(connections, "close_all", lambda: None)  # keep the test's transaction open
    with guard_lifted():
        AuditEntry.objects.filter(pk=trail[2].pk).update(detail="changed")
    with pytest.raises(SystemExit) as exit_status:
        Command(stdout=StringIO(), stderr=StringIO()).run_from_argv(["pristan", "audit", "verify"])
    assert exit_status.value.code == 1


# Upgrading


@pytest.mark.django_db(transaction=True)
def test_upgrading_chains_the_entries_written_before(sofia, ana):
    before = [("core", "0003_roles_scopes_partners")]
    already = AuditEntry.objects.count()  # the test world's own entries
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps.get_model("core", "AuditEntry")
        for action in ("create", "update", "view"):
            old.objects.create(
                action=action, object_type="core.office", object_id=str(sofia.pk), office_id=sofia.pk, actor_id=ana.pk,
                fields=["name"],
            )  # fmt: skip
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert append_only_guard_installed(connection)
    assert [entry.sequence for entry in chain()] == list(range(1, already + 4))
    assert f"{INTACT} {already + 3} entries." in verify()
    append(sofia)
    assert f"{INTACT} {already + 4} entries." in verify()
