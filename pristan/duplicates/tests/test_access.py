"""Who reviews possible duplicates, and which pairs: only pairs whose two persons the reviewer sees."""

from datetime import date

import pytest
from django.utils import timezone

from conftest import member
from pristan.cases.services import case_open
from pristan.core import access
from pristan.core.models import Role, Scope
from pristan.duplicates.models import CandidatePair
from pristan.people.models import Person
from pristan.people.services import person_register


def pair_of(first: Person, second: Person, **extra: object) -> CandidatePair:
    a, b = sorted((first.pk, second.pk))
    values = {"probability": 0.97, "match_weight": 9.0, "found_by": "scan", **extra}
    return CandidatePair.objects.create(person_a_id=a, person_b_id=b, **values)


@pytest.fixture
def skopje_case(marko, skopje):
    person = person_register(actor=marko, office=skopje, data={"given_name": "Иван", "family_name": "Петров"})
    return case_open(actor=marko, person=person, office=skopje)


@pytest.fixture
def child_case(open_case):
    return open_case(
        given_name="Марија", family_name="Петрова", born=timezone.localdate().replace(year=timezone.localdate().year - 12)
    )


def test_only_supervisors_and_focal_points_review(ana, boris, partner_user, sofia, movement_officer):
    focal = member("fiona", sofia, Role.FOCAL_POINT)
    analyst = member("alek", sofia, Role.ANALYST)
    assert access.may_review_duplicates(boris)
    assert access.may_review_duplicates(focal)
    for user in (ana, partner_user, movement_officer, analyst):
        assert not access.may_review_duplicates(user)
        assert not access.duplicate_pairs_for(user).exists()


def test_a_reviewer_sees_a_pair_only_when_she_sees_both_persons(boris, open_case, skopje_case, child_case, sofia):
    first, second = open_case(), open_case(given_name="Ivan", family_name="Petrov")
    ours = pair_of(first.person, second.person)
    across = pair_of(first.person, skopje_case.person)
    childs = pair_of(child_case.person, second.person)
    assert set(access.duplicate_pairs_for(boris)) == {ours, childs}  # boris has clearance (conftest.member)
    without_clearance = member("sonja", sofia, Role.SUPERVISOR, child_clearance=False)
    assert set(access.duplicate_pairs_for(without_clearance)) == {ours}
    everywhere = member("gala", sofia, Role.SUPERVISOR, scope=Scope.GLOBAL, child_clearance=True)
    assert set(access.duplicate_pairs_for(everywhere)) == {ours, across, childs}
    assert access.duplicate_reviewers(across) == [everywhere]
    assert set(access.duplicate_reviewers(ours)) == {boris, without_clearance, everywhere}
    assert set(access.duplicate_reviewers(childs)) == {boris, everywhere}


def test_a_caseworker_who_sees_both_persons_still_reviews_nothing(ana, open_case):
    first, second = open_case(), open_case(given_name="Ivan", family_name="Petrov")
    pair_of(first.person, second.person)
    assert access.persons_for(ana).count() == 2
    assert not access.duplicate_pairs_for(ana).exists()


def test_a_merged_record_is_nobodys_person(ana, boris, open_case):
    survivor, merged = open_case(), open_case(given_name="Ivan", family_name="Petrov", born=date(1996, 5, 4))
    merged.person.merged_into = survivor.person
    merged.person.merged_at = timezone.now()
    merged.person.save(update_fields=["merged_into", "merged_at"])
    assert set(access.persons_for(ana)) == {survivor.person}
    assert set(access.persons_for(boris)) == {survivor.person}
