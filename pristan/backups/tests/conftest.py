"""Restoring needs empty databases: the tests wipe pytest-django's test databases for real (every
table dropped on SQLite; the database dropped and created again on PostgreSQL), then restore into
them. Should a test stop between the two, the databases are migrated again for the tests after it."""

import base64
import io
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connections

from pristan.backups import engines
from pristan.keystore.router import KEYS_DB

BACKUP_KEY = base64.b64encode(bytes(range(32))).decode()  # fixed: the tests must not depend on chance
OTHER_BACKUP_KEY = base64.b64encode(bytes(range(32, 64))).decode()


def wipe(alias: str) -> None:
    """Drop the database's content, as an operator who drops it and creates it again."""
    connection = connections[alias]
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        raw = connection.connection
        raw.execute("PRAGMA foreign_keys = OFF")
        for kind in ("trigger", "view", "table"):
            query = "SELECT name FROM sqlite_master WHERE type = ? AND name NOT LIKE 'sqlite%'"
            names = [row[0] for row in raw.execute(query, [kind])]
            for name in names:
                raw.execute(f'DROP {kind.upper()} "{name}"')
        raw.execute("PRAGMA foreign_keys = ON")
    else:
        name = connection.settings_dict["NAME"]
        connection.close()
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')
    assert engines.table_count(alias) == 0


@pytest.fixture
def wipe_both(transactional_db: None) -> Iterator[Callable[[], None]]:
    def both() -> None:
        wipe("default")
        wipe(KEYS_DB)

    yield both
    for alias in (KEYS_DB, "default"):
        if engines.table_count(alias) == 0:  # a test stopped before its restore
            call_command("migrate", database=alias, verbosity=0, stdout=io.StringIO())


@pytest.fixture
def backup_key_set(settings) -> str:
    settings.PRISTAN_BACKUP_KEY = BACKUP_KEY
    return BACKUP_KEY


@pytest.fixture
def backup(tmp_path: Path, backup_key_set: str) -> Callable[[str], Path]:
    """`pristan backup --output tmp_path/NAME`, as the operator runs it."""

    def make(name: str = "backup") -> Path:
        output = tmp_path / name
        call_command("backup", "--output", str(output), stdout=io.StringIO())
        return output

    return make
