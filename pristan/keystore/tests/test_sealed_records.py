"""Records in the database: identifying values sealed, keys in their own store, rotation online."""

import base64
import os
import subprocess
import sys
import textwrap
import tomllib
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pristan.cases.services import note_add
from pristan.core import crypto
from pristan.core.sealed import Sealed
from pristan.keystore import services
from pristan.keystore.models import DataKey
from pristan.people.models import IdentityDocument, Person
from pristan.people.services import document_add, person_update

ROOT = Path(__file__).resolve().parents[3]


def _raw(table: str, column: str, pk: int) -> bytes:
    with connections["default"].cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608 - fixed names
        return bytes(cursor.fetchone()[0])


def test_identifying_values_are_stored_sealed_and_read_back_as_written(open_case, ana):
    case = open_case("Јована", "Ћирић", date_of_birth=date(1999, 4, 2))
    person = case.person
    document_add(actor=ana, case=case, data={"kind": "passport", "number": "AB1234567"})
    note_add(actor=ana, case=case, text="Јована called from Ниш.")
    for column, plain in (
        ("given_name", "Јована"),
        ("family_name", "Ћирић"),
        ("name_latin", "Jovana"),
        ("date_of_birth", "1999"),
    ):
        raw = _raw("people_person", column, person.pk)
        assert raw[0] == crypto.VERSION
        assert crypto.blob_key_id(raw) == person.key_id
        assert plain.encode() not in raw
    assert b"AB1234567" not in _raw("people_identitydocument", "number", IdentityDocument.objects.get().pk)
    assert "Ниш".encode() not in _raw("cases_casenote", "text", case.notes.get().pk)

    fresh = Person.objects.get(pk=person.pk)
    assert (fresh.given_name, fresh.family_name, fresh.name_latin) == ("Јована", "Ћирић", "Jovana Ćirić")
    assert str(fresh.date_of_birth) == "1999-04-02"
    assert case.notes.get().text == "Јована called from Ниш."
    assert isinstance(Person.objects.values_list("given_name", flat=True).get(pk=person.pk), Sealed)
    with pytest.raises(TypeError, match="sealed"):
        Person.objects.filter(given_name="Јована").exists()


def test_a_sealed_value_moved_to_another_column_does_not_open(open_case):
    person = open_case("Ivan", "Petrov").person
    with connections["default"].cursor() as cursor:
        cursor.execute("UPDATE people_person SET family_name = given_name WHERE id = %s", [person.pk])
    with pytest.raises(crypto.SealError):
        _ = Person.objects.get(pk=person.pk).family_name


def test_a_value_read_and_not_changed_is_written_back_as_it_was(open_case, ana):
    person = open_case("Ivan", "Petrov").person
    before = _raw("people_person", "given_name", person.pk)
    person_update(actor=ana, case=person.cases.get(), data={"phone": "+359 88 123 4567"})
    assert _raw("people_person", "given_name", person.pk) == before
    assert Person.objects.get(pk=person.pk).phone == "+359 88 123 4567"


def test_the_keys_live_in_their_own_database(open_case):
    person = open_case("Ivan", "Petrov").person
    assert DataKey.objects.db == "keys"
    assert DataKey.objects.filter(id=person.key_id).exists()
    with connections["default"].cursor() as cursor:
        tables = connections["default"].introspection.table_names(cursor)
    assert "keystore_datakey" not in tables


def test_a_destroyed_key_leaves_nothing_readable(open_case, ana):
    case = open_case("Ivan", "Petrov", date_of_birth=date(1990, 1, 1))
    note_add(actor=ana, case=case, text="Lives with his aunt in Varna.")
    assert services.destroy_data_key(case.person.key_id)
    person = Person.objects.get(pk=case.person.pk)
    assert (person.given_name, person.family_name, person.date_of_birth) == ("", "", None)
    assert case.notes.get().text == ""
    assert not services.destroy_data_key(case.person.key_id)


def test_a_list_page_unwraps_its_keys_in_one_query(open_case, ana, client_of, settings):
    settings.PRISTAN_CASES_PER_PAGE = 5
    for index in range(7):
        open_case(given_name=f"Person{index}")
    client = client_of(ana)
    with CaptureQueriesContext(connections["keys"]) as key_queries:
        response = client.post(reverse("case_list"), {"page": 1})
    assert response.status_code == 200
    assert len(key_queries) == 1
    with CaptureQueriesContext(connections["keys"]) as key_queries:
        client.get(reverse("my_cases"))
    assert len(key_queries) <= 1


def _master_keys(*ids: str) -> str:
    return ",".join(f"{key_id}:{base64.b64encode(key_id.encode().ljust(32, b'.')).decode()}" for key_id in ids)


