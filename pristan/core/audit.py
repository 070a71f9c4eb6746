"""Writing the audit trail. Every service that changes a record calls `audit_record` inside
its own transaction, so the change and its entry are committed together or not at all.

The trail is tamper-evident:

* **A hash chain.** Each entry has a gapless `sequence`, the `prev_hash` of the entry before it
  and its own `hash`: an HMAC-SHA256 over a canonical JSON serialisation of its content and
  `prev_hash`. `pristan audit verify` recomputes the chain and names the first entry that was
  altered, removed or inserted, and compares the chain head with the last entry so that entries
  removed from the end are noticed too.
* **A key outside the database.** The HMAC key is derived from SECRET_KEY (with
  `salted_hmac`, a salt of its own), so someone who can write to the database but does not know
  the secret key cannot compute the hash of a forged or altered entry. Keep the secret key out of
  the database and out of its backups (PRISTAN_SECRET_KEY or PRISTAN_SECRET_KEY_FILE). When the
  key is rotated, keep the old one in PRISTAN_SECRET_KEY_FALLBACKS for as long as its entries must verify.
* **One writer at a time.** Appends lock the one-row `AuditChainHead` (`SELECT … FOR UPDATE` on
  PostgreSQL; SQLite's IMMEDIATE transactions already admit one writer at a time) until the
  transaction commits, so two transactions never take the same sequence number or predecessor.
* **Append-only in the database.** Triggers refuse UPDATE and DELETE on the audit table (and
  TRUNCATE on PostgreSQL, where PUBLIC's UPDATE, DELETE and TRUNCATE are also revoked), with one
  exception: an entry of the intake (below) may be given its place in the chain once (`sequence`
  from NULL to a number, `prev_hash` and `hash`), its content unchanged. A database role that owns
  the table can still drop the triggers, which is why the chain exists; run Pristan as a role that
  does not own its tables for the strongest guarantee.

* **Batches.** A long write such as an import runs in `audit_batch()`: its entries are kept aside
  (in a temporary file) until the batch ends, then chained and inserted 500 at a time, still
  inside the same transaction as the changes they record, and carry the time they were chained.
  The head is locked only then, so others' entries do not wait for the whole import.

* **Reads never wait for the chain (the intake).** Every case page records a read, so a lock on
  the one head row taken by every read would serialise every read of the installation, and make
  all of them wait behind any write transaction that holds the head until it commits (measured in
  bench/audit_lock.py). Reads and refusals therefore go through `audit_record_nowait`: the entry is
  inserted at once into the same table, unchained (`sequence` NULL, `prev_hash` empty), with its
  own HMAC (`intake_hash`: another salt, over the same content with its row id in the place of the
  sequence, so a copy of it under another id does not match). Then, in the same transaction, the
  head is taken only if it is free (`FOR UPDATE SKIP LOCKED`) and the unchained entries are
  chained. Unchained entries are also chained, oldest id first, by every append (after it locks
  the head, before its own entries), by the worker's periodic job `audit-chain`, and by
  `pristan audit verify` before it walks the chain. An entry whose own HMAC does not match is
  never chained: it stays unchained and `verify` reports it. Whatever reads the trail (History,
  "who has seen this record", the trail page, backups) reads the one table, so it sees a read as
  soon as the read's transaction commits; unchained entries are the newest and have no sequence
  yet (order them first when listing newest first by sequence).

  What `verify` proves: every chained entry is unaltered, in order, and none was removed or
  inserted (as above). An entry not yet chained is unaltered and was written with the key (its own
  HMAC), and is not a copy of another. What it cannot prove of an entry not yet chained is that
  none was *removed* before it was chained: a gapless intake number would need the very global
  lock the intake avoids (ids come from a sequence, which leaves holes when a transaction rolls
  back). There is no such window for a read that finds the head free: it chains itself before it
  commits. A read recorded while another transaction holds the head waits until the head is next
  taken after that: by an append, a read that finds it free, or the periodic run (due every
  minute, run by the next free worker). On SQLite, which admits one writer at a time anyway, the
  head is always free and reads are chained in their own transaction.

* **A witness outside the database** (pristan.core.audit_witness). On its own the chain cannot
  prove that the *newest* entries were not removed together with the head, or everything deleted.
  So after a transaction that moved the head commits, the head (sequence, hash, time) is also
  written to an append-only table of the key store's database and to an append-only file (and the
  system log, if configured), at most once a second per process, always at the end of a batch and
  by the periodic `audit-chain` job; `verify` requires every witnessed entry, with its hash, and a
  head at or beyond the newest witness.

What all this cannot prove: that the entries committed after the newest witness (at most the last
second of a busy process, or the last minute of one that fell silent, until `audit-chain` runs) were
not removed together with the head. Nor does it hold against someone who can write to the case
database, the key store's database and the witness file (and the system log, when used) at once:
without the secret key they can still cut the newest entries off and every witness of them; with
the secret key as well, rewrite the whole trail and its witnesses. Keep the witness file where the
databases' users cannot write, or ship the lines (syslog) to another machine, so that holding every
part at once is hard.
"""

