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
  key is rotated, keep the old one in SECRET_KEY_FALLBACKS for as long as its entries must verify.
* **One writer at a time.** Appends lock the one-row `AuditChainHead` (`SELECT … FOR UPDATE` on
  PostgreSQL; SQLite's IMMEDIATE transactions already admit one writer at a time) until the
  transaction commits, so two transactions never take the same sequence number or predecessor.
* **Append-only in the database.** Triggers refuse UPDATE and DELETE on the audit table (and
  TRUNCATE on PostgreSQL, where PUBLIC's UPDATE, DELETE and TRUNCATE are also revoked). A
  database role that owns the table can still drop them, which is why the chain exists; run
  Pristan as a role that does not own its tables for the strongest guarantee.

* **Batches.** A long write such as an import runs in `audit_batch()`: its entries are kept aside
  (in a temporary file) until the batch ends, then chained and inserted 500 at a time, still
  inside the same transaction as the changes they record, and carry the time they were chained.
  The head is locked only then, so others' entries do not wait for the whole import.

What the chain cannot prove on its own is that the *newest* entries were not all removed together
with the head. Record the last line of `pristan audit verify` (sequence and hash of the last
entry) somewhere outside the database from time to time to anchor the chain.
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

from pristan.core.bulk import Table
from pristan.core.models import AuditChainHead, AuditEntry, Office
from pristan.core.policy import Section

HASH_KEY_SALT = "pristan.core.audit.chain.v1"
HASHED_FIELDS = (
    "sequence", "at", "actor_id", "action", "object_type", "object_id", "case_id", "office_id", "fields", "detail", "ip",
    "prev_hash",
)  # fmt: skip
APPEND_ONLY_MESSAGE = "audit entries are append-only"
FLUSH_SIZE = 500  # entries chained and inserted together
TABLE = AuditEntry._meta.db_table

# The append-only guard, per database vendor: (name, SQL to install it, SQL to remove it).
SQLITE_GUARD = [
    (
        f"{TABLE}_no_update",
        f"CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE ON {TABLE} BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END;",
        f"DROP TRIGGER IF EXISTS {TABLE}_no_update;",
    ),
    (
        f"{TABLE}_no_delete",
        f"CREATE TRIGGER {TABLE}_no_delete BEFORE DELETE ON {TABLE} BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END;",
        f"DROP TRIGGER IF EXISTS {TABLE}_no_delete;",
    ),
]
POSTGRESQL_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {TABLE}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}' USING ERRCODE = 'restrict_violation';
END;
$$;
"""
POSTGRESQL_GUARD = [
    (
        f"{TABLE}_no_update_delete",
        f"CREATE TRIGGER {TABLE}_no_update_delete BEFORE UPDATE OR DELETE ON {TABLE} "
        f"FOR EACH ROW EXECUTE FUNCTION {TABLE}_append_only();",
        f"DROP TRIGGER IF EXISTS {TABLE}_no_update_delete ON {TABLE};",
    ),
    (
        f"{TABLE}_no_truncate",
        f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_append_only();",
        f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE};",
    ),
]
POSTGRESQL_REVOKE = f"REVOKE UPDATE, DELETE, TRUNCATE ON {TABLE} FROM PUBLIC;"


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
    """Chain the entries after the head and insert them; the head stays locked until the transaction ends."""
    head = _lock_head()
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
    spool = _spool.get()
    if spool is not None and spool.count:
        connection = connections[DEFAULT_DB_ALIAS]
        for rows in spool.drain(FLUSH_SIZE):
            _append_rows(rows, connection)


def _append_rows(rows: list[dict[str, Any]], connection: BaseDatabaseWrapper) -> None:
    """Like `_append`, for the values of spooled entries, inserted in one statement (core/bulk.py):
    an import chains hundreds of thousands of them."""
    head = _lock_head()
    at = timezone.now()
    table = Table(AuditEntry, connection, with_id=False)
    keyed = salted_hmac(HASH_KEY_SALT, b"", algorithm="sha256")  # entry_hash's HMAC, its key derived once
    for values in rows:
        values["sequence"], values["prev_hash"], values["at"] = head.sequence + 1, head.hash, at
        hasher = keyed.copy()
        hasher.update(canonical_payload(values))
        values["hash"] = hasher.hexdigest()
        head.sequence, head.hash = values["sequence"], values["hash"]
        table.add(None, **values)
    table.write()
    head.save(update_fields=["sequence", "hash"])


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


def _lock_head() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:  # a new or flushed database, or a head removed from a real trail
        # Inserting waits for a writer that is creating the head at the same moment (its row is not
        # visible yet); after it, the head is there, and a fresh one must not continue old entries.
        AuditChainHead.objects.bulk_create([AuditChainHead(pk=1)], ignore_conflicts=True)
        head = AuditChainHead.objects.select_for_update().get(pk=1)
        if head.sequence == 0 and AuditEntry.objects.exists():
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


def hash_matches(values: Mapping[str, Any], stored: str) -> bool:
    """Whether `stored` is the entry's hash under the secret key or one of its fallbacks (a rotated key)."""
    payload = canonical_payload(values)
    for secret in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]:
        expected = salted_hmac(HASH_KEY_SALT, payload, secret=secret, algorithm="sha256").hexdigest()
        if hmac.compare_digest(expected, stored):
            return True
    return False


def _guard(connection: BaseDatabaseWrapper) -> list[tuple[str, str, str]]:
    return {"sqlite": SQLITE_GUARD, "postgresql": POSTGRESQL_GUARD}.get(connection.vendor, [])


def install_append_only_guard(connection: BaseDatabaseWrapper) -> None:
    """Make the audit table refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL). Idempotent."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(POSTGRESQL_FUNCTION)
            cursor.execute(POSTGRESQL_REVOKE)
        for _name, create, drop in _guard(connection):
            cursor.execute(drop)
            cursor.execute(create)


def remove_append_only_guard(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for _name, _create, drop in _guard(connection):
            cursor.execute(drop)
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP FUNCTION IF EXISTS {TABLE}_append_only();")


def _guard_triggers(connection: BaseDatabaseWrapper, *, enabled_only: bool) -> set[str]:
    """The names of the guard's triggers present on the audit table."""
    expected = {name for name, _create, _drop in _guard(connection)}
    if not expected:
        return set()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE])
        else:
            query = "SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass(%s) AND NOT tgisinternal"
            cursor.execute(query + (" AND tgenabled <> 'D'" if enabled_only else ""), [TABLE])
        return expected & {row[0] for row in cursor.fetchall()}


def append_only_guard_installed(connection: BaseDatabaseWrapper) -> bool:
    """Whether every trigger of the guard exists and is enabled."""
    expected = {name for name, _create, _drop in _guard(connection)}
    return bool(expected) and _guard_triggers(connection, enabled_only=True) == expected


def append_only_guard_present(connection: BaseDatabaseWrapper) -> bool:
    """Whether any trigger of the guard exists, enabled or not."""
    return bool(_guard_triggers(connection, enabled_only=False))


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
    return field_labels(entry.object_type, list(entry.fields), read=entry.action == AuditEntry.Action.VIEW)


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
