"""The schedule of monitoring visits and when a visit is overdue, with dates."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from pristan.core.models import AuditEntry
from pristan.reintegration import schedule
from pristan.reintegration.models import Visit, VisitStatus
from pristan.reintegration.selectors import overdue_visits_for
from pristan.reintegration.services import plan_save, visit_mark_not_possible


def test_months_are_added_to_the_calendar_and_short_months_clamp():
    assert schedule.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert schedule.add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)  # a leap year
    assert schedule.add_months(date(2026, 12, 15), 12) == date(2027, 12, 15)
    assert schedule.add_months(date(2026, 10, 31), 6) == date(2027, 4, 30)


def test_visits_are_due_3_6_and_12_months_after_arrival():
    assert schedule.due_dates(date(2026, 1, 31)) == {3: date(2026, 4, 30), 6: date(2026, 7, 31), 12: date(2027, 1, 31)}


@pytest.mark.parametrize(
    ("today", "overdue"),
    [
        (date(2026, 3, 1), False),  # the due date
        (date(2026, 3, 15), False),  # the last day of grace
        (date(2026, 3, 16), True),
        (date(2027, 1, 1), True),
    ],
)
def test_a_visit_is_overdue_once_14_days_of_grace_have_passed(today, overdue):
    assert schedule.is_overdue(date(2026, 3, 1), done=False, today=today) is overdue
    assert not schedule.is_overdue(date(2026, 3, 1), done=True, today=today)
    # The cutoff used in queries agrees with the rule.
    assert (date(2026, 3, 1) < schedule.overdue_cutoff(today)) is overdue


def test_setting_the_arrival_plans_the_visits(active_case, ana):
    plan = plan_save(actor=ana, case=active_case, data={"economic_objectives": "Work in a bakery"})
    assert not Visit.objects.filter(case=active_case).exists()  # no arrival yet, nothing to plan from
    arrival = timezone.localdate() - timedelta(days=10)
    plan_save(actor=ana, case=active_case, data={"arrival_on": arrival})
    visits = list(Visit.objects.filter(case=active_case))
    assert [(visit.months_after, visit.due_on, visit.status) for visit in visits] == [
        (months, schedule.add_months(arrival, months), VisitStatus.PLANNED) for months in (3, 6, 12)
    ]
    entries = AuditEntry.objects.filter(object_type="reintegration.visit", action="create")
    assert entries.count() == 3
    assert all(entry.fields == ["due_on", "months_after"] for entry in entries)
    plan.refresh_from_db()
    assert plan.economic_objectives == "Work in a bakery"  # a partial save keeps what it did not name


def test_a_corrected_arrival_moves_only_the_visits_still_planned(reintegration_case, ana, arrived_on):
    first = Visit.objects.get(case=reintegration_case, months_after=3)
    visit_mark_not_possible(actor=ana, visit=first, reason="The person had moved to another town.")
    corrected = arrived_on + timedelta(days=20)
    plan_save(actor=ana, case=reintegration_case, data={"arrival_on": corrected})
    due = dict(Visit.objects.filter(case=reintegration_case).values_list("months_after", "due_on"))
    assert due == {3: schedule.add_months(arrived_on, 3), 6: schedule.add_months(corrected, 6),
                   12: schedule.add_months(corrected, 12)}  # fmt: skip


def test_the_arrival_cannot_be_in_the_future_or_removed(reintegration_case, ana):
    with pytest.raises(ValidationError) as error:
        plan_save(actor=ana, case=reintegration_case, data={"arrival_on": timezone.localdate() + timedelta(days=1)})
    assert "arrival_on" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        plan_save(actor=ana, case=reintegration_case, data={"arrival_on": None})
    assert "can be corrected, not removed" in str(error.value)


def test_overdue_visits_reach_the_caseworkers_my_cases(reintegration_case, ana, marko, nina, client_of):
    today = timezone.localdate()
    overdue = overdue_visits_for(user=ana, today=today).rows
    assert [visit.months_after for visit in overdue] == [3, 6, 12]
    # Not for someone who does not own the case, nor for another office.
    assert overdue_visits_for(user=nina, today=today).rows == []
    assert overdue_visits_for(user=marko, today=today).rows == []
    # A visit marked not possible is no longer overdue; one due recently is not overdue yet.
    visit_mark_not_possible(actor=ana, visit=overdue[0], reason="The family had moved abroad.")
    plan_save(actor=ana, case=reintegration_case, data={"arrival_on": today - timedelta(days=200)})
    assert [visit.months_after for visit in overdue_visits_for(user=ana, today=today).rows] == [6]

    page = client_of(ana).get(reverse("my_cases")).content.decode()
    assert "1 monitoring visit overdue" in page
    assert reverse("case_reintegration", args=[reintegration_case.reference]) in page
    assert "Петров" in page  # the person's name, unwrapped with the page's other names

    tab = client_of(ana).get(reverse("case_reintegration", args=[reintegration_case.reference])).content.decode()
    assert "1 visit is overdue." in tab
