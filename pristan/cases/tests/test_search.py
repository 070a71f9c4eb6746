"""Finding a name whether typed in Cyrillic or Latin, and despite case and diacritics."""

import pytest

from pristan.cases.selectors import CaseFilters, case_search
from pristan.experience.services import experience_update


def _found(user, query: str) -> set[str]:
    return {case.person.given_name for case in case_search(user=user, filters=CaseFilters(query=query))}


@pytest.fixture
def people(open_case):
    return {
        "ivan": open_case("Иван", "Петров"),
        "djordje": open_case("Đorđe", "Marković"),
        "jovana": open_case("Јована", "Ћирић"),
        "amra": open_case("Amra", "Hadžić"),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Ivan Petrov", {"Иван"}),
        ("иван петров", {"Иван"}),
        ("IVAN", {"Иван"}),
        ("Pet", {"Иван"}),
        ("Ђорђе", {"Đorđe"}),
        ("Djordje", {"Đorđe"}),
        ("dorde markovic", {"Đorđe"}),
        ("Jovana Ciric", {"Јована"}),
        ("Ćirić", {"Јована"}),
        ("Хаџић", {"Amra"}),
        ("hadzic", {"Amra"}),
        ("Petrov Jovana", set()),
        ("Nobody", set()),
    ],
)
def test_names_are_found_in_either_script(people, ana, query, expected):
    assert _found(ana, query) == expected


def test_a_reference_finds_its_case(people, ana):
    reference = people["amra"].reference
    assert [case.reference for case in case_search(user=ana, filters=CaseFilters(query=reference))] == [reference]


def test_filters(people, ana, open_case):
    experience_update(actor=ana, case=people["ivan"], data={"types_of_exploitation": ["ForcedLabour", "ForcedBegging"]})
    experience_update(
        actor=ana, case=people["amra"], data={"types_of_exploitation": ["SexualExploitation"], "age_when_trafficked": 16}
    )
    assert _found_by(ana, exploitation="ForcedLabour") == {"Иван"}
    assert _found_by(ana, exploitation="ForcedBegging") == {"Иван"}
    assert _found_by(ana, exploitation="Forced") == set()  # a whole code, not a fragment
    assert _found_by(ana, minors=True) == {"Amra"}
    assert _found_by(ana, stage="screening") == {"Иван", "Đorđe", "Јована", "Amra"}
    assert _found_by(ana, stage="closed") == set()
    assert _found_by(ana, status="Active", office="SOF") == {"Иван", "Đorđe", "Јована", "Amra"}
    assert _found_by(ana, office="SKP") == set()


def _found_by(user, **filters) -> set[str]:
    return {case.person.given_name for case in case_search(user=user, filters=CaseFilters(**filters))}


def test_search_runs_in_a_fixed_number_of_queries(people, ana, django_user_model, django_assert_num_queries):
    user = django_user_model.objects.get(pk=ana.pk)  # a fresh request's user: nothing remembered yet
    with django_assert_num_queries(3):  # memberships, partner memberships, then the cases with persons and offices
        rows = list(case_search(user=user, filters=CaseFilters(query="a")))
        assert [row.person.full_name for row in rows]
        assert [row.office.code for row in rows]
