"""Reads are recorded without waiting for the audit chain (the intake, pristan.core.audit): they are
chained in their own transaction when the chain's head is free, later otherwise, and `pristan audit
verify` proves as much of them before they are chained as after."""

import hashlib
import threading
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.db import DatabaseError, connection, connections, transaction
from django.test import RequestFactory
from django.utils import timezone

from pristan.cases.models import Case
from pristan.core import trail
from pristan.core.audit import (
    HASHED_FIELDS,
    _intake,
    audit_chain_pending,
    audit_record,
    audit_record_nowait,
    audit_values,
    canonical_payload,
    entry_hash,
)
from pristan.core.models import AuditChainHead, AuditEntry, Office
from pristan.core.tests.test_audit_chain import INTACT, broken, chain, guard_lifted, verify
from pristan.jobs.schedule import PERIODIC


def read(user: User, case: Case) -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9")
    request.user = user
    trail.record_read(request, case=case, section="summary")


def unchained(case: Case, actor: User) -> AuditEntry:
    """A read recorded while someone else held the chain's head: in the intake, not chained yet."""
    with transaction.atomic():
        entry = AuditEntry(**audit_values(actor=actor, action=AuditEntry.Action.VIEW, obj=case, case=case, fields=["notes"]))
        _intake(entry)
    entry.refresh_from_db()
    assert entry.sequence is None
    return entry


def head_sequence() -> int:
    return AuditChainHead.objects.get().sequence


# Reads are chained at once when the head is free


def test_a_read_is_chained_in_its_own_transaction_when_the_head_is_free(case, ana):
    start = head_sequence()
    read(ana, case)
    entry = AuditEntry.objects.get(sequence=start + 1)
    assert (entry.action, entry.case, entry.actor, entry.fields, entry.ip) == ("view", case, ana, ["summary"], "203.0.113.9")
    assert entry.hash == entry_hash({name: getattr(entry, name) for name in HASHED_FIELDS})
    assert not AuditEntry.objects.filter(sequence__isnull=True).exists()
    assert f"{INTACT} {start + 1} entries." in verify()


def test_nowait_runs_only_in_a_transaction():
    with pytest.raises(RuntimeError, match="inside a transaction"):
        audit_record_nowait(actor=None, action=AuditEntry.Action.VIEW, obj=Office(pk=1))


def test_an_unchained_read_is_seen_at_once_by_who_has_seen_the_record(case, ana):
    unchained(case, ana)
    (viewer,) = trail.viewers_of(case)
    assert (viewer.username, viewer.times) == ("ana", 1)


# Whoever takes the head next chains what waits, in order, before their own entries


def test_the_next_append_chains_waiting_reads_first(case, ana, sofia):
    start = head_sequence()
    waiting = [unchained(case, ana), unchained(case, ana)]
    with transaction.atomic():
        write = audit_record(actor=ana, action=AuditEntry.Action.UPDATE, obj=sofia, office=sofia, fields=["name"])
    assert [entry.pk for entry in chain()[start:]] == [waiting[0].pk, waiting[1].pk, write.pk]
    assert [entry.sequence for entry in chain()[start:]] == [start + 1, start + 2, start + 3]
    assert f"{INTACT} {start + 3} entries." in verify()


def test_the_next_read_chains_waiting_reads_first(case, ana):
    start = head_sequence()
    waiting = unchained(case, ana)
    read(ana, case)
    assert chain()[start].pk == waiting.pk
    assert [entry.sequence for entry in chain()[start:]] == [start + 1, start + 2]
    assert INTACT in verify()


def test_the_periodic_job_chains_waiting_reads(case, ana):
    assert [entry.job for entry in PERIODIC if entry.name == "audit-chain"] == ["pristan.core.tasks.audit_chain_run"]
    from pristan.core.tasks import audit_chain_run

    start = head_sequence()
    unchained(case, ana)
    unchained(case, ana)
    audit_chain_run.call()
    assert head_sequence() == start + 2
    assert not AuditEntry.objects.filter(sequence__isnull=True).exists()


def test_verify_chains_waiting_reads_before_it_walks(case, ana):
    start = head_sequence()
    waiting = unchained(case, ana)
    assert f"{INTACT} {start + 1} entries." in verify()
    waiting.refresh_from_db()
    assert waiting.sequence == start + 1