import hmac
import ipaddress
import json
import marshal
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import FieldDoesNotExist
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.fields.reverse_related import ForeignObjectRel
from django.db.models.options import Options
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.ipv6 import clean_ipv6_address

from pristan.core import audit_partitions
from pristan.core.append_only import AppendOnlyGuard
from pristan.core.audit_witness import witness_after_commit
from pristan.core.bulk import Table, WriteBehind
from pristan.core.models import AuditChainHead, AuditEntry, Office
from pristan.core.policy import Section

HASH_KEY_SALT = "pristan.core.audit.chain.v1"
INTAKE_KEY_SALT = "pristan.core.audit.intake.v1"  # the own HMAC of an entry not yet chained
HASHED_FIELDS = (
    "sequence", "at", "actor_id", "action", "object_type", "object_id", "case_id", "office_id", "fields", "detail", "ip",
    "prev_hash",
)  # fmt: skip
APPEND_ONLY_MESSAGE = "audit entries are append-only"
FLUSH_SIZE = 500  # entries chained and inserted together
SPOOL_CHUNK = 5000  # entries of an `audit_batch` read back, chained and inserted together
TABLE = AuditEntry._meta.db_table

# What an entry records; chaining an entry of the intake must leave all of it as it was.
CONTENT_COLUMNS = ("id", "at", "actor_id", "action", "object_type", "object_id", "case_id", "office_id", "fields", "detail", "ip")
# The one UPDATE the guard lets through: an unchained entry given its place in the chain.
SQLITE_CHAINING = " AND ".join(
    ["OLD.sequence IS NULL", "NEW.sequence IS NOT NULL", *(f"NEW.{column} IS OLD.{column}" for column in CONTENT_COLUMNS)]
)
POSTGRESQL_CHAINING = (
    "TG_OP = 'UPDATE' AND OLD.sequence IS NULL AND NEW.sequence IS NOT NULL AND "
    f"({', '.join(f'NEW.{column}' for column in CONTENT_COLUMNS)}) IS NOT DISTINCT FROM "
    f"({', '.join(f'OLD.{column}' for column in CONTENT_COLUMNS)})"
)

# The append-only guard: the one UPDATE it lets through is an entry of the intake given its place.
GUARD = AppendOnlyGuard(
    table=TABLE,
    message=APPEND_ONLY_MESSAGE,
    sqlite_update_allowed=SQLITE_CHAINING,
    postgresql_update_allowed=POSTGRESQL_CHAINING,
)


class AuditChainError(RuntimeError):
    """The chain cannot be continued: its head is missing although entries exist."""


SPOOLED_FIELDS = ("actor_id", "action", "object_type", "object_id", "case_id", "office_id", "fields", "detail", "ip")


