"""Back up the case database and, apart, the key store; restore them into empty databases.

    backup_create(output=DIR)                      -> the manifest written to DIR
    backup_restore(source=DIR, keys_source=DIR2)   -> what was restored, and what is left to do

The case database's part is the database as it is: its identifying values are sealed under data
keys it does not hold. The key store's part is sealed chunk by chunk under the backup key
(core/sealed_file.py) as it is made, so it never rests on a disk in clear. Keep it for days: it is
what would bring back the data key of a person erased since (see README, "Backups and restore").

A restore checks everything before it writes anything: the manifests' signatures, every part's
size and SHA-256, that the backup key opens the key store's part (all of it), that this Pristan
knows every migration the backup had, that the engines match, and that both databases are empty.
"""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS
from django.db.migrations.loader import MigrationLoader
from django.utils.translation import gettext as _

from pristan.backups import engines
from pristan.backups.errors import BackupError
from pristan.backups.keys import BackupKey
from pristan.backups.manifest import Manifest, Part, file_digest, manifest_read, manifest_write, part_verify
from pristan.core.crypto import SealError
from pristan.core.sealed_file import CHUNK, SealedWriter, open_sealed, sealed_key_id
from pristan.keystore.router import KEYS_DB

CASES_DB = DEFAULT_DB_ALIAS


def pristan_version() -> str:
    try:
        return version("pristan")
    except PackageNotFoundError:
        return "unknown"


def _aad(backup_id: str) -> bytes:
    """Binds the sealed key-store part to its backup: moved under another manifest, it does not open."""
    return f"pristan.backups.keys:{backup_id}".encode()


def _private_file(path: Path) -> None:
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _dump_cases(directory: Path) -> Part:
    engine = engines.engine_of(CASES_DB)
    path = directory / ("cases.sqlite3" if engine == engines.SQLITE else "cases.pgdump")
    _private_file(path)
    if engine == engines.SQLITE:
        engines.sqlite_snapshot_to_file(CASES_DB, path)
        tool = f"sqlite {engines.server_version(CASES_DB)}"
    else:
        tool = engines.pg_dump_to_file(CASES_DB, path).label
    size, sha256 = file_digest(path)
    return Part(
        file=path.name, engine=engine, server_version=engines.server_version(CASES_DB), tool=tool,
        migrations=engines.applied_migrations(CASES_DB), size=size, sha256=sha256,
    )  # fmt: skip


def _dump_keys(directory: Path, key: BackupKey, backup_id: str) -> Part:
    engine = engines.engine_of(KEYS_DB)
    path = directory / ("keys.sqlite3.sealed" if engine == engines.SQLITE else "keys.pgdump.sealed")
    _private_file(path)
    with path.open("wb") as target:
        writer = SealedWriter(target, key.id, key.key, _aad(backup_id), chunk=CHUNK)
        if engine == engines.SQLITE:
            writer.write(engines.sqlite_snapshot_bytes(KEYS_DB))
            tool = f"sqlite {engines.server_version(KEYS_DB)}"
        else:
            tool = engines.pg_dump_to(KEYS_DB, writer.write).label
        writer.close()
    size, sha256 = file_digest(path)
    return Part(
        file=path.name, engine=engine, server_version=engines.server_version(KEYS_DB), tool=tool,
        migrations=engines.applied_migrations(KEYS_DB), size=size, sha256=sha256, sealed_with=str(key.id),
    )  # fmt: skip


def backup_create(*, output: Path, key: BackupKey) -> Manifest:
    """Write a backup into `output` (a new or empty directory): the case database, the key store
    sealed under `key`, and the manifest, last."""
    if output.exists() and (not output.is_dir() or any(output.iterdir())):
        raise BackupError(_("%(directory)s is not an empty directory: give a new one for each backup.") % {"directory": output})
    for alias in (CASES_DB, KEYS_DB):
        engines.engine_of(alias)
    output.mkdir(mode=0o700, parents=True, exist_ok=True)
    backup_id = str(uuid.uuid4())
    created_at = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        # The case database first, then the key store: a person registered in between has a key
        # in the key store's copy (a key without a person is harmless), never a person without one.
        cases = _dump_cases(output)
        keys = _dump_keys(output, key, backup_id)
        manifest = Manifest(backup_id=backup_id, created_at=created_at, pristan_version=pristan_version(), cases=cases, keys=keys)
        manifest_write(output, manifest)
    except BaseException:
        for leftover in output.iterdir():
            leftover.unlink()
        raise
    return manifest


# --- Restore ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Restored:
    cases_from: Manifest
    keys_from: Manifest
    persons_without_key: int  # erased after the case database's backup: their data does not open
    migrations_to_apply: int  # this Pristan is newer than the backup: run `pristan migrate`


def _sealed_chunks(path: Path, key: BackupKey, backup_id: str) -> Iterator[bytes]:
    with open_sealed(path, key.key, _aad(backup_id)) as plaintext:
        while chunk := plaintext.read(CHUNK):
            yield chunk


def _check_key(path: Path, part: Part, key: BackupKey, backup_id: str) -> None:
    """The backup key opens every chunk of the key store's part (read once, in memory, kept nowhere)."""
    names = {"file": path}
    try:
        if sealed_key_id(path) != key.id:
            raise BackupError(
                _(
                    "%(file)s was sealed under another backup key than the one given (%(given)s; it needs %(needed)s). "
                    "Give the backup key in use when it was made, with --backup-key-file or PRISTAN_BACKUP_KEY."
                )
                % {**names, "given": key.id, "needed": part.sealed_with}
            )
        for _chunk in _sealed_chunks(path, key, backup_id):
            pass
    except SealError:
        message = _("The backup key does not open %(file)s: it is another key, or the file was altered.")
        raise BackupError(message % names) from None


