"""The drill and the refusals, in the test databases: back up, wipe, restore, verify."""

import io
import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from conftest import authenticator_of, current_code
from pristan.accounts.models import Authenticator
from pristan.backups import engines
from pristan.backups.errors import BackupError
from pristan.backups.tests.conftest import OTHER_BACKUP_KEY
from pristan.cases.models import Case
from pristan.cases.selectors import CaseFilters, case_search
from pristan.erasure.services import person_erase
from pristan.keystore.models import DataKey
from pristan.keystore.router import KEYS_DB
from pristan.keystore.services import key_scope
from pristan.people.models import Person

pytestmark = pytest.mark.django_db(transaction=True)


def restore(*args: str) -> str:
    out = io.StringIO()
    call_command("restore", *args, stdout=out)
    return out.getvalue()


def names_of(*persons: Person) -> list[tuple[str, str]]:
    with key_scope():
        return [(p.given_name, p.family_name) for p in Person.objects.filter(pk__in=[p.pk for p in persons]).order_by("pk")]


def audit_verified() -> str:
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)  # raises CommandError when the trail is broken
    return out.getvalue()


def test_the_drill(open_case, boris, backup, wipe_both):
    """Register persons through the services, back up, wipe both databases, restore: the audit trail
    verifies, the sealed names read back, and the name search finds them."""
    ivan = open_case().person
    marija = open_case(given_name="Марија", family_name="Трајковска").person
    before = audit_verified()
    cases = list(Case.objects.order_by("pk").values_list("pk", "reference"))
    directory = backup()

    wipe_both()
    assert Person.objects.using("default").db != KEYS_DB  # the router still sends persons to the case database
    assert engines.table_count("default") == engines.table_count(KEYS_DB) == 0
    output = restore(str(directory))

    assert "Case database restored" in output
    assert "no data key" not in output
    assert audit_verified() == before
    assert names_of(ivan, marija) == [("Иван", "Петров"), ("Марија", "Трајковска")]
    assert list(Case.objects.order_by("pk").values_list("pk", "reference")) == cases
    found = case_search(user=boris, filters=CaseFilters(query="Ivan Petrov"))  # the blind index came back too
    assert [case.person_id for case in found] == [ivan.pk]


def test_the_key_store_part_is_sealed_and_the_manifest_describes_both_parts(open_case, backup):
    person = open_case().person
    directory = backup()
    manifest = json.loads((directory / "manifest.json").read_text())
    cases, keys = manifest["cases"], manifest["keys"]
    assert {cases["file"], keys["file"], "manifest.json"} == {p.name for p in directory.iterdir()}
    assert cases["engine"] == keys["engine"] == engines.engine_of("default")
    assert "0001_initial" in cases["migrations"]["people"]
    assert "0001_initial" in keys["migrations"]["keystore"]
    assert (directory / cases["file"]).stat().st_size == cases["size"]
    assert manifest["pristan_version"]
    assert manifest["created_at"]
    assert len(cases["sha256"]) == 64
    sealed = (directory / keys["file"]).read_bytes()
    assert sealed.startswith(b"PSF1")
    row = DataKey.objects.get(id=person.key_id)
    assert bytes(row.wrapped) not in sealed
    assert person.key_id.hex.encode() not in sealed


def test_restore_refuses_databases_that_are_not_empty(open_case, backup):
    open_case()
    directory = backup()
    persons = Person.objects.count()
    with pytest.raises(CommandError, match="is not empty") as refused:
        restore(str(directory))
    assert refused.value.returncode == 1
    assert Person.objects.count() == persons