class _Spool:
    """The entries of a batch, kept in a temporary file until they are chained: one marshalled
    tuple of SPOOLED_FIELDS each, holding what the entry holds (ids, actions, field names, never a value)."""

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 -- closed when the batch ends
        self.count = 0

    def add(self, values: Mapping[str, Any]) -> None:
        data = marshal.dumps(tuple([values[name] for name in SPOOLED_FIELDS]))
        self.file.write(len(data).to_bytes(4, "little") + data)
        self.count += 1

    def mark(self) -> tuple[int, int]:
        return self.file.tell(), self.count

    def back_to(self, mark: tuple[int, int]) -> None:
        self.file.seek(mark[0])
        self.file.truncate()
        self.count = mark[1]

    def drain(self, size: int) -> Iterator[list[dict[str, Any]]]:
        self.file.seek(0)
        chunk: list[dict[str, Any]] = []
        for _ in range(self.count):
            data = self.file.read(int.from_bytes(self.file.read(4), "little"))
            values = marshal.loads(data)  # noqa: S302 # nosec B302 - this process's own temporary file
            chunk.append(dict(zip(SPOOLED_FIELDS, values, strict=True)))
            if len(chunk) == size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk
        self.back_to((0, 0))


_spool: ContextVar[_Spool | None] = ContextVar("pristan_audit_batch", default=None)


def audit_record(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    obj: models.Model,
    case: Any = None,
    office: Office | None = None,
    fields: Iterable[str] = (),
    detail: str = "",
    ip: str | None = None,
) -> AuditEntry:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the change it records.")
    values = audit_values(actor=actor, action=action, obj=obj, case=case, office=office, fields=fields, detail=detail, ip=ip)
    entry = AuditEntry(**values)
    spool = _spool.get()
    if spool is not None:
        spool.add(values)
    else:
        _append([entry])
    return entry


def audit_record_nowait(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    obj: models.Model,
    case: Any = None,
    office: Office | None = None,
    fields: Iterable[str] = (),
    detail: str = "",
    ip: str | None = None,
) -> AuditEntry:
    """Record an entry without waiting for the chain's head: for reads and refusals, which happen on
    every page and write nothing else. The entry is inserted unchained, with its own HMAC, and is
    chained in this transaction if the head is free, else by whoever takes the head next (see the
    module's docstring). Like `audit_record`, it runs inside a transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record_nowait must run inside a transaction.")
    entry = AuditEntry(
        **audit_values(actor=actor, action=action, obj=obj, case=case, office=office, fields=fields, detail=detail, ip=ip)
    )
    _intake(entry)
    head = AuditChainHead.objects.select_for_update(skip_locked=True).filter(pk=1).first()
    if head is not None:  # free (or already ours); when it is missing, `verify` says so and the next append stops
        chained = _chain_unchained(head)
        if chained:
            head.save(update_fields=["sequence", "hash"])
            witness_after_commit(head.sequence, head.hash)
        entry.sequence, entry.prev_hash, entry.hash = chained.get(entry.pk, (entry.sequence, entry.prev_hash, entry.hash))
    return entry


def audit_record_many_nowait(entries: list[dict[str, Any]]) -> list[AuditEntry]:
    """`audit_record_nowait` for several entries (made by `audit_values`/`audit_values_for`) at
    once: their ids taken in one query, inserted in one, chained as one read is. For the pages that
    list cases, whose cases are recorded together, in the same few queries however many."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record_many_nowait must run inside a transaction.")
    if not entries:
        return []
    connection = connections[DEFAULT_DB_ALIAS]
    at = timezone.now()
    made = []
    for entry_id, values in zip(_next_ids(connection, len(entries)), entries, strict=True):
        entry = AuditEntry(**values, id=entry_id, at=at, sequence=None, prev_hash="")
        entry.hash = intake_hash({name: getattr(entry, name) for name in HASHED_FIELDS}, entry_id)
        made.append(entry)
    AuditEntry.objects.bulk_create(made)
    head = AuditChainHead.objects.select_for_update(skip_locked=True).filter(pk=1).first()
    if head is not None:  # as in audit_record_nowait
        chained = _chain_unchained(head)
        if chained:
            head.save(update_fields=["sequence", "hash"])
            witness_after_commit(head.sequence, head.hash)
        for entry in made:
            entry.sequence, entry.prev_hash, entry.hash = chained.get(entry.pk, (entry.sequence, entry.prev_hash, entry.hash))
    return made


