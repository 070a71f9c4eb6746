"""The supervisors' overview: figures over the offices they supervise, and nobody else's."""

from datetime import date, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from pristan.cases.models import Case
from pristan.movements.models import Movement, MovementKind, MovementStage, MovementTraveller
from pristan.overview import selectors
from pristan.reintegration.models import Visit, VisitStatus

TODAY = date(2026, 11, 20)


def _departed(case: Case, actor, *, on: date, kind: str = MovementKind.RETURN, to: str = "MD") -> Movement:
    """A movement as the movement services leave it once departed (they are tested in pristan/movements)."""
    movement = Movement.objects.create(
        office=case.office, kind=kind, stage=MovementStage.DEPARTED, destination_country=to, requested_by=actor,
        departed_at=timezone.make_aware(datetime.combine(on, time(10))),
    )  # fmt: skip
    MovementTraveller.objects.create(movement=movement, case=case)
    return movement


@pytest.fixture
def world(open_case, ana, marko):
    first = open_case("Мария", "Петрова")
    second = open_case("Ivan", "Petrov")
    child = open_case("Ема", "Петрова", date_of_birth=date(2016, 1, 1))
    Case.objects.filter(pk__in=[first.pk, second.pk, child.pk]).update(opened_on=date(2026, 1, 1))
    _departed(first, ana, on=date(2026, 3, 2))  # 60 days after identification
    _departed(second, ana, on=date(2026, 3, 20), kind=MovementKind.RESETTLEMENT, to="CA")  # 78 days
    _departed(child, ana, on=date(2026, 4, 30))  # 119 days
    Visit.objects.create(case=first, months_after=3, due_on=date(2026, 6, 2), status=VisitStatus.DONE,
                         done_on=date(2026, 6, 10), composite=0.72)  # fmt: skip
    Visit.objects.create(case=first, months_after=6, due_on=date(2026, 9, 2), status=VisitStatus.DONE,
                         done_on=date(2026, 10, 1), composite=0.81)  # late; the latest score  # fmt: skip
    Visit.objects.create(case=second, months_after=3, due_on=date(2026, 6, 20))  # missed
    Visit.objects.create(case=second, months_after=6, due_on=date(2026, 11, 19))  # not due yet (grace period)
    Visit.objects.create(case=child, months_after=3, due_on=date(2026, 7, 30), status=VisitStatus.NOT_POSSIBLE)
    return first, second, child


def test_the_figures(world, boris):
    cases = selectors.overview_cases(boris)
    since = date(2025, 12, 1)
    routes = selectors.returns_by_route_and_month(cases, since)
    assert [(r.month, r.kind, r.origin, r.destination, r.persons) for r in routes] == [
        (date(2026, 3, 1), "resettlement", "BG", "CA", 1),
        (date(2026, 3, 1), "voluntary_return", "BG", "MD", 1),
        (date(2026, 4, 1), "voluntary_return", "BG", "MD", 1),
    ]
    durations = selectors.time_to_departure(cases, since)
    assert (durations.persons, durations.median) == (3, 78)
    assert [bar.count for bar in durations.bands] == [0, 1, 1, 1, 0, 0]
    visits = selectors.visits_on_time(cases, TODAY)
    assert (visits.due, visits.on_time, visits.late, visits.not_possible, visits.missed) == (4, 1, 1, 1, 1)
    assert visits.percent_on_time == 25
    bars, scored = selectors.score_distribution(cases)
    assert scored == 1
    assert [bar.count for bar in bars][8] == 1  # 0.81, the latest visit's


def test_only_the_supervised_offices_and_children_only_with_clearance(world, boris, django_user_model, sofia, skopje):
    from pristan.core.models import Role
    from pristan.core.services import membership_grant

    uncleared = django_user_model.objects.create_user("uncleared-supervisor")
    membership_grant(actor=None, user=uncleared, office=sofia, role=Role.SUPERVISOR, child_clearance=False)
    since = date(2025, 12, 1)
    assert selectors.time_to_departure(selectors.overview_cases(uncleared), since).persons == 2
    other = django_user_model.objects.create_user("skopje-supervisor")
    membership_grant(actor=None, user=other, office=skopje, role=Role.SUPERVISOR, child_clearance=True)
    assert selectors.overview_cases(other).count() == 0


