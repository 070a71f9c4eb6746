"""The audit chain's witness: its head, recorded outside the case database.

The hash chain (pristan.core.audit) proves that no entry was altered, inserted or removed from the
middle; on its own it cannot prove that the *newest* entries were not removed together with the
head (someone who can write to the case database drops the triggers, deletes the last entries and
moves `AuditChainHead` back, or deletes everything). So whenever the head moves and that
transaction commits, the head (sequence, hash) is also written, with the time:

* to `AuditWitness` in the key store's database (the `keys` alias): append-only like the audit
  table (triggers refuse UPDATE and DELETE, and TRUNCATE on PostgreSQL), and
* as a line to an append-only file (PRISTAN_AUDIT_WITNESS_FILE, opened with O_APPEND, one write
  per line), and to the logger `pristan.audit.witness`, which PRISTAN_AUDIT_WITNESS_SYSLOG sends to
  the system log.

`pristan audit verify` then requires the chain to hold every witnessed entry with its witnessed hash,
and its head to be at or beyond the newest witness (`witnesses_verify`).

**When.** The witness is written in `transaction.on_commit`: a transaction rolled back leaves no
witness of entries that never existed; a process killed between its commit and its witness leaves
that head unwitnessed (safe: the witness only ever trails the chain). Reads record an entry on every
case page, so witnesses are coalesced: a process writes one at most every
PRISTAN_AUDIT_WITNESS_INTERVAL seconds (1 by default, at most 1), skipping a head it has already
witnessed; the end of a batch (`audit_batch`: imports) and the worker's periodic `audit-chain` job
(every minute) always write one if the head has moved since the newest witness in the key store.

**What stays unanchored.** The entries committed after the newest witness: at most the last second
of a process that keeps writing, and, for a process that fell silent less than a second after its
last witness, its entries since, until the next `audit-chain` run (every minute while a worker
runs; `pristan audit verify` also witnesses the head before it compares), or the next write of any
process after its own second has passed. Those entries can still be removed unnoticed.

**Restore.** `pristan restore` brings both databases back from one backup, so the key store's
witnesses agree with the restored chain (witnesses made between the two dumps are newer than the
restored head). The file is not restored and runs ahead. A restore therefore records a `restore`
witness (the restored head) in both; a witness recorded before a restore is compared only if its
sequence is at most that restore's (the smallest of the restores after it).
"""

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone
from django.utils.translation import gettext as _

from pristan.core.append_only import AppendOnlyGuard
from pristan.core.models import AuditEntry
from pristan.keystore.models import AuditWitness
from pristan.keystore.router import KEYS_DB

log = logging.getLogger(__name__)
witness_log = logging.getLogger("pristan.audit.witness")  # one line per witness: PRISTAN_AUDIT_WITNESS_SYSLOG
FILE_NAME = "audit-witness.log"
TABLE = AuditWitness._meta.db_table
APPEND_ONLY_MESSAGE = "audit witnesses are append-only"

GUARD = AppendOnlyGuard(table=TABLE, message=APPEND_ONLY_MESSAGE)


def install_witness_guard(connection: BaseDatabaseWrapper) -> None:
    """Make the witness table refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL). Idempotent."""
    GUARD.install(connection)


def remove_witness_guard(connection: BaseDatabaseWrapper) -> None:
    GUARD.remove(connection)


def witness_guard_present(connection: BaseDatabaseWrapper) -> bool:
    """Whether any trigger of the guard exists on this database (only the key store has the table)."""
    return bool(GUARD.present(connection))


# --- Writing ----------------------------------------------------------------------------------


def witness_file_path() -> Path:
    return Path(settings.PRISTAN_AUDIT_WITNESS_FILE or Path(settings.VAR_DIR) / FILE_NAME)


def _file_line(kind: str, sequence: int, digest: str, at: datetime) -> str:
    return f"{at.isoformat(timespec='microseconds')} {kind} {sequence} {digest}\n"


def _append_to_file(line: str) -> None:
    """One write() of one short line to a file opened with O_APPEND: lines of several processes never
    interleave, and nothing written before is touched."""
    path = witness_file_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, line.encode("ascii"))
    finally:
        os.close(descriptor)