def _next_ids(connection: BaseDatabaseWrapper, count: int) -> list[int]:
    """`_next_id` for `count` entries, in one query."""
    if connection.vendor != "postgresql":  # SQLite: the write lock is held, so the ids after the highest are free
        first = _next_id(connection)
        return list(range(first, first + count))
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [TABLE, count])
        return sorted(int(row[0]) for row in cursor.fetchall())


def _intake(entry: AuditEntry, *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Insert the entry unchained, with its own HMAC over its content and the id it is given."""
    entry.id = _next_id(connections[using])
    entry.at, entry.sequence, entry.prev_hash = timezone.now(), None, ""
    entry.hash = intake_hash({name: getattr(entry, name) for name in HASHED_FIELDS}, entry.id)
    entry.save(force_insert=True, using=using)


def _next_id(connection: BaseDatabaseWrapper) -> int:
    """The id the next entry will have, taken before it is inserted so that its HMAC can cover it.
    PostgreSQL: from the table's sequence (no lock). SQLite: above the highest id and the
    AUTOINCREMENT counter, under the write lock that Pristan's IMMEDIATE transactions hold."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [TABLE])
            return int(cursor.fetchone()[0])
        cursor.execute(
            f"SELECT MAX(COALESCE((SELECT MAX(id) FROM {TABLE}), 0), "  # noqa: S608 -- the table's name # nosec B608
            "COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0)) + 1",
            [TABLE],
        )
        return int(cursor.fetchone()[0])


def _chain_unchained(head: AuditChainHead, *, using: str = DEFAULT_DB_ALIAS) -> dict[int, tuple[int, str, str]]:
    """Chain after the head, oldest id first, every committed entry not yet chained whose own HMAC
    matches (one that does not is left for `verify` to report). The caller holds the head and saves
    it. Returns {id: (sequence, prev_hash, hash)} of the entries chained."""
    chained: dict[int, tuple[int, str, str]] = {}
    connection = connections[using]
    unchained = AuditEntry.objects.using(using).filter(sequence__isnull=True).order_by("id")
    unchained = unchained.values("prev_hash", "hash", *CONTENT_COLUMNS)
    after = 0
    while True:
        batch = list(unchained.filter(id__gt=after)[:FLUSH_SIZE])
        rows = []
        for values in batch:
            if not hash_matches({**values, "sequence": None}, values["hash"], salt=INTAKE_KEY_SALT, sequence=values["id"]):
                continue
            sequence = head.sequence + 1
            digest = entry_hash({**values, "sequence": sequence, "prev_hash": head.hash})
            chained[values["id"]] = (sequence, head.hash, digest)
            # `at` as well as the id: on a table partitioned by time, only its partition is searched.
            rows.append((sequence, head.hash, digest, values["id"], connection.ops.adapt_datetimefield_value(values["at"])))
            head.sequence, head.hash = sequence, digest
        if rows:
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"UPDATE {TABLE} SET sequence = %s, prev_hash = %s, hash = %s "  # noqa: S608 -- the table's name # nosec B608
                    "WHERE id = %s AND at = %s AND sequence IS NULL",
                    rows,
                )
                if cursor.rowcount != len(rows):  # never, under the head's lock; the head must not run ahead of its entries
                    raise AuditChainError("An entry being chained changed under the chain's lock; nothing was chained.")
        if len(batch) < FLUSH_SIZE:
            return chained
        after = batch[-1]["id"]


