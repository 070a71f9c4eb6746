"""A worker's presence: a lock it holds for as long as it lives, which the system releases the
moment it dies, however it dies (kill -9, out of memory, power cut of a machine of its own).

Why a lock rather than a heartbeat timestamp: a lock tells at once and exactly whether a worker is
alive, with no delay to tune and no test that waits for one; and on SQLite a heartbeat could not be
written at all while an import holds the one write lock for minutes.

* **PostgreSQL**: a session advisory lock (namespace `NAMESPACE`, a key derived from the worker's
  id) on a connection of its own, kept open for the worker's life. The server drops the lock when
  the connection ends. Any process of the installation reads `pg_locks` to see who is alive.
* **SQLite**: an exclusive `flock` on `var/workers/<id>.lock`. The database is a file on this
  machine, so every process of the installation is on it too; the kernel drops the lock when the
  worker's process ends.

Only worker ids made here (`new_worker_id`, prefix `pristan-`) are judged: a task claimed by some
other worker (django-tasks' own `db_worker`) is never declared lost.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import socket
from collections.abc import Iterable
from contextlib import suppress
from pathlib import Path
from types import TracebackType
from typing import IO

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils.crypto import get_random_string

NAMESPACE = 0x50525354  # "PRST": the first key of Pristan's advisory locks, so they are told apart from others
PREFIX = "pristan-"
DATABASE = "default"  # the queue lives in the case database


def new_worker_id() -> str:
    """Unique across the installation, and readable in a log: host, process and a random part (at most 64 characters)."""
    host = re.sub(r"[^A-Za-z0-9.-]", "", socket.gethostname())[:24] or "host"
    return f"{PREFIX}{host}-{os.getpid()}-{get_random_string(12)}"


def is_ours(worker_id: str) -> bool:
    return worker_id.startswith(PREFIX) and re.fullmatch(r"[A-Za-z0-9.-]+", worker_id) is not None


def _uses_postgres() -> bool:
    return connections[DATABASE].vendor == "postgresql"


def _lock_key(worker_id: str) -> int:
    return int.from_bytes(hashlib.sha256(worker_id.encode()).digest()[:4], "big") & 0x7FFFFFFF


def _directory() -> Path:
    path = Path(settings.VAR_DIR) / "workers"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


class LostPresence(RuntimeError):
    """The worker's lock is gone while it runs (its database connection broke): others now think it dead."""


class Presence:
    """Held by `pristan worker` for its whole life: `with Presence(worker_id): ...`."""

    def __init__(self, worker_id: str) -> None:
        if not is_ours(worker_id):
            raise ValueError(f"Not a worker id made by new_worker_id: {worker_id!r}")
        self.worker_id = worker_id
        self._file: IO[bytes] | None = None
        self._connection: BaseDatabaseWrapper | None = None

    def __enter__(self) -> Presence:
        if _uses_postgres():
            self._connection = connections.create_connection(DATABASE)  # not the worker's own: that one comes and goes
            with self._connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_lock(%s, %s)", [NAMESPACE, _lock_key(self.worker_id)])
        else:
            self._file = (_directory() / f"{self.worker_id}.lock").open("wb")
            fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        return self

    def check(self) -> None:
        """Raise LostPresence if the lock can no longer be held (only a connection can lose it)."""
        if self._connection is None:
            return
        try:
            with self._connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except Exception as error:
            raise LostPresence(str(error)) from error

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        if self._connection is not None:
            # Released at once, rather than when the server notices that the session has ended.
            with suppress(DatabaseError), self._connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [NAMESPACE, _lock_key(self.worker_id)])
            with suppress(DatabaseError):
                self._connection.close()
            self._connection = None
        if self._file is not None:
            (_directory() / f"{self.worker_id}.lock").unlink(missing_ok=True)
            self._file.close()
            self._file = None


def alive(worker_ids: Iterable[str]) -> set[str]:
    """Those of the given workers (ours) that are alive now."""
    wanted = {worker_id for worker_id in worker_ids if is_ours(worker_id)}
    if not wanted:
        return set()
    if _uses_postgres():
        held = _held_keys()
        return {worker_id for worker_id in wanted if _lock_key(worker_id) in held}
    return {worker_id for worker_id in wanted if _file_held(_directory() / f"{worker_id}.lock")}


def any_alive() -> bool:
    """Whether any worker of this installation is alive now."""
    if _uses_postgres():
        return bool(_held_keys())
    return any(_file_held(path) for path in _directory().glob(f"{PREFIX}*.lock"))


def _held_keys() -> set[int]:
    with connections[DATABASE].cursor() as cursor:
        cursor.execute(
            "SELECT objid::bigint FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = %s AND objsubid = 2"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            [NAMESPACE],
        )
        return {int(row[0]) for row in cursor.fetchall()}


def _file_held(path: Path) -> bool:
    """Whether a worker holds the lock file; a file left by a dead one is removed on the way."""
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(descriptor)  # also releases the lock if we took it
    path.unlink(missing_ok=True)
    return False
