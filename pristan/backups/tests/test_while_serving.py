"""A backup taken while another process writes is one consistent moment: end to end, through the
`pristan` command, on files (SQLite) or on new databases of the test server (PostgreSQL)."""

import os
import select
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from pristan.backups.tests.conftest import BACKUP_KEY

ROOT = Path(__file__).resolve().parents[3]

WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    import django

    django.setup()
    from django.contrib.auth.models import User
    from pristan.core.models import Office, Organisation, Role
    from pristan.core.services import membership_grant
    from pristan.keystore.services import key_scope
    from pristan.people.services import person_register

    office = Office.objects.create(organisation=Organisation.objects.create(name="Test"), code="SOF", name="Sofia")
    user = User.objects.create_user("ana")
    membership_grant(actor=None, user=user, office=office, role=Role.CASEWORKER)
    stop, count = Path(sys.argv[1]), 0
    while not stop.exists():
        with key_scope():
            person_register(actor=user, office=office, data={"given_name": f"Иван{count}", "family_name": "Петров"})
        count += 1
        print(count, flush=True)
    """
)

CHECK = textwrap.dedent(
    """
    import django

    django.setup()
    from pristan.keystore.models import DataKey
    from pristan.keystore.services import key_scope
    from pristan.people.models import Person

    with key_scope():
        persons = list(Person.objects.order_by("pk"))
        opened = [person.given_name for person in persons]
    assert opened == [f"Иван{n}" for n in range(len(persons))], opened
    print(len(persons), DataKey.objects.count())
    """
)


def _postgres_url(name: str) -> str:
    base = os.environ["DATABASE_URL"]
    return base.rsplit("/", 1)[0] + "/" + name


@pytest.fixture
def installations(tmp_path: Path) -> Iterator[tuple[dict[str, str], dict[str, str]]]:
    """Two installations sharing the keys and the secret key: the one that serves, and a new server."""
    common = {**os.environ, "DJANGO_SETTINGS_MODULE": "pristan.settings", "PRISTAN_BACKUP_KEY": BACKUP_KEY}
    common["PRISTAN_KEY_FILE"] = str(tmp_path / "keyring.toml")
    common["PRISTAN_SECRET_KEY"] = "a-secret-key-for-this-test-only"
    for name in ("PRISTAN_MASTER_KEYS", "PRISTAN_INDEX_KEY", "PRISTAN_KEYS_DATABASE_URL", "PRISTAN_BACKUP_KEY_FILE"):
        common.pop(name, None)
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        common.pop("DATABASE_URL", None)
        envs = [{**common, "PRISTAN_VAR_DIR": str(tmp_path / where)} for where in ("serving", "new")]
        for env in envs:
            Path(env["PRISTAN_VAR_DIR"]).mkdir()
        yield envs[0], envs[1]
        return
    suffix = uuid.uuid4().hex[:8]
    names = [f"backup_{where}_{suffix}{keys}" for where in ("serving", "new") for keys in ("", "_keys")]
    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as server:
        for name in names:
            server.execute(f'CREATE DATABASE "{name}"')
    try:
        yield tuple(  # type: ignore[misc]
            {
                **common,
                "DATABASE_URL": _postgres_url(names[i]),
                "PRISTAN_KEYS_DATABASE_URL": _postgres_url(names[i + 1]),
                "PRISTAN_AUDIT_WITNESS_FILE": str(tmp_path / f"audit-witness-{i}.log"),  # not the shared var/'s
            }
            for i in (0, 2)
        )
    finally:
        with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as server:
            for name in names:
                server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _pristan(env: dict[str, str], *args: str) -> str:
    result = subprocess.run([sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
    assert result.returncode == 0, result.stderr
    return result.stdout


def _written(process: subprocess.Popen[bytes], at_least: int, seen: list[int]) -> int:
    """Wait until the writer has registered `at_least` persons; return how many it has."""
    assert process.stdout is not None
    buffer = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _w, _x = select.select([process.stdout], [], [], 1)
        if ready:
            buffer += os.read(process.stdout.fileno(), 4096)
            *lines, buffer = buffer.split(b"\n")
            seen.extend(int(line) for line in lines if line)
            if seen and seen[-1] >= at_least:
                return seen[-1]
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
    pytest.fail(f"the writer registered only {seen[-1] if seen else 0} persons")


@pytest.mark.django_db(transaction=False)
def test_a_backup_taken_while_another_process_writes_is_one_consistent_moment(installations, tmp_path):
    serving, new = installations
    _pristan(serving, "-m", "pristan.cli", "migrate", "--database", "keys", "-v0")
    _pristan(serving, "-m", "pristan.cli", "migrate", "-v0")
    (tmp_path / "writer.py").write_text(WRITER)
    (tmp_path / "check.py").write_text(CHECK)
    stop, seen = tmp_path / "stop", list[int]()
    writer = subprocess.Popen(  # noqa: S603
        [sys.executable, str(tmp_path / "writer.py"), str(stop)], env=serving, cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        _written(writer, 20, seen)
        _pristan(serving, "-m", "pristan.cli", "backup", "--output", str(tmp_path / "backup"))
        assert writer.poll() is None  # it was writing all along
        after_backup = _written(writer, seen[-1] + 5, seen)
    finally:
        stop.touch()
        writer.wait(60)
    assert writer.returncode == 0

    output = _pristan(new, "-m", "pristan.cli", "restore", str(tmp_path / "backup"))
    assert "no data key" not in output
    _pristan(new, "-m", "pristan.cli", "audit", "verify")
    persons, keys = map(int, _pristan(new, str(tmp_path / "check.py")).split())
    # One moment: every person there has their key, and names open in the order they were registered
    # (checked by the script); the keys taken a moment later may hold a few more.
    assert 20 <= persons < after_backup
    assert persons <= keys <= persons + (after_backup - 20)