def audit_chain_pending(*, using: str = DEFAULT_DB_ALIAS) -> int:
    """Chain the entries not yet chained, waiting for the head if it is taken; how many were chained.
    Run by the periodic job `audit-chain` and by `pristan audit verify`."""
    with transaction.atomic(using=using):
        head = AuditChainHead.objects.using(using).select_for_update().filter(pk=1).first()
        if head is None:  # the next append makes it, or refuses to go on if it was removed; verify says which
            return 0
        chained = _chain_unchained(head, using=using)
        if chained:
            head.save(update_fields=["sequence", "hash"], using=using)
        # Always, even when nothing was chained: a process that fell silent within its interval left its
        # last head unwitnessed (see audit_witness); not again if it is already the newest witness.
        witness_after_commit(head.sequence, head.hash, using=using, force=True, unless_recorded=True)
    return len(chained)


def audit_values(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    obj: models.Model,
    case: Any = None,
    office: Office | None = None,
    fields: Iterable[str] = (),
    detail: str = "",
    ip: str | None = None,
) -> dict[str, Any]:
    """What an entry records about ``obj`` (ids, never objects): the values of SPOOLED_FIELDS. The
    office defaults to the case's. Reads nothing from the database, so that bulk writers can make
    the entries of many new records, already numbered, before any of them is inserted."""
    return audit_values_for(
        actor=actor, action=action, model=obj._meta.model, object_id=obj.pk, case=case, office=office, fields=fields,
        detail=detail, ip=ip,
    )  # fmt: skip


def audit_values_for(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    model: type[models.Model],
    object_id: Any,
    case: Any = None,
    office: Office | None = None,
    fields: Iterable[str] = (),
    detail: str = "",
    ip: str | None = None,
) -> dict[str, Any]:
    """audit_values for the object of ``model`` numbered ``object_id``: bulk writers record rows
    they insert without making a model instance of them."""
    meta = model._meta
    return {
        "actor_id": actor.pk if isinstance(actor, User) else None,
        "action": str(action),  # plain text, not a choice's enum member
        "object_type": f"{meta.app_label}.{meta.model_name}",
        "object_id": str(object_id),
        "case_id": None if case is None else case.pk,
        "office_id": office.pk if office is not None else getattr(case, "office_id", None),
        "fields": sorted(str(name) for name in fields),
        "detail": str(detail),
        "ip": _stored_ip(ip),
    }


def audit_spool(values: Mapping[str, Any]) -> None:
    """Add an entry (made by `audit_values`) to the `audit_batch` open here: how bulk writers record
    what they insert, chained with the batch's other entries when it ends."""
    spool = _spool.get()
    if spool is None:
        raise RuntimeError("audit_spool must run inside audit_batch().")
    spool.add(values)


def _append(entries: list[AuditEntry]) -> None:
    """Chain the entries after the head and insert them; the head stays locked until the transaction ends.
    Entries of the intake come first: they were recorded before these."""
    head = _lock_head()
    _chain_unchained(head)
    at = timezone.now()  # after the lock, so that time runs in the order of the chain
    for entry in entries:
        entry.sequence, entry.prev_hash, entry.at = head.sequence + 1, head.hash, at
        entry.hash = entry_hash({name: getattr(entry, name) for name in HASHED_FIELDS})
        head.sequence, head.hash = entry.sequence, entry.hash
    if len(entries) == 1:
        entries[0].save(force_insert=True)
    else:
        AuditEntry.objects.bulk_create(entries)
    head.save(update_fields=["sequence", "hash"])
    witness_after_commit(head.sequence, head.hash)