def witness_write(*, kind: str, sequence: int, digest: str) -> None:
    """Record a witness in the key store and in the file (and the system log, when configured).
    A failure of one is logged and does not stop the other: the case transaction has committed."""
    at = timezone.now()
    try:
        AuditWitness.objects.using(KEYS_DB).create(kind=kind, sequence=sequence, hash=digest, at=at)
    except DatabaseError:
        log.exception("The audit witness of entry %d could not be written to the key store.", sequence)
    line = _file_line(kind, sequence, digest, at)
    try:
        _append_to_file(line)
    except OSError:
        log.exception("The audit witness of entry %d could not be written to %s.", sequence, witness_file_path())
    witness_log.info("pristan audit witness: %s", line.rstrip("\n"))


class _Coalescer:
    """This process's last witness: reads commit on every case page, and each need not pay a write."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.last: tuple[int, str] | None = None
        self.last_at = float("-inf")

    def committed(self, sequence: int, digest: str, *, force: bool, unless_recorded: bool) -> None:
        with self.lock:
            now = time.monotonic()
            if self.last == (sequence, digest) or (not force and now - self.last_at < settings.PRISTAN_AUDIT_WITNESS_INTERVAL):
                return
            self.last, self.last_at = (sequence, digest), now  # claimed: another thread does not write it too
        if unless_recorded:
            newest = AuditWitness.objects.using(KEYS_DB).order_by("-id").values_list("sequence", "hash").first()
            if newest == (sequence, digest):
                return
        witness_write(kind=AuditWitness.Kind.HEAD, sequence=sequence, digest=digest)


_coalescer = _Coalescer()


def witness_after_commit(
    sequence: int, digest: str, *, using: str = DEFAULT_DB_ALIAS, force: bool = False, unless_recorded: bool = False
) -> None:
    """Witness this head once the transaction that moved it commits (never if it rolls back).
    `force`: even within the interval (end of a batch, the periodic job); `unless_recorded`: not if
    it is already the newest witness in the key store (the periodic job, when nothing moved)."""
    if using != DEFAULT_DB_ALIAS or sequence == 0:  # the witness anchors the case database's chain only
        return

    def witness() -> None:
        try:
            _coalescer.committed(sequence, digest, force=force, unless_recorded=unless_recorded)
        except Exception:  # the change has committed: a witness that fails must not turn it into an error
            log.exception("The audit witness of entry %d could not be written.", sequence)

    transaction.on_commit(witness, using=using)


def is_witness(callback: Callable[[], object]) -> bool:
    """Whether an on-commit callback is the witness's (tests that count a service's callbacks leave it out)."""
    return getattr(callback, "__qualname__", "") == "witness_after_commit.<locals>.witness"


def witness_restored(*, sequence: int, digest: str) -> None:
    """Record that a backup was restored, with the head it brought back: the witnesses recorded before
    (in the file, which is not restored, and in the key store, dumped after the case database) may run
    ahead of it. A key store restored from a Pristan without the witness table gets no row."""
    at = timezone.now()
    try:
        with transaction.atomic(using=KEYS_DB):
            AuditWitness.objects.using(KEYS_DB).create(kind=AuditWitness.Kind.RESTORE, sequence=sequence, hash=digest, at=at)
    except DatabaseError:
        log.warning("The key store has no audit witness table yet: `pristan migrate --database keys` makes it.")
    try:
        _append_to_file(_file_line(AuditWitness.Kind.RESTORE, sequence, digest, at))
    except OSError:  # the databases are restored; `pristan audit verify` will say the file runs ahead
        log.exception("The restore could not be recorded in the witness file %s.", witness_file_path())


# --- Comparing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Witness:
    kind: str
    sequence: int
    hash: str
    at: datetime
    in_file: bool  # else in the key store

    @property
    def when(self) -> str:
        return self.at.isoformat(timespec="seconds")


class WitnessMismatch(Exception):
    """The chain lacks what a witness recorded: a sentence for the person running the check."""


def witnesses_in_store() -> list[Witness]:
    """Every witness in the key store, oldest first (raises DatabaseError when it has no table)."""
    rows = AuditWitness.objects.using(KEYS_DB).order_by("id").values_list("kind", "sequence", "hash", "at")
    return [Witness(kind, sequence, digest, at, False) for kind, sequence, digest, at in rows.iterator()]


def witnesses_in_file(path: Path, warn: Callable[[str], None]) -> list[Witness]:
    """Every witness in the file, oldest first; a line that is not one is reported through `warn`."""
    witnesses, malformed = [], []
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            try:
                at, kind, sequence, digest = raw.decode("ascii").split()
                witness = Witness(kind, int(sequence), digest, datetime.fromisoformat(at), True)
                if kind not in AuditWitness.Kind.values or witness.sequence < 0 or len(digest) != 64 or witness.at.tzinfo is None:
                    raise ValueError(kind)
            except ValueError:
                malformed.append(number)
                continue
            witnesses.append(witness)
    if malformed:
        warn(
            _("%(count)d lines of the witness file %(path)s are not witnesses and were skipped (the first: line %(line)d).")
            % {"count": len(malformed), "path": path, "line": malformed[0]}
        )
    return witnesses


def effective(witnesses: Iterable[Witness]) -> list[Witness]:
    """The witnesses to compare: each up to the smallest restored head recorded after it."""
    bound, kept = float("inf"), []
    for witness in reversed(list(witnesses)):
        if 0 < witness.sequence <= bound:
            kept.append(witness)
        if witness.kind == AuditWitness.Kind.RESTORE:
            bound = min(bound, witness.sequence)
    return kept


def _removed(newest: Witness, head: int) -> str:
    names = {"head": head, "sequence": newest.sequence, "at": newest.when, "path": witness_file_path()}
    if head == 0 and newest.in_file:
        message = _(
            "Every entry of the audit trail was removed: the witness file %(path)s recorded entry %(sequence)d at %(at)s."
        )
    elif head == 0:
        message = _(
            "Every entry of the audit trail was removed: the witness in the key store recorded entry %(sequence)d at %(at)s."
        )
    elif newest.in_file:
        message = _(
            "Entries after sequence %(head)d were removed: the witness file %(path)s recorded sequence %(sequence)d at %(at)s."
        )
    else:
        message = _(
            "Entries after sequence %(head)d were removed: the witness in the key store recorded sequence %(sequence)d at %(at)s."
        )
    return message % names


def _replaced(witness: Witness) -> str:
    names = {"sequence": witness.sequence, "at": witness.when, "path": witness_file_path()}
    if witness.in_file:
        message = _(
            "Entry %(sequence)d is not the entry the witness file %(path)s recorded at %(at)s: "
            "the trail was replaced from there on."
        )
    else:
        message = _(
            "Entry %(sequence)d is not the entry the witness in the key store recorded at %(at)s: "
            "the trail was replaced from there on."
        )
    return message % names


def witnesses_read(warn: Callable[[str], None], *, trail_empty: bool) -> list[Witness]:
    """The witnesses of both sources to compare. Read *before* the chain's head: every witness then
    describes a head that had committed when the head is read, however busy the installation."""
    witnesses: list[Witness] = []
    try:
        witnesses += effective(witnesses_in_store())
    except DatabaseError:
        warn(_("The key store has no audit witness table: run `pristan migrate --database keys`."))
    path = witness_file_path()
    try:
        witnesses += effective(witnesses_in_file(path, warn))
    except FileNotFoundError:
        if not trail_empty or witnesses:
            warn(_("The witness file %(path)s does not exist: it was removed, or is kept elsewhere.") % {"path": path})
    except OSError as error:
        warn(_("The witness file %(path)s cannot be read: %(error)s.") % {"path": path, "error": error.strerror or error})
    return witnesses


def witnesses_verify(witnesses: list[Witness], *, head: int, database: str = DEFAULT_DB_ALIAS) -> Witness | None:
    """Raise WitnessMismatch unless the chain, whose last entry is `head`, reaches the newest witness
    and holds each witnessed entry with its witnessed hash. Returns the newest witness (the earliest
    recorded of those at the highest sequence), or None when there is none."""
    if not witnesses:
        return None
    newest = min(witnesses, key=lambda witness: (-witness.sequence, witness.at, witness.in_file))
    if newest.sequence > head:
        raise WitnessMismatch(_removed(newest, head))
    by_sequence: dict[int, list[Witness]] = {}
    for witness in witnesses:
        by_sequence.setdefault(witness.sequence, []).append(witness)
    sequences = sorted(by_sequence)
    for start in range(0, len(sequences), 1000):
        batch = sequences[start : start + 1000]
        stored = dict(AuditEntry.objects.using(database).filter(sequence__in=batch).values_list("sequence", "hash"))
        for sequence in batch:
            for witness in by_sequence[sequence]:
                if stored.get(sequence) != witness.hash:
                    raise WitnessMismatch(_replaced(witness))
    return newest
