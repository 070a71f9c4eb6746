"""No data key outlives a run that died: keys are provisional until what uses them is committed, and
`pristan retention` destroys the provisional ones that nothing references (never one in use)."""

from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from pristan.core.sealed_file import SealedWriter
from pristan.core.shared import shared_directory
from pristan.interchange import services
from pristan.interchange.tests.test_services import HEADER, ROWS, write
from pristan.keystore import provisional
from pristan.keystore.models import DataKey
from pristan.keystore.services import create_data_key, data_key, key_scope
from pristan.movements.models import Movement
from pristan.people.models import Person

pytestmark = pytest.mark.django_db(databases="__all__")

LATER = timedelta(hours=1) + provisional.PROVISIONAL_FOR


class Stop(Exception):
    """Raised from inside an import's write, after its keys are made: the run dies there."""


def _rows(count: int) -> list[list[str]]:
    return [
        [f"K-{number}", "Мария", "Иванова", "1999-03-04", "Feminine", "BG", "ForcedLabour", "TRUE", "Active"]
        for number in range(count)
    ]


def _die(done: int, total: int) -> None:
    raise Stop


def _aborted_import(tmp_path: Path, office: Any, actor: Any, count: int) -> None:
    table = write(tmp_path, _rows(count), header=HEADER)
    with pytest.raises(Stop):
        services.import_apply(actor=actor, office=office, table=table, source="cases.csv", progress=_die)


def test_an_import_killed_after_its_keys_are_made_leaves_none_after_the_sweep(tmp_path, sofia, ana, settings):
    settings.VAR_DIR = tmp_path
    before = DataKey.objects.count()
    _aborted_import(tmp_path, sofia, ana, 40)
    assert DataKey.objects.count() == before + 40  # made in the key store's database, committed there
    assert DataKey.objects.filter(provisional=True).count() == 40

    assert provisional.keys_sweep(dry_run=True) == provisional.KeySweep(destroyed=0, confirmed=0)  # not old enough yet
    assert provisional.keys_sweep(now=timezone.now() + LATER, dry_run=True) == provisional.KeySweep(destroyed=40, confirmed=0)
    assert DataKey.objects.count() == before + 40
    assert provisional.keys_sweep(now=timezone.now() + LATER) == provisional.KeySweep(destroyed=40, confirmed=0)
    assert DataKey.objects.count() == before


def test_pristan_retention_destroys_the_keys_of_an_import_that_died(tmp_path, sofia, ana, settings):
    settings.VAR_DIR = tmp_path
    before = DataKey.objects.count()
    _aborted_import(tmp_path, sofia, ana, 25)
    DataKey.objects.filter(provisional=True).update(created_at=timezone.now() - LATER)
    out = StringIO()
    call_command("retention", "--lang", "en", stdout=out)
    assert "Data keys: 25 made by runs that did not finish, destroyed; 0 in use, confirmed." in out.getvalue()
    assert DataKey.objects.count() == before


def test_the_keys_of_a_committed_import_are_confirmed(tmp_path, sofia, ana, django_capture_on_commit_callbacks):
    table = write(tmp_path, ROWS)
    with django_capture_on_commit_callbacks(execute=True):
        services.import_apply(actor=ana, office=sofia, table=table, source="cases.csv")
    keys = {key for key in Person.objects.values_list("key_id", flat=True) if key is not None}
    assert len(keys) == len(ROWS)
    assert not DataKey.objects.filter(id__in=keys, provisional=True).exists()
    assert provisional.keys_sweep(now=timezone.now() + LATER) == provisional.KeySweep(destroyed=0, confirmed=0)


def test_a_key_in_use_is_confirmed_never_destroyed(tmp_path, open_case, settings):
    """A key still provisional (its confirmation was lost: the process died between the commit and
    it) but referenced by a key_id field, by a sealed column alone, or by a sealed file's header."""
    settings.VAR_DIR = tmp_path
    case = open_case("Ана", "Петрова")  # committed without its on-commit confirmation (the test's transaction)
    by_field = case.person.key_id
    with key_scope():
        by_column = create_data_key()
        # a sealed value under a key that no key_id field names (as TOTP secrets or a group's notes could be)
        Person.objects.filter(pk=case.person.pk).update(
            family_name=Person._meta.get_field("family_name").seal(_Owner(by_column), "Петрова")
        )
        by_file = create_data_key()
        key = data_key(by_file)
        assert key is not None
        with (shared_directory("exports") / "some.sealed").open("wb") as target:
            SealedWriter(target, by_file, key, b"aad").write(b"x")
        unused = create_data_key()
    ids = [by_field, by_column, by_file, unused]
    assert DataKey.objects.filter(id__in=ids, provisional=True).count() == 4
    assert provisional.keys_sweep(now=timezone.now() + LATER) == provisional.KeySweep(destroyed=1, confirmed=3)
    assert set(DataKey.objects.filter(id__in=ids).values_list("id", "provisional")) == {
        (by_field, False), (by_column, False), (by_file, False)
    }  # fmt: skip


def test_a_key_made_by_a_run_still_going_is_left_alone(tmp_path, sofia, ana, settings):
    """An import running for longer than the threshold: its keys are referenced by rows not committed
    yet, which the sweep cannot see; the keys made since the oldest job still running are kept."""
    settings.VAR_DIR = tmp_path
    _aborted_import(tmp_path, sofia, ana, 5)
    started = timezone.now() - LATER - timedelta(hours=1)
    DataKey.objects.filter(provisional=True).update(created_at=started + timedelta(minutes=1))
    assert provisional.keys_sweep(running_since=started) == provisional.KeySweep(destroyed=0, confirmed=0)
    assert provisional.keys_sweep(running_since=None) == provisional.KeySweep(destroyed=5, confirmed=0)


def test_a_registration_rolled_back_leaves_only_a_provisional_key(open_case, ana, sofia):
    before = DataKey.objects.count()

    def register_then_fail() -> None:
        with transaction.atomic():
            Person.objects.create(office=sofia, given_name="Ана", family_name="Петрова", created_by=ana)
            raise Stop

    with pytest.raises(Stop):
        register_then_fail()
    assert DataKey.objects.count() == before + 1
    assert DataKey.objects.filter(provisional=True).count() == 1
    assert provisional.keys_sweep(now=timezone.now() + LATER, running_since=None).destroyed == 1


def test_every_key_id_field_is_found_by_reflection():
    labels = {f"{field.model._meta.label}.{field.name}" for field in provisional.key_id_fields()}
    assert {"people.Person.key_id", "interchange.ImportJob.key_id", "exports.ExportJob.key_id"} <= labels
    assert f"{Movement._meta.label}.key_id" in labels


class _Owner:
    def __init__(self, key_id: UUID) -> None:
        self.key_id = key_id

    def sealing_key_id(self) -> UUID:
        return self.key_id