def test_chaining_reads_many_entries_a_few_queries_at_a_time(case, ana, django_assert_max_num_queries):
    for _ in range(12):
        unchained(case, ana)
    with django_assert_max_num_queries(6):  # lock, one read of the waiting entries, one executemany, the head
        assert audit_chain_pending() == 12
    assert INTACT in verify()


# What verify proves of a read before it is chained


def test_verify_reports_reads_not_chained_yet(case, ana):
    """A read recorded after verify chained the waiting ones is reported apart, checked by its own hash."""
    from pristan.core.management.commands.audit import verify_unchained

    unchained(case, ana)
    unchained(case, ana)
    assert verify_unchained() == 2


def test_a_read_altered_before_it_is_chained_is_found_and_never_chained(case, ana, sofia):
    target = unchained(case, ana)
    with guard_lifted():
        AuditEntry.objects.filter(pk=target.pk).update(fields=["experience"])
    assert f"Entry id {target.pk}, not chained yet, does not match its own hash" in broken()
    with transaction.atomic():  # the chain goes on without it
        audit_record(actor=None, action=AuditEntry.Action.UPDATE, obj=sofia, office=sofia)
    target.refresh_from_db()
    assert target.sequence is None
    assert f"Entry id {target.pk}, not chained yet" in broken()


def test_a_read_forged_without_the_key_is_found_and_never_chained(case, ana):
    """Inserting is allowed (that is how reads are recorded), but not without the key."""
    last = AuditEntry.objects.order_by("-id").first()
    assert last is not None
    forged = AuditEntry(
        id=last.pk + 1000, at=timezone.now(), actor=ana, action=AuditEntry.Action.VIEW, object_type="cases.case",
        object_id=str(case.pk), case=case, office=case.office, fields=["summary"], sequence=None, prev_hash="",
    )  # fmt: skip
    values = {name: getattr(forged, name) for name in HASHED_FIELDS} | {"sequence": forged.pk}
    forged.hash = hashlib.sha256(canonical_payload(values)).hexdigest()
    forged.save(force_insert=True)
    assert f"Entry id {forged.pk}, not chained yet, does not match its own hash" in broken()
    assert AuditEntry.objects.get(pk=forged.pk).sequence is None


def test_a_copy_of_a_read_under_another_id_is_found(case, ana):
    """Its own hash covers its id: a replayed read does not pass for a second one."""
    original = unchained(case, ana)
    copy = AuditEntry.objects.get(pk=original.pk)
    copy.pk = None
    copy.save(force_insert=True)  # every column as the original's, hash included, under a new id
    assert f"Entry id {copy.pk}, not chained yet, does not match its own hash" in broken()


def test_a_read_chained_with_its_own_hash_is_not_a_chained_entry(case, ana):
    """Chaining an entry by hand, without the key, breaks the chain."""
    target = unchained(case, ana)
    head = AuditChainHead.objects.get()
    AuditEntry.objects.filter(pk=target.pk).update(sequence=head.sequence + 1, prev_hash=head.hash)  # the guard allows it
    AuditChainHead.objects.update(sequence=head.sequence + 1, hash=target.hash)
    assert f"Entry {head.sequence + 1} (id {target.pk}) does not match its hash" in broken()


# And after it is chained, as any entry


@pytest.mark.parametrize("tampering", ["altered", "deleted", "inserted"])
def test_a_read_tampered_with_after_it_is_chained_is_found(case, ana, tampering):
    waiting = unchained(case, ana)
    read(ana, case)
    entries = chain()
    first, last = entries[-2], entries[-1].sequence
    assert first.pk == waiting.pk  # chained by the read after it, before the read's own entry
    assert last is not None
    with guard_lifted():
        if tampering == "altered":
            AuditEntry.objects.filter(pk=first.pk).update(fields=["experience"])
        elif tampering == "deleted":
            AuditEntry.objects.filter(pk=first.pk).delete()
        else:
            copy = AuditEntry.objects.get(pk=first.pk)
            copy.pk, copy.sequence = None, last + 1
            copy.save(force_insert=True)
    expected = {
        "altered": f"Entry {first.sequence} (id {first.pk}) does not match its hash",
        "deleted": f"Entry {first.sequence} is missing",
        "inserted": f"Entry {last + 1} (id ",
    }[tampering]
    assert expected in broken()