def test_rotation_rewraps_every_key_and_reading_goes_on_throughout(open_case, settings):
    index_key = base64.b64encode(b"i" * 32).decode()
    settings.PRISTAN_MASTER_KEYS, settings.PRISTAN_INDEX_KEY = _master_keys("old"), index_key
    people = [open_case(f"Person{n}").person for n in range(5)]
    settings.PRISTAN_MASTER_KEYS = _master_keys("new", "old")  # the new key first: it wraps from now on
    newcomer = open_case("Newcomer").person
    assert services.key_counts().by_master == {"old": 5, "new": 1}
    assert services.rotate(batch=2) == 5
    assert services.key_counts().by_master == {"new": 6}
    settings.PRISTAN_MASTER_KEYS = _master_keys("new")  # the old key is retired
    assert [Person.objects.get(pk=p.pk).given_name for p in [*people, newcomer]] == [
        *(f"Person{n}" for n in range(5)),
        "Newcomer",
    ]
    assert services.rotate() == 0


def test_the_keys_command(tmp_path, settings, open_case):
    settings.PRISTAN_KEY_FILE = str(tmp_path / "keyring.toml")
    settings.PRISTAN_KEY_FILE_AUTOCREATE = False
    call_command("keys", "init")
    person = open_case("Ivan").person
    call_command("keys", "add-master", "k2")
    out = _call("keys", "status")
    assert "Active master key: k2" in out
    assert "k1: 1 data key\n" in out
    with pytest.raises(Exception, match="rotate"):
        call_command("keys", "retire", "k1")
    assert "Re-wrapped 1" in _call("keys", "rotate")
    call_command("keys", "retire", "k1")
    assert Person.objects.get(pk=person.pk).given_name == "Ivan"
    # Parsed, not searched as text: a random base64 key may itself contain "k1".
    key_file = tomllib.loads((tmp_path / "keyring.toml").read_text())
    assert (key_file["active"], set(key_file["master"])) == ("k2", {"k2"})


def _call(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_without_a_key_file_production_refuses_to_start(tmp_path, settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.PRISTAN_KEY_FILE = str(tmp_path / "missing.toml")
    settings.PRISTAN_KEY_FILE_AUTOCREATE = False
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        services.keyring()


BACKUP_SCRIPT = textwrap.dedent(
    """
    import shutil, sys
    import django
    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connections
    from pristan.core.models import Office, Organisation, Role
    from pristan.core.services import membership_grant
    from pristan.keystore.services import destroy_data_key, key_scope
    from pristan.people.models import Person
    from pristan.people.services import person_register

    step, var = sys.argv[1], sys.argv[2]
    if step == "register":
        office = Office.objects.create(organisation=Organisation.objects.create(name="Test"), code="SOF", name="Sofia")
        user = User.objects.create_user("ana")
        membership_grant(actor=None, user=user, office=office, role=Role.CASEWORKER)
        person_register(actor=user, office=office, data={"given_name": "Светлозара", "family_name": "Zwicklbauer"})
        for connection in connections.all():
            connection.close()
        shutil.copy(f"{var}/pristan.sqlite3", f"{var}/backup.sqlite3")  # last night's backup of the case database
    elif step == "erase":
        destroy_data_key(Person.objects.get().key_id)
    elif step == "read":
        with key_scope():
            person = Person.objects.get()
            print(repr((person.given_name, person.family_name)))
    """
)


@pytest.mark.django_db(transaction=False)
def test_erasure_reaches_a_backup_of_the_case_database(tmp_path):
    """End to end, on files: the database files never hold the name; a backup taken before the
    erasure, restored after it, holds the person's values but they no longer open."""
    env = {**os.environ, "PRISTAN_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "pristan.settings"}
    for name in ("PRISTAN_MASTER_KEYS", "PRISTAN_INDEX_KEY", "PRISTAN_KEY_FILE", "DATABASE_URL", "PRISTAN_KEYS_DATABASE_URL"):
        env.pop(name, None)
    script = tmp_path / "script.py"
    script.write_text(BACKUP_SCRIPT)

    def run(*args: str) -> str:
        result = subprocess.run([sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
        assert result.returncode == 0, result.stderr
        return result.stdout

    run("-m", "pristan.cli", "migrate", "--database", "keys", "-v0")
    run("-m", "pristan.cli", "migrate", "-v0")
    run(str(script), "register", str(tmp_path))
    for database in tmp_path.glob("*.sqlite3*"):
        content = database.read_bytes()
        for name in ("Светлозара", "Zwicklbauer", "Svetlozara"):
            assert name.encode() not in content, f"{name} readable in {database.name}"
    assert run(str(script), "read", str(tmp_path)).strip() == "('Светлозара', 'Zwicklbauer')"
    run(str(script), "erase", str(tmp_path))
    (tmp_path / "backup.sqlite3").replace(tmp_path / "pristan.sqlite3")  # the backup restored
    for leftover in tmp_path.glob("pristan.sqlite3-*"):
        leftover.unlink()
    assert run(str(script), "read", str(tmp_path)).strip() == "('', '')"


def test_the_system_check_stops_a_server_without_keys(tmp_path, settings):
    from pristan.keystore.apps import keyring_check

    assert keyring_check() == []
    settings.PRISTAN_KEY_FILE = str(tmp_path / "missing.toml")
    settings.PRISTAN_KEY_FILE_AUTOCREATE = False
    assert [message.id for message in keyring_check()] == ["pristan.E001"]
