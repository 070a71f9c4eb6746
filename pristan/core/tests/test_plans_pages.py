"""On PostgreSQL, an index leads every query of My cases and of the audit trail: no sequential scan
of cases, tasks or the trail, and no JIT (see plans_helpers)."""

from typing import Any

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from pristan.cases.selectors import case_history, my_open_cases, tasks_open_for
from pristan.cases.services import task_add
from pristan.core.models import AuditEntry
from pristan.core.tests.plans_helpers import plan_of, seq_scans, uses_jit
from pristan.core.trail import TrailFilters, trail_search
from pristan.reintegration.models import Visit

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="query plans are PostgreSQL's: SQLite's planner is not the one to guard"
)


def _assert_led_by_indexes(queryset: QuerySet[Any]) -> None:
    plan = plan_of(queryset)
    assert seq_scans(plan) == [], queryset.query
    assert not uses_jit(plan_of(queryset, seqscan=True))


def test_my_cases_is_led_by_indexes(open_case, ana, nina):
    case = open_case()
    task_add(actor=ana, case=case, title="Call", due_on=timezone.localdate())
    today = timezone.localdate()
    for user in (ana, nina):  # assigned scope (reach through tasks) and office scope
        tasks = tasks_open_for(user=user)
        for chosen in (tasks.filter(due_on__lt=today), tasks.filter(due_on__gte=today)):
            _assert_led_by_indexes(chosen.filter(pk__in=chosen.values("pk")[0:26]))
            _assert_led_by_indexes(chosen.order_by().values("pk")[:1001])
        cases = my_open_cases(user=user)
        _assert_led_by_indexes(cases.filter(pk__in=cases.values("pk")[0:26]))
        _assert_led_by_indexes(cases.order_by().values("pk")[:1001])
        visits = Visit.objects.filter(case__owner=user, case__in=cases.values("pk"))
        _assert_led_by_indexes(visits.filter(pk__in=visits.values("pk")[0:26]))


def test_the_trail_and_history_are_led_by_indexes(case, ana, boris):
    entries = trail_search(user=boris, filters=TrailFilters())
    _assert_led_by_indexes(entries[:51])
    _assert_led_by_indexes(entries.filter(sequence__lt=10**9)[:51])
    _assert_led_by_indexes(trail_search(user=boris, filters=TrailFilters(actor="ana"))[:51])
    _assert_led_by_indexes(trail_search(user=boris, filters=TrailFilters(reference=case.reference))[:51])
    changes = AuditEntry.objects.filter(case=case).exclude(action=AuditEntry.Action.VIEW).order_by("-sequence")
    _assert_led_by_indexes(changes[:51])
    assert case_history(user=boris, case=case).rows  # the selector reads these rows
