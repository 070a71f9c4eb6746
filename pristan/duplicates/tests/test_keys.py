from datetime import date
from types import SimpleNamespace

from django.apps import apps
from django.contrib.auth.models import User
from django.db import connection

from pristan.cases import services as case_services
from pristan.core.models import Office
from pristan.duplicates.keys import keys_rebuild, match_keys, match_keys_by_kind, person_data
from pristan.duplicates.migrations import __name__ as migrations_package
from pristan.duplicates.models import MatchKey
from pristan.duplicates.types import PersonData
from pristan.keystore.services import key_scope, keyring
from pristan.people.services import document_add, person_register, person_update


def _kinds(data: PersonData) -> dict[str, set[int]]:
    found: dict[str, set[int]] = {}
    for key, kind in match_keys_by_kind(keyring(), data):
        found.setdefault(kind, set()).add(key)
    return found


def test_the_same_name_in_both_scripts_has_the_same_name_keys(db: None) -> None:
    cyrillic = _kinds(PersonData(given_name="Ђорђе", family_name="Јовановић"))
    latin = _kinds(PersonData(given_name="Djordje", family_name="Jovanovic"))
    assert cyrillic["mt"] == latin["mt"]
    assert len(cyrillic["mt"]) == 2
    assert cyrillic["md"] == latin["md"]


def test_keys_are_keyed_hashes_never_the_values(db: None) -> None:
    keys = match_keys(PersonData(given_name="Ana", family_name="Petrova", document_numbers=("AB123",)))
    assert keys
    assert all(isinstance(key, int) and -(2**63) <= key < 2**63 for key in keys)


def test_a_date_with_day_and_month_transposed_meets_the_right_one(db: None) -> None:
    right = _kinds(PersonData(given_name="Ana", date_of_birth=date(1990, 3, 4)))["mb"]
    transposed = _kinds(PersonData(given_name="Ana", date_of_birth=date(1990, 4, 3)))["mb"]
    other_year = _kinds(PersonData(given_name="Ana", date_of_birth=date(1991, 3, 4)))["mb"]
    assert right == transposed != other_year


def test_short_parts_give_no_key_and_long_ones_meet_one_typo_away(db: None) -> None:
    assert "mt" not in _kinds(PersonData(given_name="Al", family_name="Bo"))
    typed = _kinds(PersonData(family_name="Jovanovic"))["md"]
    typo = _kinds(PersonData(family_name="Jovanvic"))["md"]
    assert typed & typo
    assert not _kinds(PersonData(family_name="Jovan")).get("md", set()) & _kinds(PersonData(family_name="Petar")).get("md", set())


def test_document_numbers_meet_whatever_their_spacing_and_case(db: None) -> None:
    assert _kinds(PersonData(document_numbers=("ab 12-34",)))["mn"] == _kinds(PersonData(document_numbers=("AB1234",)))["mn"]


def _keys_of(person_id: int) -> set[int]:
    return set(MatchKey.objects.filter(person_id=person_id).values_list("key", flat=True))


def test_the_people_services_keep_the_keys_current(ana: User, sofia: Office) -> None:
    person = person_register(actor=ana, office=sofia, data={"given_name": "Ана", "family_name": "Петрова"})
    assert _keys_of(person.pk) == match_keys(PersonData(given_name="Ана", family_name="Петрова"))
    case = case_services.case_open(actor=ana, person=person, office=sofia)
    person_update(actor=ana, case=case, data={"date_of_birth": date(1990, 3, 4)})
    document_add(actor=ana, case=case, data={"kind": "passport", "number": "AB 123"})
    expected = PersonData(given_name="Ана", family_name="Петрова", date_of_birth=date(1990, 3, 4), document_numbers=("AB 123",))
    assert _keys_of(person.pk) == match_keys(expected)


def test_rebuild_writes_every_live_persons_keys(ana: User, sofia: Office) -> None:
    first = person_register(actor=ana, office=sofia, data={"given_name": "Ана", "family_name": "Петрова"})
    second = person_register(actor=ana, office=sofia, data={"given_name": "Marko", "family_name": "Markovski"})
    expected = {first.pk: _keys_of(first.pk), second.pk: _keys_of(second.pk)}
    MatchKey.objects.all().delete()
    assert keys_rebuild() == 2
    assert {first.pk: _keys_of(first.pk), second.pk: _keys_of(second.pk)} == expected


def test_the_migration_writes_the_keys_of_persons_registered_before(ana: User, sofia: Office) -> None:
    person = person_register(actor=ana, office=sofia, data={"given_name": "Ана", "family_name": "Петрова"})
    case = case_services.case_open(actor=ana, person=person, office=sofia)
    document_add(actor=ana, case=case, data={"kind": "passport", "number": "AB 123"})
    expected = _keys_of(person.pk)
    MatchKey.objects.all().delete()
    migration = __import__(f"{migrations_package}.0002_match_keys", fromlist=["build_match_keys"])
    migration.build_match_keys(apps, SimpleNamespace(connection=connection))
    assert _keys_of(person.pk) == expected
    with key_scope():
        assert "AB 123" in person_data(person).document_numbers
