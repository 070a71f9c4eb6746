"""Opening every person for the scan, fast: the sealed columns are read as bytes (no model
instance), each person's data key is unwrapped once and her values opened with it directly
(crypto.opener), and the compared values go straight into matching's in-memory Arrow table.

This process reads the databases batch by batch (the person rows, their documents, their wrapped
keys); with a large register it hands the batches to WORKERS forked processes that open and fold
them while it reads the next, and gets each batch back as an Arrow table through a pipe, in order.
Nothing is written anywhere: the plaintext lives in these processes' memory, and passes only
through the pipes between them, for the length of the scan. The workers touch no database (so the
scan sees what this process's transaction sees, in a test too) and end with the extract."""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle  # nosec B403 - only between this process and the workers it forked
import traceback
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from multiprocessing.connection import Connection
from typing import Any
from uuid import UUID

import pyarrow as pa  # type: ignore[import-untyped]
from django.db import connections
from django.db.models import QuerySet

from pristan.core import crypto
from pristan.core.crypto import Keyring
from pristan.core.fields import DELIMITER
from pristan.duplicates.matching import records_table
from pristan.duplicates.types import PersonData
from pristan.keystore.models import DataKey
from pristan.keystore.router import KEYS_DB
from pristan.keystore.services import keyring
from pristan.people.models import IdentityDocument, Person

__all__ = ["BATCH", "COMPARED", "PARALLEL_FROM", "WORKERS", "open_persons", "opened_persons"]

BATCH = 20_000
# Below this many persons the scan opens them in its own process: starting workers would cost more
# than it saves, and a register this small opens in a few seconds.
PARALLEL_FROM = 50_000
KEYS_QUERIED = 5000  # data keys asked for in one query (SQLite: at most its limit of parameters)
WORKERS = 2  # the machine's cores: the reading process waits on the database most of the time
# The sealed columns compared, then the plain ones (in the order _open reads them).
SEALED = ("given_name", "family_name", "other_names", "aliases", "date_of_birth")
PLAIN = ("date_of_birth_estimated", "gender", "citizenships")
# What a proposal opens of a person (propose.py): only what is compared, the other sealed columns unread.
COMPARED = ("id", "key_id", *SEALED, *PLAIN)


@dataclass(frozen=True)
class _Batch:
    """One batch as read from the databases: nothing opened yet."""

    rows: list[tuple[Any, ...]]  # (id, *SEALED as sealed bytes or empty, *PLAIN)
    documents: dict[int, list[bytes]]  # person id -> her documents' sealed numbers
    keys: dict[bytes, tuple[str, bytes]]  # data key id (16 bytes) -> (master key id, wrapped key)


@dataclass(frozen=True)
class _Opening:
    """What opening needs besides a batch: the keyring and the columns' additional data."""

    ring: Keyring
    person_aads: tuple[bytes, ...]  # of SEALED
    document_aad: bytes


def _opening() -> _Opening:
    def aad(model: Any, name: str) -> bytes:
        return bytes(model._meta.get_field(name).aad)

    return _Opening(keyring(), tuple(aad(Person, name) for name in SEALED), aad(IdentityDocument, "number"))


# --- Reading (this process) ----------------------------------------------------------------------


def _raw_batches(batch: int) -> Iterator[_Batch]:
    """Every person who may be proposed (neither erased nor merged into another), in id order, as
    sealed bytes with her documents' and her data key's. The rows are read raw (the cursor's own
    values, without Django's conversions: a million persons spend seconds in those)."""
    live = Person.objects.filter(erased_at__isnull=True, merged_into__isnull=True).order_by("pk")
    last = 0
    while True:
        rows = _raw(live.filter(pk__gt=last).values_list("pk", *SEALED, *PLAIN)[:batch])
        if not rows:
            return
        first, last = rows[0][0], rows[-1][0]
        documents: dict[int, list[bytes]] = {}
        numbers = IdentityDocument.objects.filter(person_id__gte=first, person_id__lte=last).values_list("person_id", "number")
        for person_id, number in _raw(numbers):
            if number:
                documents.setdefault(person_id, []).append(bytes(number))
        wanted = {bytes(blob[1:17]) for row in rows for blob in row[1 : 1 + len(SEALED)] if blob}
        wanted.update(number[1:17] for numbers in documents.values() for number in numbers)
        yield _Batch(rows=[_plain(row) for row in rows], documents=documents, keys=_wrapped_keys(wanted))