@contextmanager
def audit_batch() -> Iterator[None]:
    """Keep the entries recorded in the block aside (in a temporary file, so a long import does not
    hold them in memory) and chain them when the block ends, or at `flush_audit_batch()`. Until then
    the chain's head is not locked, so a long write such as an import does not keep everyone else's
    entries (reads included) waiting; its entries carry the time they were chained."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_batch must run inside the transaction of the changes it records.")
    spool = _Spool()
    token = _spool.set(spool)
    try:
        yield
        flush_audit_batch()
    finally:
        _spool.reset(token)
        spool.file.close()


def flush_audit_batch() -> None:
    """Like `_append`, for the spooled entries, inserted SPOOL_CHUNK at a time (core/bulk.py): an
    import chains hundreds of thousands of them. Entries of the intake come first, as in `_append`;
    the head is taken once and held, so the batch's entries follow each other in the chain."""
    spool = _spool.get()
    if spool is None or not spool.count:
        return
    connection = connections[DEFAULT_DB_ALIAS]
    head = _lock_head()
    _chain_unchained(head)
    at = timezone.now()
    keyed = salted_hmac(HASH_KEY_SALT, b"", algorithm="sha256")  # entry_hash's HMAC, its key derived once
    with WriteBehind(connection) as writer:  # a chunk is chained while the one before is written
        for rows in spool.drain(SPOOL_CHUNK):
            table = Table(AuditEntry, connection, with_id=False)
            for values in rows:
                values["sequence"], values["prev_hash"], values["at"] = head.sequence + 1, head.hash, at
                hasher = keyed.copy()
                hasher.update(canonical_payload(values))
                values["hash"] = hasher.hexdigest()
                head.sequence, head.hash = values["sequence"], values["hash"]
                table.add(None, **values)
            writer.write([table])
    head.save(update_fields=["sequence", "hash"])
    witness_after_commit(head.sequence, head.hash, force=True)  # an import's end is always witnessed


@contextmanager
def audit_savepoint() -> Iterator[None]:
    """A savepoint (`transaction.atomic()`) whose batched entries are dropped with its changes when
    it rolls back: use it wherever a failed step inside a batch is caught and the work goes on."""
    spool = _spool.get()
    mark = spool.mark() if spool is not None else (0, 0)
    try:
        with transaction.atomic():
            yield
    except BaseException:
        if spool is not None:
            spool.back_to(mark)
        raise


def _lock_head(*, using: str = DEFAULT_DB_ALIAS) -> AuditChainHead:
    heads = AuditChainHead.objects.using(using)
    head = heads.select_for_update().filter(pk=1).first()
    if head is None:  # a new or flushed database, or a head removed from a real trail
        # Inserting waits for a writer that is creating the head at the same moment (its row is not
        # visible yet); after it, the head is there, and a fresh one must not continue old entries.
        heads.bulk_create([AuditChainHead(pk=1)], ignore_conflicts=True)
        head = heads.select_for_update().get(pk=1)
        if head.sequence == 0 and AuditEntry.objects.using(using).filter(sequence__isnull=False).exists():
            raise AuditChainError("The audit chain head is missing although audit entries exist; run `pristan audit verify`.")
    return head


def _stored_ip(ip: str | None) -> str | None:
    """The address as the database will keep it (ValueError if it is not one)."""
    if not ip:
        return None
    address = ipaddress.ip_address(ip.strip())
    return clean_ipv6_address(str(address)) if address.version == 6 else str(address)


def _canonical_ip(ip: str | None) -> str | None:
    """The same text for the same address, however the database gives it back."""
    return ipaddress.ip_address(ip).exploded if ip else None


@lru_cache(maxsize=16)  # entries chained together share their time
def _canonical_at(at: datetime) -> str:
    at = at.replace(tzinfo=UTC) if timezone.is_naive(at) else at.astimezone(UTC)
    return at.isoformat(timespec="microseconds")


def canonical_payload(values: Mapping[str, Any]) -> bytes:
    """The bytes an entry's hash covers: the hashed fields as JSON with sorted keys."""
    data = {name: values[name] for name in HASHED_FIELDS}
    data["at"] = _canonical_at(data["at"])
    data["ip"] = _canonical_ip(data["ip"])
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def entry_hash(values: Mapping[str, Any], secret: str | bytes | None = None) -> str:
    """HMAC-SHA256, keyed from the secret key (SECRET_KEY unless given), of the canonical payload."""
    return salted_hmac(HASH_KEY_SALT, canonical_payload(values), secret=secret, algorithm="sha256").hexdigest()