def test_the_page_for_supervisors_only(world, boris, ana, client_of):
    response = client_of(boris).get(reverse("supervisor_overview"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "<svg" in body
    assert "style=" not in body  # the Content-Security-Policy forbids inline styles
    assert client_of(ana).get(reverse("supervisor_overview")).status_code == 403


def test_a_bar_chart_scales_to_the_longest_bar():
    from pristan.overview.charts import bar_chart

    assert bar_chart([]) is None
    assert bar_chart([("a", 0)]) is None
    chart = bar_chart([("a", 2), ("b", 4)])
    assert chart is not None
    assert [bar.length for bar in chart.bars] == ["50.00", "100.00"]


def test_nothing_from_before_the_period(world, boris):
    assert selectors.returns_by_route_and_month(selectors.overview_cases(boris), date(2026, 4, 1))[0].persons == 1
    assert selectors.time_to_departure(selectors.overview_cases(boris), TODAY + timedelta(days=1)).median is None


def test_the_page_reads_as_many_rows_whatever_the_number_of_cases(world, boris, ana, client_of, open_case):
    """Every figure is counted by the database: as many queries, and no case loaded, for more cases."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_of(boris)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("supervisor_overview")).status_code == 200
    for number in range(4):
        case = open_case("Петър", f"Иванов{number}")
        _departed(case, ana, on=date(2026, 5, number + 1))
        Visit.objects.create(case=case, months_after=3, due_on=date(2026, 8, 1), status=VisitStatus.DONE,
                             done_on=date(2026, 8, 1), composite=0.1 * number)  # fmt: skip
    with CaptureQueriesContext(connection) as more:
        assert client.get(reverse("supervisor_overview")).status_code == 200
    assert len(more.captured_queries) == len(few.captured_queries)
    # 14: the persons who departed are counted apart from the departures (a person who left twice is one).
    assert len(few.captured_queries) <= 14, [query["sql"] for query in few.captured_queries]


@pytest.mark.parametrize("seed", range(8))
def test_median_and_quartiles_from_counts_are_those_of_the_list(seed):
    import random
    from collections import Counter
    from statistics import median, quantiles

    chance = random.Random(seed)
    days = [chance.randint(0, 400) for _ in range(chance.randint(2, 60))]
    counted = sorted(Counter(days).items())
    assert selectors._median(counted, len(days)) == median(days)
    first, _second, third = quantiles(days, n=4)
    assert selectors._quartiles(counted, len(days)) == (first, third)


def test_a_person_is_counted_once_where_the_figure_counts_persons(world, boris, ana, sofia):
    """Two records of one person, each put on a return in the same month and route, then merged: the
    route counts one person; the times to departure stay two (each departure is a time of its own)."""
    from pristan.duplicates.merge import person_merge

    first, _second, _child = world
    again = open_case_of(first.person, ana, sofia)
    _departed(again, ana, on=date(2026, 3, 25))
    cases = selectors.overview_cases(boris)
    since = date(2025, 12, 1)
    march = [
        r.persons for r in selectors.returns_by_route_and_month(cases, since) if r.destination == "MD" and r.month.month == 3
    ]
    assert march == [1]  # one person, on two cases' returns
    durations = selectors.time_to_departure(cases, since)
    assert durations.persons == 3
    assert sum(bar.count for bar in durations.bands) == 4
    twin = Case.objects.get(pk=_second.pk)
    person_merge(actor=boris, survivor=first.person, other=twin.person)
    durations = selectors.time_to_departure(selectors.overview_cases(boris), since)
    assert durations.persons == 2


def open_case_of(person, actor, office) -> Case:
    from pristan.cases.services import case_open

    case = case_open(actor=actor, person=person, office=office)
    Case.objects.filter(pk=case.pk).update(opened_on=date(2026, 1, 1))
    case.refresh_from_db()
    return case
