"""The daily overdue run: once per overdue task and per overdue monitoring visit, to whom it falls."""

import re
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from pristan.cases.services import task_add, task_complete
from pristan.notifications.models import Notification, NotificationKind
from pristan.notifications.services import OverdueRun, notifications_overdue
from pristan.reintegration.models import Visit
from pristan.reintegration.services import plan_set_arrival

ARRIVAL = date(2025, 1, 10)  # visits due 10 April, 10 July 2025 and 10 January 2026


def test_an_overdue_task_is_told_once_to_its_assignee(active_case, ana, boris, nina):
    late = task_add(actor=ana, case=active_case, title="Call the shelter", due_on=date(2026, 3, 1), assignee=boris)
    due_today = task_add(actor=ana, case=active_case, title="Due today", due_on=date(2026, 3, 5), assignee=nina)
    done = task_add(actor=ana, case=active_case, title="Done already", due_on=date(2026, 2, 1))
    task_complete(actor=ana, task=done)
    Notification.objects.all().delete()  # the assignments' own notifications
    assert notifications_overdue(today=date(2026, 3, 5)) == OverdueRun(tasks=1, visits=0)
    assert notifications_overdue(today=date(2026, 3, 5)) == OverdueRun(tasks=0, visits=0)
    assert notifications_overdue(today=date(2026, 3, 9)) == OverdueRun(tasks=1, visits=0)  # Nina's, now late too
    told = set(Notification.objects.values_list("user__username", "kind", "subject"))
    assert told == {("boris", NotificationKind.TASK_OVERDUE, f"task:{late.pk}"),
                    ("nina", NotificationKind.TASK_OVERDUE, f"task:{due_today.pk}")}  # fmt: skip


def test_an_overdue_task_on_a_childs_case_is_not_told_without_clearance(open_case, ana, nina):
    child = open_case("Мила", "Петрова", date_of_birth=date(2015, 5, 5))
    task_add(actor=ana, case=child, title="Call the school", due_on=date(2026, 3, 1), assignee=nina)
    assert notifications_overdue(today=date(2026, 4, 1)) == OverdueRun(tasks=0, visits=0)


def test_a_visit_is_overdue_fourteen_days_after_it_was_due(active_case, ana):
    plan_set_arrival(actor=ana, case=active_case, arrival_on=ARRIVAL)
    assert Visit.objects.count() == 3
    assert notifications_overdue(today=date(2025, 4, 24)) == OverdueRun(tasks=0, visits=0)  # due + 14 days: not yet
    assert notifications_overdue(today=date(2025, 4, 25)) == OverdueRun(tasks=0, visits=1)
    assert notifications_overdue(today=date(2025, 4, 25)) == OverdueRun(tasks=0, visits=0)
    assert notifications_overdue(today=date(2026, 2, 1)) == OverdueRun(tasks=0, visits=2)
    notification = Notification.objects.filter(kind=NotificationKind.VISIT_OVERDUE).order_by("id")[0]
    assert (notification.user, notification.case) == (ana, active_case)  # the case's owner, as on My cases
    assert notification.link == reverse("case_reintegration", kwargs={"reference": active_case.reference})


def test_the_command_runs_it_and_says_how_many(active_case, ana, boris, capsys):
    task_add(actor=ana, case=active_case, title="Call the shelter", due_on=date(2026, 3, 1))
    plan_set_arrival(actor=ana, case=active_case, arrival_on=ARRIVAL)
    call_command("notifications", "overdue", "--today", "2026-03-05", "--lang", "en")
    assert capsys.readouterr().out.splitlines() == [
        "Overdue tasks newly notified: 1.",
        "Overdue monitoring visits newly notified: 3.",
    ]
    call_command("notifications", "overdue", "--today", "2026-03-05", "--lang", "en")
    assert "Overdue tasks newly notified: 0." in capsys.readouterr().out


def test_the_command_refuses_a_bad_date(db):
    with pytest.raises(CommandError, match=re.escape("--today must be a date written YYYY-MM-DD, not “5 March”.")):
        call_command("notifications", "overdue", "--today", "5 March", "--lang", "en")