def _check_migrations(manifest: Manifest, part: Part, *, keys: bool) -> int:
    """How many of this Pristan's migrations the part lacks; refuses a backup from a newer Pristan."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    applied = {(app, name) for app, names in part.migrations.items() for name in names}
    unknown = sorted(applied - set(loader.disk_migrations))
    if unknown:
        names = {"version": manifest.pristan_version, "migration": ".".join(unknown[0])}
        if keys:
            message = _(
                "The key store in this backup was made by Pristan %(version)s, which had migrations this Pristan "
                "does not know (%(migration)s): restore it with a Pristan at least as new."
            )
        else:
            message = _(
                "The case database in this backup was made by Pristan %(version)s, which had migrations this Pristan "
                "does not know (%(migration)s): restore it with a Pristan at least as new."
            )
        raise BackupError(message % names)
    return len(set(loader.graph.nodes) - applied)


def _check_target(alias: str, part: Part) -> None:
    engine = engines.engine_of(alias)
    names = {"name": engines.database_name(alias), "backup": part.engine, "target": engine}
    keys = alias == KEYS_DB
    if part.engine != engine:
        if keys:
            message = _(
                "The key store in this backup is a %(backup)s database; Pristan's settings name a %(target)s one (%(name)s)."
            )
        else:
            message = _(
                "The case database in this backup is a %(backup)s database; Pristan's settings name a %(target)s one (%(name)s)."
            )
        raise BackupError(message % names)
    tables = engines.table_count(alias)
    if tables:
        if keys:
            message = _(
                "The key store %(name)s is not empty (it holds %(count)d tables): Pristan restores only into an empty "
                "database. Create a new one, or drop this one and create it again."
            )
        else:
            message = _(
                "The case database %(name)s is not empty (it holds %(count)d tables): Pristan restores only into an empty "
                "database. Create a new one, or drop this one and create it again."
            )
        raise BackupError(message % {**names, "count": tables})


def _persons_without_key() -> int:
    from pristan.keystore.models import DataKey
    from pristan.people.models import Person

    missing = 0
    key_ids = Person.objects.filter(erased_at__isnull=True, key_id__isnull=False).values_list("key_id", flat=True)
    batch: list[uuid.UUID] = []
    for key_id in key_ids.iterator(chunk_size=1000):
        if key_id is not None:
            batch.append(key_id)
        if len(batch) == 1000:
            missing += len(batch) - DataKey.objects.filter(id__in=batch).count()
            batch = []
    if batch:
        missing += len(batch) - DataKey.objects.filter(id__in=batch).count()
    return missing


def _witness_restored_head() -> None:
    """Record, in the audit chain's witnesses, the head just restored: the witness file is not part of
    the backup and runs ahead of it, and so may the key store's witnesses, dumped after the case
    database (pristan.core.audit_witness, "Restore")."""
    from pristan.core.audit_witness import witness_restored
    from pristan.core.models import AuditChainHead, AuditEntry

    head = AuditChainHead.objects.using(CASES_DB).filter(pk=1).values_list("sequence", "hash").first()
    sequence, digest = head or (0, AuditEntry.GENESIS_HASH)
    witness_restored(sequence=sequence, digest=digest)


def backup_restore(*, source: Path, keys_source: Path | None = None, key: BackupKey) -> Restored:
    """Restore the case database from `source` and the key store from `keys_source` (default: the
    same backup) into the empty databases Pristan's settings name. Nothing is written unless every
    check passes."""
    keys_source = keys_source or source
    cases_manifest = manifest_read(source)
    keys_manifest = cases_manifest if keys_source == source else manifest_read(keys_source)
    cases_file = part_verify(source, cases_manifest.cases)
    keys_file = part_verify(keys_source, keys_manifest.keys)
    _check_key(keys_file, keys_manifest.keys, key, keys_manifest.backup_id)
    case_migrations = _check_migrations(cases_manifest, cases_manifest.cases, keys=False)
    key_migrations = _check_migrations(keys_manifest, keys_manifest.keys, keys=True)
    _check_target(CASES_DB, cases_manifest.cases)
    _check_target(KEYS_DB, keys_manifest.keys)

    # The key store first: should the case database then fail, the keys alone open nothing.
    if keys_manifest.keys.engine == engines.SQLITE:
        buffer = io.BytesIO()
        for chunk in _sealed_chunks(keys_file, key, keys_manifest.backup_id):
            buffer.write(chunk)
        engines.sqlite_restore_from_bytes(KEYS_DB, buffer.getvalue())
    else:
        chunks = _sealed_chunks(keys_file, key, keys_manifest.backup_id)
        engines.pg_restore_from(KEYS_DB, chunks, dumped_by=keys_manifest.keys.tool)
    if cases_manifest.cases.engine == engines.SQLITE:
        engines.sqlite_restore_from_file(CASES_DB, cases_file)
    else:
        engines.pg_restore_from_file(CASES_DB, cases_file, dumped_by=cases_manifest.cases.tool)
    ContentType.objects.clear_cache()  # ids are the backup's
    _witness_restored_head()
    return Restored(
        cases_from=cases_manifest, keys_from=keys_manifest, persons_without_key=_persons_without_key(),
        migrations_to_apply=case_migrations + key_migrations,
    )  # fmt: skip