def _raw(query: QuerySet[Any, Any]) -> list[tuple[Any, ...]]:
    """The rows of ``query`` as its database's cursor gives them."""
    sql, params = query.query.get_compiler(using=query.db).as_sql()
    with connections[query.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


_codes: dict[str, tuple[str, ...]] = {}


def _plain(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A raw row with its code list as the field reads it (its stored text, "|BG|RS|", parsed once)."""
    stored = row[-1] or ""
    codes = _codes.get(stored)
    if codes is None:
        codes = _codes[stored] = tuple(code for code in stored.split(DELIMITER) if code)
    return (*row[:-1], codes)


def _wrapped_keys(wanted: set[bytes]) -> dict[bytes, tuple[str, bytes]]:
    """The key store's rows of these data keys (a destroyed key is simply absent), by raw SQL on
    the ids' hexadecimal text: how SQLite stores a UUID, and what PostgreSQL casts to one."""
    found: dict[bytes, tuple[str, bytes]] = {}
    connection = connections[KEYS_DB]
    quote = connection.ops.quote_name
    names = {field.name: quote(field.column or field.name) for field in DataKey._meta.concrete_fields}
    columns, id_column = f"{names['id']}, {names['master_key_id']}, {names['wrapped']}", names["id"]
    table = quote(DataKey._meta.db_table)
    ids = [key_id.hex() for key_id in wanted]
    step = KEYS_QUERIED if connection.vendor == "postgresql" else min(KEYS_QUERIED, connection.features.max_query_params or 999)
    with connection.cursor() as cursor:
        for start in range(0, len(ids), step):
            chunk = ids[start : start + step]
            if connection.vendor == "postgresql":
                cursor.execute(f"SELECT {columns} FROM {table} WHERE {id_column} = ANY(%s::uuid[])", [chunk])  # noqa: S608 # nosec B608 - our own names
            else:
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(f"SELECT {columns} FROM {table} WHERE {id_column} IN ({marks})", chunk)  # noqa: S608 # nosec B608 - our own names
            for key_id, master_id, wrapped in cursor.fetchall():
                found[key_id.bytes if isinstance(key_id, UUID) else bytes.fromhex(key_id)] = (master_id, bytes(wrapped))
    return found


# --- Opening (a worker, or this process for a small register) ------------------------------------


def _open(batch: _Batch, opening: _Opening) -> Iterator[tuple[int, PersonData]]:
    """The batch's persons opened: each data key unwrapped once, each value opened with it. A value
    whose key was destroyed reads as empty, as a sealed field reads it (core/sealed.py)."""
    unwrap = crypto.unwrapper(opening.ring)
    openers = {key_id: crypto.opener(unwrap(key_id, master_id, wrapped)) for key_id, (master_id, wrapped) in batch.keys.items()}
    given_aad, family_aad, other_aad, aliases_aad, born_aad = opening.person_aads
    document_aad = opening.document_aad

    def text(blob: Any, aad: bytes) -> str:  # sealed bytes, or the empty value ("" or None)
        if not blob:
            return ""
        open_one = openers.get(bytes(blob[1:17]))
        return "" if open_one is None else open_one(blob, aad).decode()

    for person_id, given, family, other, aliases, born, estimated, gender, citizenships in batch.rows:
        birth = text(born, born_aad)
        yield (
            person_id,
            PersonData(
                given_name=text(given, given_aad),
                family_name=text(family, family_aad),
                other_names=text(other, other_aad),
                aliases=text(aliases, aliases_aad),
                date_of_birth=_date(birth) if birth else None,
                date_of_birth_estimated=bool(estimated),
                gender=gender or "",
                citizenships=tuple(citizenships or ()),
                document_numbers=tuple(
                    number for number in (text(blob, document_aad) for blob in batch.documents.get(person_id, ())) if number
                ),
            ),
        )


_dates: dict[str, date] = {}


def _date(text: str) -> date:
    found = _dates.get(text)
    if found is None:
        found = _dates[text] = date.fromisoformat(text)
    return found


def _table_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue())


def _table_from(data: bytes) -> pa.Table:
    return pa.ipc.open_stream(pa.py_buffer(data)).read_all()


def _work(pipe: Connection, opening: _Opening) -> None:
    """A worker: batches in, Arrow tables out, until told to stop (None). Only what was forked
    with it is used: no database, no file."""
    gc.disable()  # short-lived, and what it builds holds no cycles: collecting would only cost time
    try:
        while (message := pipe.recv_bytes()) != b"":
            batch: _Batch = pickle.loads(message)  # noqa: S301 # nosec B301 - from the process that forked this one
            pipe.send_bytes(b"+" + _table_bytes(records_table(_open(batch, opening))))
    except EOFError:  # the scan is gone
        return
    except BaseException:
        pipe.send_bytes(b"!" + traceback.format_exc().encode())


class _Workers:
    """WORKERS forked processes, each with one batch at a time (so neither side ever waits on a
    full pipe while the other waits on it)."""

    def __init__(self, opening: _Opening, count: int) -> None:
        context = multiprocessing.get_context("fork")
        self._pipes: list[Connection] = []
        self._processes: list[Any] = []
        self._busy: list[int] = []  # workers with a batch, oldest first
        for _ in range(count):
            mine, theirs = context.Pipe()
            process = context.Process(target=_work, args=(theirs, opening), daemon=True)
            process.start()
            theirs.close()
            self._pipes.append(mine)
            self._processes.append(process)

    def tables(self, batches: Iterator[_Batch]) -> Iterator[pa.Table]:
        """The batches' tables, in the batches' order."""
        for index, batch in enumerate(batches):
            worker = index % len(self._pipes)
            if worker in self._busy:
                yield self._result(self._busy.pop(0))
            self._pipes[worker].send_bytes(pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL))
            self._busy.append(worker)
        while self._busy:
            yield self._result(self._busy.pop(0))

    def _result(self, worker: int) -> pa.Table:
        message = self._pipes[worker].recv_bytes()
        if message[:1] != b"+":
            raise RuntimeError(f"A worker opening persons failed:\n{message[1:].decode()}")
        return _table_from(message[1:])

    def close(self) -> None:
        """Stop the workers: those still busy (the scan failed) at once, the others when told."""
        for worker, (pipe, process) in enumerate(zip(self._pipes, self._processes, strict=True)):
            if worker in self._busy:
                process.kill()
            else:
                with suppress(OSError):  # that worker has ended already
                    pipe.send_bytes(b"")
        for pipe, process in zip(self._pipes, self._processes, strict=True):
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
                process.join()
            pipe.close()


def open_persons(*, batch: int = BATCH, workers: int | None = None) -> pa.Table:
    """Everyone who may be proposed, as matching's Arrow table, in id order. ``workers``: how many
    processes open them (default WORKERS from PARALLEL_FROM persons on, else none: this one)."""
    opening = _opening()
    if workers is None:
        live = Person.objects.filter(erased_at__isnull=True, merged_into__isnull=True)
        workers = WORKERS if live.count() >= PARALLEL_FROM and (os.cpu_count() or 1) > 1 else 0
    if workers <= 0:
        return records_table(opened for raw in _raw_batches(batch) for opened in _open(raw, opening))
    pool = _Workers(opening, workers)
    try:
        tables = list(pool.tables(_raw_batches(batch)))
    finally:
        pool.close()
    if not tables:
        return records_table(())
    return pa.concat_tables(tables)


def opened_persons(*, batch: int = BATCH) -> Iterator[tuple[int, PersonData]]:
    """Every person who may be proposed, opened, in id order (in this process)."""
    opening = _opening()
    for raw in _raw_batches(batch):
        yield from _open(raw, opening)
