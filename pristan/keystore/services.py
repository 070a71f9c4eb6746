"""Data keys: create, fetch (cached for one request or one command), destroy, re-wrap.

Unwrapped keys are kept only in a cache that lives as long as one request (KeyScopeMiddleware)
or one ``with key_scope():`` block, never for the life of the process: a key destroyed by one
worker is gone for every other worker from their next request on.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Count, Model

from pristan.core import crypto
from pristan.core.crypto import Keyring
from pristan.core.sealed import sealed_key_ids
from pristan.keystore.models import DataKey
from pristan.keystore.router import KEYS_DB

_cache: ContextVar[dict[UUID, bytes | None] | None] = ContextVar("pristan_data_keys", default=None)


def keyring() -> Keyring:
    """The keyring configured in the settings. Outside production a key file is created on first use,
    but only while both databases are empty: beside sealed data it would open none of it
    (integrity.py), so Pristan stops instead and says which key file is missing.

    A key file is read again whenever it changes, so a master key added by `pristan keys
    add-master` is used by every running worker from its next request on, without a restart.
    """
    if settings.PRISTAN_MASTER_KEYS or settings.PRISTAN_INDEX_KEY:
        return _keyring(settings.PRISTAN_MASTER_KEYS, settings.PRISTAN_INDEX_KEY, "", 0)
    key_file = Path(settings.PRISTAN_KEY_FILE)
    if settings.PRISTAN_KEY_FILE_AUTOCREATE and not key_file.exists():
        from pristan.keystore.integrity import databases_hold_sealed_data, missing_key_file

        if databases_hold_sealed_data():
            raise missing_key_file(str(key_file))
        crypto.new_keyring_file(key_file, "k1")
    try:
        stamp = key_file.stat().st_mtime_ns
    except OSError:
        stamp = 0
    return _keyring("", "", str(key_file), stamp)


@lru_cache(maxsize=4)
def _keyring(master_keys: str, index_key: str, key_file: str, stamp: int) -> Keyring:
    try:
        return crypto.keyring_from_sources(master_keys=master_keys or None, index_key=index_key or None, key_file=Path(key_file))
    except ValueError as error:
        raise ImproperlyConfigured(str(error)) from None


@contextmanager
def key_scope() -> Iterator[None]:
    """Cache unwrapped keys inside the block (one request, one command), and forget them after."""
    token = _cache.set({})
    try:
        yield
    finally:
        _cache.reset(token)


def _remember(key_id: UUID, key: bytes | None) -> None:
    cached = _cache.get()
    if cached is not None:
        cached[key_id] = key


def create_data_key() -> UUID:
    """A new data key, stored wrapped; its id goes on the person whose data it seals.

    The key is committed in the key store's database at once, before anything sealed with it, and
    stays provisional until the case database's transaction that uses it commits: a transaction
    rolled back, or a process killed, leaves a key that nothing references, which `pristan
    retention` destroys (keystore/provisional.py). Outside a transaction it stays provisional until
    the sweep finds it referenced."""
    key_id, key = uuid.uuid4(), crypto.new_data_key()
    master_id, wrapped = crypto.wrap(keyring(), key_id, key)
    DataKey.objects.create(id=key_id, master_key_id=master_id, wrapped=wrapped, provisional=True)
    confirm_on_commit([key_id])
    _remember(key_id, key)
    return key_id


def wrapped_rows(count: int, *, provisional: bool = False) -> list[tuple[UUID, bytes, DataKey]]:
    """``count`` new keys as (id, key, unsaved row) for bulk writers such as the generator and
    imports (an import's are ``provisional``: see `create_data_key`)."""
    ring, rows = keyring(), []
    for _ in range(count):
        key_id, key = uuid.uuid4(), crypto.new_data_key()
        master_id, wrapped = crypto.wrap(ring, key_id, key)
        rows.append((key_id, key, DataKey(id=key_id, master_key_id=master_id, wrapped=wrapped, provisional=provisional)))
    return rows


def confirm_on_commit(key_ids: list[UUID], *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Confirm provisional keys once the transaction of ``using`` that references them commits
    (nothing when there is none: the sweep confirms them when it finds them referenced)."""
    if transaction.get_connection(using).in_atomic_block:
        packed = b"".join(key_id.bytes for key_id in key_ids)  # 16 bytes a key while a large import runs
        transaction.on_commit(partial(_confirm_packed, packed), using=using, robust=True)


def _confirm_packed(packed: bytes) -> None:
    keys_confirm(UUID(bytes=packed[start : start + 16]) for start in range(0, len(packed), 16))


def keys_confirm(key_ids: Iterable[UUID]) -> int:
    """Mark keys as in use: never destroyed by the sweep of provisional keys. How many were provisional."""
    ids, confirmed = list(key_ids), 0
    for start in range(0, len(ids), 1000):
        confirmed += DataKey.objects.filter(id__in=ids[start : start + 1000], provisional=True).update(provisional=False)
    return confirmed


def data_key(key_id: UUID) -> bytes | None:
    """The unwrapped data key, or None when it was destroyed (the person was erased)."""
    cached = _cache.get()
    if cached is not None and key_id in cached:
        return cached[key_id]
    preload([key_id])
    cached = _cache.get()
    if cached is not None:
        return cached[key_id]
    row = DataKey.objects.filter(id=key_id).first()
    return None if row is None else crypto.unwrap(keyring(), row.id, row.master_key_id, bytes(row.wrapped))


def preload(key_ids: Iterable[UUID]) -> None:
    """Fetch and unwrap many keys in one query into the current scope's cache (no-op outside one)."""
    cached = _cache.get()
    if cached is None:
        return
    wanted = {key_id for key_id in key_ids if key_id not in cached}
    if not wanted:
        return
    ring = keyring()
    for row in DataKey.objects.filter(id__in=wanted):
        cached[row.id] = crypto.unwrap(ring, row.id, row.master_key_id, bytes(row.wrapped))
    for key_id in wanted - cached.keys():
        cached[key_id] = None


def preload_for(instances: Iterable[Model]) -> None:
    """Preload the keys every sealed value of ``instances`` (and what they carry) needs: one query."""
    preload(sealed_key_ids(instances))


def destroy_data_key(key_id: UUID) -> bool:
    """Delete the data key: everything sealed with it becomes unreadable everywhere. True if it existed."""
    deleted, _ = DataKey.objects.filter(id=key_id).delete()
    _remember(key_id, None)
    return deleted > 0


@dataclass(frozen=True)
class KeyCounts:
    by_master: dict[str, int]
    active: str


def key_counts() -> KeyCounts:
    rows = DataKey.objects.values("master_key_id").annotate(count=Count("id")).order_by("master_key_id")
    return KeyCounts({row["master_key_id"]: row["count"] for row in rows}, keyring().active_id)


def rotate(*, batch: int = 1000) -> int:
    """Re-wrap every data key not yet under the active master key; returns how many were re-wrapped.

    Works in small batches, each its own transaction, while Pristan keeps serving: a key is
    readable under its old master key until its row is re-wrapped, and under the new one after.
    Safe to interrupt and run again.
    """
    ring, done = keyring(), 0
    while True:
        rows = list(DataKey.objects.exclude(master_key_id=ring.active_id).order_by("id")[:batch])
        if not rows:
            return done
        for row in rows:
            key = crypto.unwrap(ring, row.id, row.master_key_id, bytes(row.wrapped))
            row.master_key_id, row.wrapped = crypto.wrap(ring, row.id, key)
        with transaction.atomic(using=KEYS_DB):
            DataKey.objects.bulk_update(rows, ["master_key_id", "wrapped"])
        done += len(rows)
