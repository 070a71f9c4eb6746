"""The case list's caseworker and date filters and its sortable columns: every order pages through
every case exactly once, forwards and back, in a constant number of queries."""

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pristan.cases import services
from pristan.cases.models import Case, ConsentPurpose, Stage
from pristan.cases.selectors import SORTS, UNASSIGNED, CaseFilters, PageRequest, Sort, case_list_page
from pristan.core.models import Office
from pristan.people.services import person_register
from pristan.screening.services import screening_record

JOURNEY = list(Stage.values)


@pytest.fixture
def caseload(ana: User, boris: User, nina: User, sofia: Office) -> list[Case]:
    """Seven cases of Sofia: opened on different days (two on one day), owned by ana, nina and
    boris, in screening, assistance and closed."""
    cases = []
    for index, (owner, days_ago) in enumerate([(ana, 9), (nina, 8), (boris, 8), (ana, 5), (nina, 3), (ana, 2), (boris, 1)]):
        person = person_register(actor=ana, office=sofia, data={"given_name": f"Person{index}", "citizenships": ["BG"]})
        opened = timezone.localdate() - timedelta(days=days_ago)
        cases.append(services.case_open(actor=ana, person=person, office=sofia, owner=owner, opened_on=opened))
    services.case_change_stage(actor=boris, case=cases[1], stage=Stage.CLOSED, closure_reason="not_eligible")
    services.case_change_stage(actor=boris, case=cases[4], stage=Stage.CLOSED, closure_reason="declined")
    services.consent_record(actor=ana, case=cases[3], purpose=ConsentPurpose.CASE_MANAGEMENT, given=True)
    screening_record(
        actor=ana, case=cases[3], indicator_list="adult_labour", indicators=[], decision="PossibleVictimOfTrafficking",
        reason="Credible account of debt bondage.",
    )  # fmt: skip
    services.case_change_stage(actor=ana, case=cases[3], stage=Stage.ASSISTANCE)
    return cases


def _expected(cases: list[Case], sort: Sort) -> list[int]:
    """The order the sort promises, computed here from the cases themselves."""
    rows = Case.objects.filter(pk__in=[case.pk for case in cases]).select_related("owner")
    newest_first: Callable[[Case], tuple[int, int]] = lambda case: (-case.opened_on.toordinal(), -case.pk)  # noqa: E731
    keys: dict[str, Callable[[Case], tuple[object, ...]]] = {
        "opened": lambda case: (case.opened_on, case.pk),
        "reference": lambda case: (case.reference,),
        "stage": lambda case: (JOURNEY.index(case.stage), *newest_first(case)),
        "caseworker": lambda case: (case.owner.last_name, case.owner.first_name, case.owner.username, *newest_first(case)),
    }
    ordered = sorted(rows, key=keys[sort.key])
    if sort.descending:  # the whole order reversed, tie-breakers included
        ordered = sorted(rows, key=keys[sort.key], reverse=True)
    return [case.pk for case in ordered]


def _walk(user: User, sort: Sort) -> tuple[list[int], list[int]]:
    """Every page forwards, then back from the last one: the ids in the order shown."""
    filters = CaseFilters()
    forwards, page = [], case_list_page(user=user, filters=filters, page=PageRequest(), per_page=2, sort=sort)
    pages = [page]
    forwards += [case.pk for case in page.cases]
    while page.has_next:
        page = case_list_page(user=user, filters=filters, page=PageRequest.parse(str(page.next_page)), per_page=2, sort=sort)
        forwards += [case.pk for case in page.cases]
        pages.append(page)
    backwards = [case.pk for case in page.cases]
    while page.has_previous:
        page = case_list_page(user=user, filters=filters, page=PageRequest.parse(str(page.previous_page)), per_page=2, sort=sort)
        backwards = [case.pk for case in page.cases] + backwards
    return forwards, backwards


@pytest.mark.parametrize("text", [f"{sign}{key}" for key in SORTS for sign in ("", "-")])
def test_every_order_pages_through_every_case_once_both_ways(caseload, boris, text):
    sort = Sort.parse(text)
    forwards, backwards = _walk(boris, sort)
    assert forwards == backwards == _expected(caseload, sort)


def test_an_unknown_order_is_the_default_one():
    assert str(Sort.parse("person")) == str(Sort.parse("")) == "-opened"


