from collections.abc import Callable
from datetime import date

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from pristan.core.models import Office
from pristan.demo import synthetic_persons as synthetic
from pristan.duplicates import matching
from pristan.duplicates.propose import candidates
from pristan.duplicates.scan import model_row
from pristan.duplicates.types import PersonData
from pristan.erasure.services import person_erase
from pristan.people.models import Person
from pristan.people.services import person_register

BORN = date(1990, 3, 4)
DJORDJE = {
    "given_name": "Ђорђе",
    "family_name": "Јовановић",
    "date_of_birth": BORN,
    "gender": "Masculine",
    "citizenships": ["RS"],
}


@pytest.fixture
def register(ana: User, sofia: Office) -> Callable[..., Person]:
    def make(**data: object) -> Person:
        return person_register(actor=ana, office=sofia, data=data)

    return make


def typed(given: str, family: str, born: date | None = BORN) -> PersonData:
    return PersonData(given_name=given, family_name=family, date_of_birth=born, gender="Masculine")


def test_finds_the_person_written_in_the_other_script(register: Callable[..., Person]) -> None:
    djordje = register(**DJORDJE)
    register(given_name="Марко", family_name="Петровић", date_of_birth=BORN, gender="Masculine")
    for spelling in (typed("Đorđe", "Jovanović"), typed("Djordje", "Jovanovic"), typed("Jovanović", "Đorđe")):
        found = candidates(data=spelling)
        assert [candidate.person_id for candidate in found] == [djordje.pk]
        assert found[0].probability >= 0.8
        assert {reason.field for reason in found[0].reasons} == {"name", "date_of_birth", "gender", "citizenship", "document"}


def test_a_typo_and_a_transposed_date_are_still_proposed(register: Callable[..., Person]) -> None:
    djordje = register(**DJORDJE)
    found = candidates(data=typed("Djordje", "Jovanovć", date(1990, 4, 3)))
    assert [candidate.person_id for candidate in found] == [djordje.pk]


def test_someone_else_is_not_proposed(register: Callable[..., Person]) -> None:
    register(**DJORDJE)
    assert candidates(data=typed("Marko", "Petrović", date(1971, 9, 12))) == []
    assert candidates(data=PersonData(date_of_birth=BORN)) == []  # a date alone finds nobody


def test_never_returns_erased_or_merged_persons_nor_those_excluded(register: Callable[..., Person]) -> None:
    erased, merged, survivor = register(**DJORDJE), register(**DJORDJE), register(**DJORDJE)
    person_erase(actor=None, person=erased, reason="test")
    Person.objects.filter(pk=merged.pk).update(merged_into=survivor, merged_at=timezone.now())
    assert [candidate.person_id for candidate in candidates(data=typed("Djordje", "Jovanovic"))] == [survivor.pk]
    assert candidates(data=typed("Djordje", "Jovanovic"), exclude=[survivor.pk]) == []


def test_the_best_come_first_and_limit_holds(register: Callable[..., Person]) -> None:
    exact = register(**DJORDJE)
    estimated = register(**{**DJORDJE, "date_of_birth_estimated": True})
    found = candidates(data=typed("Djordje", "Jovanovic"))
    assert [candidate.person_id for candidate in found] == [exact.pk, estimated.pk]
    assert found[0].match_weight > found[1].match_weight
    assert [candidate.person_id for candidate in candidates(data=typed("Djordje", "Jovanovic"), limit=1)] == [exact.pk]


def test_the_number_of_queries_does_not_grow_with_the_candidates(
    register: Callable[..., Person], django_assert_max_num_queries: Callable[..., object]
) -> None:
    for day in range(1, 25):
        register(**{**DJORDJE, "date_of_birth": date(1990, 3, day)})
    with django_assert_max_num_queries(8):  # type: ignore[attr-defined]
        found = candidates(data=typed("Djordje", "Jovanovic"))
    assert len(found) >= 1


def test_a_rare_name_weighs_more_than_a_common_one_once_a_model_is_trained(
    register: Callable[..., Person], django_assert_max_num_queries: Callable[..., object]
) -> None:
    """With a model that weighs names by frequency, the typed name's frequency comes from the counts
    of its match keys (of the whole name and of each part), read in one more query."""
    data = synthetic.generate(persons=1200, seed=4)
    model = matching.train(matching.records_table((index, values) for index, (_id, values, _office) in enumerate(data.records)))
    assert model.independence is not None
    model_row(model, persons=1200)
    register(**DJORDJE)
    for day in range(1, 8):
        register(**{**DJORDJE, "given_name": "Марко", "family_name": "Петровић", "date_of_birth": date(1980, 1, day)})
    register(**{**DJORDJE, "given_name": "Марко", "family_name": "Петровић"})
    with django_assert_max_num_queries(9):  # type: ignore[attr-defined]
        rare = candidates(data=typed("Djordje", "Jovanovic"))
    common = candidates(data=typed("Marko", "Petrovic"))
    assert len(rare) == len(common) == 1
    assert rare[0].reasons == common[0].reasons  # the same levels: only the names' frequencies differ
    assert rare[0].match_weight > common[0].match_weight + 2


def test_a_name_with_a_part_more_weighs_by_the_commoner_of_the_two(register: Callable[..., Person]) -> None:
    """A typed name whose parts include a registered person's ("same_parts") weighs as the scan
    weighs it: by the larger frequency of the two names, the registered one's when hers is common,
    although the typed name with its part more is rare."""
    data = synthetic.generate(persons=1200, seed=4)
    model = matching.train(matching.records_table((index, values) for index, (_id, values, _office) in enumerate(data.records)))
    model_row(model, persons=1200)
    register(**DJORDJE)
    for day in range(1, 8):
        register(**{**DJORDJE, "given_name": "Марко", "family_name": "Петровић", "date_of_birth": date(1980, 1, day)})
    register(**{**DJORDJE, "given_name": "Марко", "family_name": "Петровић"})
    rare = candidates(data=typed("Djordje-Ivan", "Jovanovic"))
    common = candidates(data=typed("Marko-Ivan", "Petrovic"))
    assert [reason.level for reason in rare[0].reasons][:2] == ["same_parts", "exact"]
    assert not common or rare[0].match_weight > common[0].match_weight + 2