# The database lets through only the update that chains an entry


def test_the_database_refuses_to_change_an_unchained_read(case, ana):
    target = unchained(case, ana)
    for change in ({"fields": ["experience"]}, {"actor": None}, {"hash": "0" * 64}, {"sequence": 7, "detail": "x"}):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEntry.objects.filter(pk=target.pk).update(**change)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=target.pk).delete()
    assert INTACT in verify()


def test_the_database_refuses_to_unchain_or_rechain_an_entry(case, ana):
    read(ana, case)
    entry = chain()[-1]
    assert entry.sequence is not None
    for change in ({"sequence": None}, {"sequence": entry.sequence + 100}, {"hash": "0" * 64}):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEntry.objects.filter(pk=entry.pk).update(**change)
    assert INTACT in verify()


# Concurrency, on PostgreSQL: a read is never blocked by a write holding the chain


def while_a_write_holds_the_chain(actor: User, office: Office, meanwhile: Callable[[], None]) -> None:
    """Run `meanwhile` in a second connection (lock timeout one second, statement timeout five)
    while a write transaction in a first one has recorded its entry, taking the chain's head, and
    stays open until `meanwhile` is done: what waited for the head would time out."""
    holding, done = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            with transaction.atomic():
                audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=office, office=office, detail="long write")
                holding.set()
                assert done.wait(timeout=30), "the second connection did not finish while the write held the chain"
        except BaseException as error:  # reported by the main thread
            errors.append(error)
            holding.set()
        finally:
            connections.close_all()

    def second() -> None:
        try:
            assert holding.wait(timeout=30)
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '1s'")
                cursor.execute("SET statement_timeout = '5s'")
            meanwhile()
        except BaseException as error:
            errors.append(error)
        finally:
            done.set()
            connections.close_all()

    workers = [threading.Thread(target=writer), threading.Thread(target=second)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert not errors


@pytest.mark.django_db(transaction=True)
def test_a_read_is_not_blocked_by_a_write_transaction_holding_the_chain(case, ana, sofia):
    """The write records its entry (taking the head) and keeps its transaction open; meanwhile a read
    completes in another connection with a lock timeout of one second, which a read waiting for
    the head would exceed (the write releases it only after the read is done)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite admits one writer at a time: there a read waits for any write, whatever the chain does.")

    def reading() -> None:
        read(ana, case)
        entry = AuditEntry.objects.get(action=AuditEntry.Action.VIEW, case=case, actor=ana)
        assert entry.sequence is None  # recorded, and seen at once, not chained yet
        assert [viewer.username for viewer in trail.viewers_of(case)] == ["ana"]

    while_a_write_holds_the_chain(ana, sofia, reading)
    assert audit_chain_pending() == 1
    assert [entry.detail for entry in chain()][-2:] == ["long write", ""]
    assert INTACT in verify()


def reads_and_writes_at_once(
    actor: User, office: Office, read_once: Callable[[], None], *, threads: int, per_thread: int
) -> None:
    """Half the threads call `read_once`, the other half write entries, `per_thread` times each,
    all starting together, each on its own connection."""
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            barrier.wait()
            for _ in range(per_thread):
                if index % 2:
                    read_once()
                else:
                    with transaction.atomic():
                        audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=office, office=office)
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=work, args=(index,)) for index in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert not errors


@pytest.mark.django_db(transaction=True)
def test_concurrent_reads_and_writes_leave_one_unbroken_chain(case, ana, sofia):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite admits one writer at a time; its in-memory test database cannot host concurrent writers.")
    start = head_sequence()
    threads, per_thread = 4, 10
    reads_and_writes_at_once(ana, sofia, lambda: read(ana, case), threads=threads, per_thread=per_thread)
    audit_chain_pending()
    assert [entry.sequence for entry in chain()] == list(range(1, start + threads * per_thread + 1))
    assert f"{INTACT} {start + threads * per_thread} entries." in verify()