def test_stages_sort_in_the_order_of_the_journey(caseload, boris):
    page = case_list_page(user=boris, filters=CaseFilters(), page=PageRequest(), per_page=10, sort=Sort.parse("stage"))
    stages = [case.stage for case in page.cases]
    assert stages == sorted(stages, key=JOURNEY.index)
    assert stages[0] == Stage.SCREENING
    assert stages[-1] == Stage.CLOSED


def test_the_caseworker_and_date_filters(caseload, boris, nina, ana):
    def found(**filters: object) -> set[int]:
        page = case_list_page(user=boris, filters=CaseFilters(**filters), page=PageRequest(), per_page=50)  # type: ignore[arg-type]
        return {case.pk for case in page.cases}

    assert found(owner=str(nina.pk)) == {caseload[1].pk, caseload[4].pk}
    assert found(owner=UNASSIGNED) == set()
    nina.is_active = False  # left the office: her cases are nobody's, for a supervisor to hand on
    nina.save()
    assert found(owner=UNASSIGNED) == {caseload[1].pk, caseload[4].pk}
    today = timezone.localdate()
    assert found(opened_from=today - timedelta(days=3)) == {caseload[4].pk, caseload[5].pk, caseload[6].pk}
    assert found(opened_to=today - timedelta(days=8)) == {caseload[0].pk, caseload[1].pk, caseload[2].pk}
    assert found(opened_from=today - timedelta(days=8), opened_to=today - timedelta(days=8)) == {caseload[1].pk, caseload[2].pk}
    Case.objects.filter(pk=caseload[0].pk).update(updated_at=timezone.now() - timedelta(days=40))  # untouched for weeks
    assert found(unchanged_since=today - timedelta(days=30)) == {caseload[0].pk}
    assert found(selected=(caseload[2].pk, caseload[3].pk)) == {caseload[2].pk, caseload[3].pk}


def test_a_caseworker_of_assigned_scope_finds_only_their_own_whatever_the_filter(caseload, ana, nina):
    page = case_list_page(user=ana, filters=CaseFilters(owner=str(nina.pk)), page=PageRequest(), per_page=50)
    assert page.cases == []


@pytest.mark.parametrize("text", ["caseworker", "-stage", "reference"])
def test_sorted_pages_cost_the_same_whatever_the_page(caseload, boris, client_of, text, settings):
    settings.PRISTAN_CASES_PER_PAGE = 2  # seven cases: pages 1, 2 and 3 each show two
    client = client_of(boris)
    counts, page = [], ""
    for _number in (1, 2, 3):
        with CaptureQueriesContext(connection) as queries:
            response = client.post(reverse("case_list"), {"sort": text, **({"page": page} if page else {})})
        counts.append(len(queries))
        assert len(response.context["page"].cases) == 2
        page = str(response.context["page"].next_page)
        assert str(response.context["sort"]) == text
    assert counts[1] == counts[2] <= counts[0] + 1  # a later page reads its position's case: one query more


def test_the_sort_buttons_say_what_they_do_and_the_column_its_order(caseload, boris, client_of):
    response = client_of(boris).post(reverse("case_list"), {"sort_by": "caseworker"})
    content = response.content.decode()
    assert 'aria-sort="ascending"' in content
    assert content.count('aria-sort="none"') == len(SORTS) - 1
    assert 'name="sort_by" value="-caseworker"' in content  # the same column again: the other way round
    assert '<input type="hidden" name="sort" value="caseworker" form="case-filters">' in content


def test_filters_and_order_come_in_the_address_but_never_a_name(caseload, boris, nina, client_of):
    url = f"{reverse('case_list')}?owner={nina.pk}&sort=-reference&q=Person1"
    page = client_of(boris).get(url).context["page"]
    assert [case.pk for case in page.cases] == [caseload[4].pk, caseload[1].pk]  # q ignored from the address


def test_a_wrong_date_range_says_where(boris, client_of):
    response = client_of(boris).post(reverse("case_list"), {"opened_from": "2026-05-01", "opened_to": "2026-04-01"})
    assert response.context["form"].errors["opened_to"]


def test_dates_in_the_past_are_just_dates(caseload, boris):
    assert case_list_page(
        user=boris, filters=CaseFilters(opened_to=date(2000, 1, 1)), page=PageRequest(), per_page=5
    ).cases == []  # fmt: skip