def _flip_byte(path: Path, at: int) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        ("cases_byte", "SHA-256 of .*cases"),
        ("keys_byte", "SHA-256 of .*keys"),
        ("cases_cut", "cases.* holds .* bytes, but the manifest records"),
        ("manifest_size", "manifest.json was altered"),
        ("manifest_and_part", "manifest.json was altered"),
        ("keys_missing", "keys.* which the manifest lists, is missing"),
    ],
)
def test_restore_refuses_a_backup_that_was_altered(open_case, backup, tamper, message):
    """Checked before anything else, so the message is the tampering, not the databases in use."""
    open_case()
    directory = backup()
    manifest_path = directory / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    cases, keys = directory / manifest["cases"]["file"], directory / manifest["keys"]["file"]
    if tamper == "cases_byte":
        _flip_byte(cases, cases.stat().st_size // 2)
    elif tamper == "keys_byte":
        _flip_byte(keys, keys.stat().st_size - 5)
    elif tamper == "cases_cut":
        cases.write_bytes(cases.read_bytes()[:-4096])
    elif tamper == "manifest_size":
        manifest["cases"]["size"] += 1
        manifest_path.write_text(json.dumps(manifest))
    elif tamper == "manifest_and_part":  # the part altered and the manifest made to match it
        _flip_byte(cases, cases.stat().st_size // 2)
        import hashlib

        manifest["cases"]["sha256"] = hashlib.sha256(cases.read_bytes()).hexdigest()
        manifest_path.write_text(json.dumps(manifest))
    elif tamper == "keys_missing":
        keys.unlink()
    with pytest.raises(CommandError, match=message) as refused:
        restore(str(directory))
    assert refused.value.returncode == 1


def test_a_wrong_backup_key_is_refused_and_nothing_is_written(open_case, backup, wipe_both, settings, tmp_path):
    person = open_case().person
    directory = backup()
    wipe_both()
    settings.PRISTAN_BACKUP_KEY = OTHER_BACKUP_KEY
    with pytest.raises(CommandError, match="sealed under another backup key") as refused:
        restore(str(directory))
    assert refused.value.returncode == 1
    assert engines.table_count("default") == engines.table_count(KEYS_DB) == 0  # nothing written

    right = tmp_path / "last-month.key"  # the key in use when the backup was made, kept aside
    from pristan.backups.tests.conftest import BACKUP_KEY

    right.write_text(BACKUP_KEY)
    restore(str(directory), "--backup-key-file", str(right))
    assert names_of(person) == [("Иван", "Петров")]


def test_a_key_store_part_whose_chunks_do_not_open_is_refused(open_case, backup, tmp_path):
    """The right key id in the header, but a chunk altered and the manifest re-signed by someone with the
    secret key: the backup key's authentication still refuses it."""
    from pristan.backups.manifest import Manifest, Part, file_digest, manifest_read, manifest_write

    open_case()
    directory = backup()
    manifest = manifest_read(directory)
    keys = directory / manifest.keys.file
    _flip_byte(keys, keys.stat().st_size - 5)
    size, sha256 = file_digest(keys)
    forged = Part(**{**manifest.keys.__dict__, "size": size, "sha256": sha256})
    manifest_write(directory, Manifest(**{**manifest.__dict__, "keys": forged}))
    with pytest.raises(CommandError, match="backup key does not open"):
        restore(str(directory))


def test_an_erasure_is_not_undone_by_restoring_an_old_case_database(open_case, backup, wipe_both):
    """Backup A; erase Ivan; backup B. Restored with A's own key store, Ivan would come back: that is why
    key-store backups are kept briefly. Restored from A with the key store from B (A's has expired),
    his name does not open, and Marija's still does."""
    ivan = open_case().person
    marija = open_case(given_name="Марија", family_name="Трајковска").person
    old = backup("a")
    person_erase(actor=None, person=ivan, reason="The person asked.")
    assert not DataKey.objects.filter(id=ivan.key_id).exists()
    recent = backup("b")

    wipe_both()
    restore(str(old))
    assert names_of(ivan, marija) == [("Иван", "Петров"), ("Марија", "Трајковска")]  # the danger

    wipe_both()
    output = restore(str(old), "--keys-from", str(recent))
    assert names_of(ivan, marija) == [("", ""), ("Марија", "Трајковска")]
    assert "1 person has no data key" in output
    audit_verified()


def test_backup_refuses_a_directory_in_use_and_a_missing_backup_key(open_case, backup, settings, tmp_path):
    open_case()
    directory = backup()
    with pytest.raises(CommandError, match="not an empty directory"):
        call_command("backup", "--output", str(directory), stdout=io.StringIO())
    settings.PRISTAN_BACKUP_KEY = ""
    old_key_file, settings.PRISTAN_KEY_FILE = settings.PRISTAN_KEY_FILE, str(tmp_path / "from-before-backups.toml")
    key_file = Path(settings.PRISTAN_KEY_FILE)
    key_file.write_text("\n".join(line for line in Path(old_key_file).read_text().splitlines() if not line.startswith("backup")))
    with pytest.raises(CommandError, match="There is no backup key") as refused:
        call_command("backup", "--output", str(tmp_path / "new"), stdout=io.StringIO())
    assert refused.value.returncode == 1
    assert not (tmp_path / "new").exists()


def test_pg_tools_are_looked_for_where_the_settings_say(settings, tmp_path):
    settings.PRISTAN_PG_BIN = str(tmp_path)
    with pytest.raises(BackupError, match=r"No pg_dump of PostgreSQL 15 or newer was found\..*PRISTAN_PG_BIN"):
        engines.pg_tool("pg_dump", at_least=15)


def test_a_restored_database_still_accepts_the_authenticator(ana, backup, wipe_both):
    """The authenticator's secret is sealed in the case database under a key of the key store: the
    restore brings back both, and the code on the user's phone still signs them in."""
    device = authenticator_of(ana)
    secret = device.bin_key
    directory = backup()
    wipe_both()
    restore(str(directory))
    with key_scope():
        restored = Authenticator.objects.get(pk=device.pk)
        assert restored.bin_key == secret
        assert restored.verify_token(current_code(restored))


def test_restoring_an_older_backup_verifies_although_the_witness_file_ran_ahead(open_case, backup, wipe_both, settings):
    """The key store's witnesses come back with the backup; the witness file does not and runs ahead
    of the restored trail: the restore records the head it brought back, and verify compares the
    witnesses before it only up to that head."""
    from pristan.core.audit_witness import witness_file_path
    from pristan.core.models import AuditChainHead
    from pristan.keystore.models import AuditWitness

    settings.PRISTAN_AUDIT_WITNESS_INTERVAL = 0
    open_case()
    audit_verified()
    restored_head = AuditChainHead.objects.values_list("sequence", "hash").get()
    old = backup("old")
    open_case(given_name="Марија", family_name="Трајковска")
    audit_verified()
    newest = AuditChainHead.objects.get().sequence
    assert newest > restored_head[0]
    lines = witness_file_path().read_text().splitlines()
    assert lines[-1].split()[1:3] == ["head", str(newest)]

    wipe_both()
    restore(str(old))
    assert AuditChainHead.objects.values_list("sequence", "hash").get() == restored_head
    assert witness_file_path().read_text().splitlines()[-1].split()[1:] == ["restore", str(restored_head[0]), restored_head[1]]
    assert AuditWitness.objects.order_by("id").values_list("kind", "sequence").last() == ("restore", restored_head[0])
    assert "Audit trail intact" in audit_verified()

    # Without the restore's line, the file's witnesses of the entries the restore took back would fail it.
    path = witness_file_path()
    with_restore = path.read_text()
    path.write_text("".join(f"{line}\n" for line in lines))
    message = f"Entries after sequence {restored_head[0]} were removed: the witness file {path} recorded sequence {newest} at "
    with pytest.raises(CommandError, match=re.escape(message)):
        audit_verified()
    path.write_text(with_restore)

    open_case(given_name="Петар", family_name="Петровски")  # the trail goes on from the restored head
    assert "Audit trail intact" in audit_verified()
