"""The API counts persons, not records: a record merged into another is in no list of persons and
opens no more (its cases are its survivor's now); unmerged, it is back."""

from datetime import date

from django.urls import reverse

from pristan.duplicates.merge import person_merge, person_unmerge


def _ids(client) -> set[int]:
    response = client.get(reverse("api_persons"))
    assert response.status_code == 200
    return {person["id"] for person in response.json()["results"]}


def test_a_merged_record_leaves_the_list_of_persons_and_its_cases_follow_the_survivor(api_as, ana, boris, open_case):
    survivor = open_case("Ђорђе", "Јовановић", date(1990, 4, 12)).person
    other_case = open_case("Đorđe", "Jovanović", date(1990, 4, 12))
    other = other_case.person
    client = api_as(ana)
    assert {survivor.pk, other.pk} <= _ids(client)
    record = person_merge(actor=boris, survivor=survivor, other=other)
    assert survivor.pk in _ids(client)
    assert other.pk not in _ids(client)
    assert client.get(reverse("api_person", args=[other.pk])).status_code == 404
    case = client.get(reverse("api_case", args=[other_case.reference]))
    assert case.json()["person"] == survivor.pk
    person_unmerge(actor=boris, record=record)
    assert {survivor.pk, other.pk} <= _ids(client)
