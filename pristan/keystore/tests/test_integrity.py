"""The default profile makes a key file only for empty databases, and nothing serves with keys that
open nothing: a missing, garbage or foreign key file, or a lost key store, stops `pristan runserver`,
`pristan worker` and the WSGI application with a message that says what is missing.

Run for real, on database files in a directory of the test's own, in fresh interpreters."""

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from pristan.core import crypto
from pristan.keystore import integrity, services
from pristan.keystore.models import DataKey
from pristan.people.models import Person

ROOT = Path(__file__).resolve().parents[3]

REGISTER = """
import django
django.setup()
from django.contrib.auth.models import User
from pristan.core.models import Office, Organisation, Role
from pristan.core.services import membership_grant
from pristan.people.services import person_register

office = Office.objects.create(organisation=Organisation.objects.create(name="Test"), code="SOF", name="Sofia")
user = User.objects.create_user("ana")
membership_grant(actor=None, user=user, office=office, role=Role.CASEWORKER)
person_register(actor=user, office=office, data={"given_name": "Светлозара", "family_name": "Zwicklbauer"})
"""


class Installation:
    """A development installation (the default profile) in a directory: var/ with both SQLite databases."""

    def __init__(self, var: Path) -> None:
        self.var = var
        self.key_file = var / "keyring.toml"
        self.environ = {name: value for name, value in os.environ.items() if not name.startswith(("PRISTAN_", "DJANGO_"))}
        self.environ.pop("DATABASE_URL", None)
        self.environ |= {"DJANGO_SETTINGS_MODULE": "pristan.settings", "PRISTAN_VAR_DIR": str(var), "LANGUAGE": "en"}

    def run(self, *args: str, **environ: str) -> subprocess.CompletedProcess[str]:
        # The timeout is the guard: a server that does not refuse would serve until it is killed.
        return subprocess.run(  # noqa: S603 - this interpreter with fixed arguments
            [sys.executable, *args], env=self.environ | environ, capture_output=True, text=True, check=False, cwd=ROOT,
            timeout=120,
        )  # fmt: skip

    def pristan(self, *args: str, **environ: str) -> subprocess.CompletedProcess[str]:
        return self.run("-m", "pristan.cli", *args, **environ)

    def migrate(self) -> None:
        for args in (["migrate", "--database", "keys", "-v0"], ["migrate", "-v0"]):
            result = self.pristan(*args)
            assert result.returncode == 0, result.stderr

    def register_a_person(self) -> None:
        result = self.run("-c", REGISTER)
        assert result.returncode == 0, result.stderr

    def serving_refused(self, expected: str, **environ: str) -> str:
        """Start every way in and expect each to refuse with ``expected``; returns what runserver said."""
        with socket.socket() as probe:  # a free port, should runserver not refuse
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = self.pristan("runserver", "--noreload", f"127.0.0.1:{port}", **environ)
        worker = self.pristan("worker", "--batch", **environ)
        wsgi = self.run("-c", "import pristan.wsgi; print('serving')", **environ)
        for result in (server, worker, wsgi):
            assert result.returncode != 0, result.stdout
            assert "serving" not in result.stdout
            assert expected in result.stderr
        return server.stderr

    def serves(self) -> None:
        for result in (self.run("-c", "import pristan.wsgi; print('serving')"), self.pristan("worker", "--batch")):
            assert result.returncode == 0, result.stderr


@pytest.fixture(scope="session")
def _migrated_with_a_person(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrating both databases takes most of a minute here: done once, then copied for each test."""
    installation = Installation(tmp_path_factory.mktemp("template") / "var")
    installation.migrate()
    installation.register_a_person()
    return installation.var


@pytest.fixture
def with_a_person(_migrated_with_a_person: Path, tmp_path: Path) -> Installation:
    shutil.copytree(_migrated_with_a_person, tmp_path / "var")
    installation = Installation(tmp_path / "var")
    installation.serves()
    return installation


def test_fresh_empty_databases_get_a_key_file_and_serve(tmp_path):
    installation = Installation(tmp_path / "var")  # not even the directory exists yet
    installation.migrate()
    assert installation.key_file.exists()
    installation.serves()


def test_a_deleted_key_file_stops_it_and_no_new_one_is_made(with_a_person):
    with_a_person.key_file.unlink()
    said = with_a_person.serving_refused(f"The key file {with_a_person.key_file} is missing, and the databases already hold")
    assert str(with_a_person.var / "pristan.sqlite3") in said
    assert str(with_a_person.var / "keys.sqlite3") in said
    assert "Restore the key file from its backup" in said
    refused = with_a_person.pristan("keys", "init")  # nor by hand
    assert refused.returncode == 1
    assert "is missing, and the databases already hold sealed data" in refused.stderr
    assert not with_a_person.key_file.exists()  # not replaced by one that opens nothing


def test_a_garbage_key_file_stops_it(with_a_person):
    with_a_person.key_file.write_text("this is not a key file\n")
    with_a_person.serving_refused(f"The key file {with_a_person.key_file} is not valid TOML")


def test_another_valid_key_file_stops_it(with_a_person):
    other = with_a_person.var / "other-keyring.toml"
    assert crypto.new_keyring_file(other, "k1")
    said = with_a_person.serving_refused(f"The key file {other} does not open the key store", PRISTAN_KEY_FILE=str(other))
    assert "It is not the keyring this key store was made with" in said
    # What puts the keys right still runs with it.
    assert with_a_person.pristan("keys", "status", PRISTAN_KEY_FILE=str(other)).returncode == 0


def test_an_emptied_key_store_stops_it(with_a_person):
    with sqlite3.connect(with_a_person.var / "keys.sqlite3") as connection:
        connection.execute("DELETE FROM keystore_datakey")
    said = with_a_person.serving_refused("is empty, while the case database")
    assert "Restore the key store from its backup" in said
    assert with_a_person.pristan("migrate", "-v0").returncode == 0  # migrate still runs


def test_a_lost_key_store_file_stops_it(with_a_person):
    for part in with_a_person.var.glob("keys.sqlite3*"):
        part.unlink()
    assert with_a_person.pristan("migrate", "--database", "keys", "-v0").returncode == 0  # a new, empty one
    with_a_person.serving_refused("is empty, while the case database")


# --- The same rules, in this process, on the test database --------------------------------------------


def test_the_test_world_passes(open_case):
    open_case("Ivan")
    integrity.keystore_verify()
    assert integrity.databases_hold_sealed_data()


def test_empty_databases_hold_nothing(db):
    assert not integrity.databases_hold_sealed_data()
    integrity.keystore_verify()


def test_a_missing_key_file_beside_data_is_not_replaced(open_case, settings, tmp_path):
    open_case("Ivan")
    settings.PRISTAN_KEY_FILE = str(tmp_path / "keyring.toml")
    with pytest.raises(ImproperlyConfigured, match="is missing, and the databases already hold sealed data"):
        services.keyring()
    assert not (tmp_path / "keyring.toml").exists()


def test_a_key_store_older_than_the_newest_persons_still_serves(open_case):
    """After a restore, persons erased since the case database's backup have no key (restore reports them):
    that alone does not stop the server while the key store holds the keys of other recent persons."""
    kept = open_case("Kept").person
    gone = open_case("Erased since").person
    DataKey.objects.filter(id=gone.key_id).delete()
    integrity.keystore_verify()
    DataKey.objects.filter(id=kept.key_id).delete()
    services.create_data_key()  # the key store's newest key opens, but it is no person's
    with pytest.raises(ImproperlyConfigured, match="holds none of the data keys of the newest persons"):
        integrity.keystore_verify()
    assert Person.objects.count() == 2