def intake_hash(values: Mapping[str, Any], entry_id: int, secret: str | bytes | None = None) -> str:
    """The own HMAC of an entry not yet chained: another salt, and its id where the sequence goes."""
    payload = canonical_payload({**values, "sequence": entry_id})
    return salted_hmac(INTAKE_KEY_SALT, payload, secret=secret, algorithm="sha256").hexdigest()


def hash_matches(values: Mapping[str, Any], stored: str, *, salt: str = HASH_KEY_SALT, sequence: int | None = None) -> bool:
    """Whether `stored` is the entry's hash under the secret key or one of its fallbacks (a rotated key);
    with `salt=INTAKE_KEY_SALT` and `sequence=` its id, whether it is the own HMAC of an unchained entry."""
    payload = canonical_payload(values if sequence is None else {**values, "sequence": sequence})
    for secret in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]:
        expected = salted_hmac(salt, payload, secret=secret, algorithm="sha256").hexdigest()
        if hmac.compare_digest(expected, stored):
            return True
    return False


def install_append_only_guard(connection: BaseDatabaseWrapper) -> None:
    """Make the audit table refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL). Idempotent."""
    GUARD.install(connection)
    audit_partitions.guard_partitions(connection)  # the TRUNCATE trigger of each partition (PostgreSQL)


def remove_append_only_guard(connection: BaseDatabaseWrapper) -> None:
    audit_partitions.unguard_partitions(connection)
    GUARD.remove(connection)


def append_only_guard_installed(connection: BaseDatabaseWrapper) -> bool:
    """Whether every trigger of the guard exists and is enabled."""
    return GUARD.installed(connection) and audit_partitions.partitions_guarded(connection)


def append_only_guard_present(connection: BaseDatabaseWrapper) -> bool:
    """Whether any trigger of the guard exists, enabled or not."""
    return bool(GUARD.present(connection))


def apply_changes(instance: models.Model, data: Mapping[str, Any]) -> list[str]:
    """Set the given attributes and return the names of those whose value really changed."""
    changed = []
    for name, value in data.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    return changed


def object_type_label(object_type: str) -> str:
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return object_type
    return str(model._meta.verbose_name)


def field_labels(object_type: str, names: list[str], *, read: bool = False) -> list[str]:
    """The recorded names as the reader knows them, translated. A write names fields of the object;
    a read of a case names the section (tab) that was read, which may share its name with a reverse
    relation of the case (`notes`, `referrals`, `experience`). Never fails: a name it cannot label
    (an old entry, a field since removed) is shown as it was recorded."""
    try:
        meta = apps.get_model(object_type)._meta
    except (LookupError, ValueError):
        meta = None
    labels = []
    for name in names:
        label = _section_label(name) if read else None
        if label is None and meta is not None:
            label = _field_label(meta, name)
        labels.append(label if label is not None else name)
    return labels


def entry_field_labels(entry: AuditEntry) -> list[str]:
    reads = entry.action in {AuditEntry.Action.VIEW, AuditEntry.Action.PRINT}  # both name the sections read
    return field_labels(entry.object_type, list(entry.fields), read=reads)


def _section_label(name: str) -> str | None:
    return str(Section(name).label) if name in Section.values else None


def _field_label(meta: Options[Any], name: str) -> str | None:
    """The label of any kind of field: concrete, many-to-many, generic, or the reverse side of a
    relation (which has no verbose name of its own: it is named after the model on its other side)."""
    try:
        field = meta.get_field(name)
    except FieldDoesNotExist:
        return None
    if isinstance(field, ForeignObjectRel):
        related = field.related_model._meta
        return str(related.verbose_name if field.one_to_one else related.verbose_name_plural)
    return str(getattr(field, "verbose_name", None) or name)
