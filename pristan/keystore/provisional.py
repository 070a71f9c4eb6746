"""Destroying the data keys of runs that died: provisional keys that nothing references.

The key store is a database of its own, so a key is committed there before the rows sealed with it
are committed in the case database (the other order would leave sealed rows without their key). A
key made for a write is provisional until that write commits (keystore.services.confirm_on_commit);
a run killed in between (an import killed -9, a registration rolled back) leaves provisional keys
that nothing uses. `keys_sweep`, run by `pristan retention`, destroys those older than
PROVISIONAL_FOR, after looking for every reference to them, found by reflection rather than by a
hand-kept list, so that a new model cannot be forgotten:

- every key-id field of every model (a UUIDField named ``key_id`` or ``..._key_id``);
- every sealed column of every model (the key id is in each sealed value's header: crypto.seal);
- every sealed file on the shared storage (its header names its key: core/sealed_file.py).

A provisional key found referenced is confirmed, never destroyed. What the sweep cannot see is a
transaction not committed yet: the keys made since the oldest job of the queue still running
started are left for the next sweep, and PROVISIONAL_FOR is longer than any request or command
should take. The cheap references are looked up first; the sealed columns are read (one pass over
each table with sealed columns) only for keys no key-id field or file names, which is to say only
after a run died.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Min
from django.db.models.expressions import Func
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from pristan.core import crypto
from pristan.core.sealed import _SealedField
from pristan.core.sealed_file import sealed_key_id
from pristan.keystore.models import DataKey
from pristan.keystore.router import APP_LABEL
from pristan.keystore.services import keys_confirm

PROVISIONAL_FOR = timedelta(days=2)  # longer than any request, import or export should ever take
CANDIDATES_AT_ONCE = 100_000  # keys looked for in one pass over the sealed columns (16 bytes each)
_IN_LIST = 1000
_UNSET: Any = object()


@dataclass(frozen=True)
class KeySweep:
    destroyed: int  # provisional keys nothing referenced: made by runs that did not finish
    confirmed: int  # provisional keys found in use (their confirmation was lost): kept for good


def key_id_fields() -> list[models.Field[Any, Any]]:
    """Every field of the case database that holds the id of a data key."""
    return [
        field
        for model in apps.get_models()
        if model._meta.app_label != APP_LABEL
        for field in model._meta.concrete_fields
        if isinstance(field, models.UUIDField) and (field.name == "key_id" or field.name.endswith("_key_id"))
    ]


def sealed_columns() -> list[tuple[type[models.Model], tuple[str, ...]]]:
    """Every model with sealed columns and those columns (each value names the key it is sealed with)."""
    found = []
    for model in apps.get_models():
        columns = tuple(field.name for field in model._meta.concrete_fields if isinstance(field, _SealedField))
        if columns:
            found.append((model, columns))
    return found


def sealed_files() -> Iterator[Path]:
    """Every sealed file on the shared storage (core/shared.py: one directory per kind)."""
    root = Path(settings.PRISTAN_SHARED_DIR or settings.VAR_DIR)
    return root.glob("*/*.sealed")


class _KeyIdOf(Func):
    """The 16 bytes of a sealed value's header that are its key's id (crypto.seal)."""

    output_field = models.BinaryField()

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> Any:  # type: ignore[override]
        template = (
            "substring(%(expressions)s from 2 for 16)" if connection.vendor == "postgresql" else "substr(%(expressions)s, 2, 16)"
        )
        return super().as_sql(compiler, connection, template=template, **extra)


def oldest_running_job() -> datetime | None:
    """When the oldest job of the queue still running started (its writes are not committed yet)."""
    found: datetime | None = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).aggregate(Min("started_at"))[
        "started_at__min"
    ]
    return found


def keys_sweep(*, now: datetime | None = None, dry_run: bool = False, running_since: Any = _UNSET) -> KeySweep:
    """Destroy the provisional keys older than PROVISIONAL_FOR that nothing references; confirm those
    something does. ``running_since`` (default: `oldest_running_job()`) keeps the keys made since then."""
    now = now or timezone.now()
    since = oldest_running_job() if running_since is _UNSET else running_since
    cutoff = now - PROVISIONAL_FOR if since is None else min(now - PROVISIONAL_FOR, since)
    candidates = DataKey.objects.filter(provisional=True, created_at__lt=cutoff).order_by("id").values_list("id", flat=True)
    destroyed = confirmed = 0
    after: UUID | None = None
    while True:
        page = candidates if after is None else candidates.filter(id__gt=after)
        chunk = list(page[:CANDIDATES_AT_ONCE])
        if not chunk:
            return KeySweep(destroyed=destroyed, confirmed=confirmed)
        after = chunk[-1]
        referenced = _referenced(set(chunk))
        unused = [key_id for key_id in chunk if key_id not in referenced]
        confirmed += len(referenced)
        destroyed += len(unused)
        if not dry_run:
            keys_confirm(referenced)
            for start in range(0, len(unused), _IN_LIST):
                # Conditional: a key confirmed since it was read (its write committed) is kept.
                DataKey.objects.filter(id__in=unused[start : start + _IN_LIST], provisional=True).delete()


def _referenced(candidates: set[UUID]) -> set[UUID]:
    """Which of ``candidates`` a key-id field, a sealed file or a sealed value references."""
    found: set[UUID] = set()
    ids = sorted(candidates)
    for field in key_id_fields():
        manager = field.model._base_manager  # never a filtered manager: a row it hid would lose its key
        for start in range(0, len(ids), _IN_LIST):
            found.update(
                manager.filter(**{f"{field.name}__in": ids[start : start + _IN_LIST]}).values_list(field.name, flat=True)
            )
    for path in sealed_files():
        try:
            key_id = sealed_key_id(path)
        except (OSError, crypto.SealError):
            continue
        if key_id in candidates:
            found.add(key_id)
    wanted = {key_id.bytes for key_id in candidates - found}
    if wanted:
        for model, columns in sealed_columns():
            headers = {f"_key_of_{name}": _KeyIdOf(name) for name in columns}
            rows = model._base_manager.annotate(**headers).values_list(*headers).iterator(chunk_size=5000)
            for row in rows:
                for header in row:
                    if header and bytes(header) in wanted:
                        found.add(UUID(bytes=bytes(header)))
    return found
