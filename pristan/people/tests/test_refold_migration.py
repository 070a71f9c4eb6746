"""people 0006 rebuilds the blind index of names under the folding of MATCH_VERSION 2: a person
indexed by the old folding is found by the new one once it has run."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from pristan.cases.models import Case
from pristan.cases.selectors import CaseFilters, case_search
from pristan.core import crypto
from pristan.core.blind_index import _word_entries
from pristan.keystore.services import destroy_data_key, key_scope, keyring
from pristan.people.models import NameToken, Person
from pristan.people.rules import person_name_hashes

REFOLD = ("people", "0006_refold_names")
migration = import_module("pristan.people.migrations.0006_refold_names")


def _index_as_version_one(person: Person, *folded_words: str) -> None:
    """Replace the person's entries with those the folding before MATCH_VERSION 2 made of their names."""
    ring = keyring()
    hashes = {crypto.index_hash(ring, kind, text) for word in folded_words for kind, text in _word_entries(word)}
    NameToken.objects.filter(person=person).delete()
    NameToken.objects.bulk_create(NameToken(person=person, token=token) for token in hashes)


def _found(user: User, query: str) -> set[Case]:
    return set(case_search(user=user, filters=CaseFilters(query=query)))


def _run_the_migration_again() -> None:
    MigrationRecorder(connection).record_unapplied(*REFOLD)
    MigrationExecutor(connection).migrate([REFOLD])


@pytest.mark.django_db(transaction=True)
def test_a_person_indexed_by_the_old_folding_is_found_by_the_new_one(
    open_case: Callable[..., Case], ana: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(migration, "BATCH", 2)  # three batches, so that they meet at their edges
    gjorgji = open_case("Gjorgji", "Trajkovski")
    ana_marija = open_case("Ана-Марија", "Петрова")
    ivan = open_case("Иван", "Петров")
    erased = open_case("Erased", "Person")
    extra = open_case("Йордан", "Колев")
    _index_as_version_one(gjorgji.person, "dordi", "trajkovski")  # version 1 made Ѓ a Serbian Ђ
    _index_as_version_one(ana_marija.person, "ana", "maria", "petrova")  # and never the joined name
    assert erased.person.key_id is not None
    destroy_data_key(erased.person.key_id)  # erased as erasure does: no key, no entries
    Person.objects.filter(pk=erased.person.pk).update(erased_at=timezone.now())
    NameToken.objects.filter(person=erased.person).delete()

    assert not _found(ana, "Ѓорѓи")
    assert not _found(ana, "Anamarija")

    _run_the_migration_again()

    assert _found(ana, "Ѓорѓи") == _found(ana, "Gorgi") == _found(ana, "Ǵorǵi Trajkovski") == {gjorgji}
    assert _found(ana, "Anamarija") == _found(ana, "Ana-Marija Petrova") == _found(ana, "marija") == {ana_marija}
    assert _found(ana, "Ivan Petrov") == {ivan}
    with key_scope():
        for case in (gjorgji, ana_marija, ivan, extra):
            person = Person.objects.get(pk=case.person.pk)
            stored = set(NameToken.objects.filter(person=person).values_list("token", flat=True))
            assert stored == person_name_hashes(keyring(), person)
    assert not NameToken.objects.filter(person=erased.person).exists()

    before = sorted(NameToken.objects.values_list("person_id", "token"))
    _run_the_migration_again()  # a run stopped and started again: the same index
    assert sorted(NameToken.objects.values_list("person_id", "token")) == before


@pytest.mark.django_db
def test_on_an_empty_database_the_migration_asks_one_question(django_assert_num_queries: Callable[..., object]) -> None:
    assert not Person.objects.exists()
    with django_assert_num_queries(1):  # type: ignore[attr-defined]
        migration.refold_names(apps, SimpleNamespace(connection=connection))
