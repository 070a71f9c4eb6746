"""Every list of My cases and of a case page is a page: its queries do not grow with its rows, and
each page shows what it should (pristan/core/paging.py)."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pristan.cases import selectors
from pristan.cases.models import Case
from pristan.cases.services import note_add, task_add, task_complete
from pristan.core.services import membership_revoke


def _queries(client: Client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def _add_tasks(case: Case, actor: User, count: int, *, overdue: bool, first: int = 0) -> None:
    today = timezone.localdate()
    for index in range(first, first + count):
        due = today - timedelta(days=100 - index) if overdue else today + timedelta(days=index)
        task_add(actor=actor, case=case, title=f"Task {index:03}", due_on=due)


def test_my_cases_costs_the_same_for_three_tasks_or_thirty(open_case, ana, client_of, settings):
    settings.PRISTAN_CASES_PER_PAGE = 5
    case = open_case()
    _add_tasks(case, ana, 1, overdue=True)
    _add_tasks(case, ana, 2, overdue=False)
    client = client_of(ana)
    few, _ = _queries(client, reverse("my_cases"))
    for index in range(12):
        _add_tasks(open_case(given_name=f"Person{index}"), ana, 1, overdue=True, first=index + 1)
        _add_tasks(case, ana, 1, overdue=False, first=index + 2)
    many, body = _queries(client, reverse("my_cases"))
    assert many == few
    assert "13 overdue tasks" in body
    assert "Due: 14 tasks" in body
    assert "Open cases I own: 13" in body
    assert body.count('class="task overdue"') == 5  # one page of the overdue tasks


def test_my_cases_pages_through_the_overdue_tasks_keeping_the_other_lists(open_case, ana, client_of, settings):
    settings.PRISTAN_CASES_PER_PAGE = 5
    case = open_case()
    _add_tasks(case, ana, 12, overdue=True)
    _add_tasks(case, ana, 7, overdue=False)
    client = client_of(ana)
    response = client.get(reverse("my_cases"), {"overdue": 3, "due": 2})
    overdue, due = response.context["overdue"], response.context["due"]
    assert [task.title for task in overdue.rows] == ["Task 010", "Task 011"]  # soonest due first: the last two
    assert not overdue.has_next
    assert overdue.has_previous
    assert [task.title for task in due.rows] == ["Task 005", "Task 006"]
    body = response.content.decode()
    assert 'href="?due=2&amp;overdue=2#overdue"' in body  # the previous page of one list keeps the other's page
    for junk in ("0", "-4", "x", "99999999"):  # a page out of range: the first, or an empty last one
        assert client.get(reverse("my_cases"), {"overdue": junk}).status_code == 200


def test_my_cases_counts_stop_at_the_cap(open_case, ana, client_of, settings, monkeypatch):
    from pristan.core import paging

    monkeypatch.setattr(paging, "COUNT_CAP", 4)
    settings.PRISTAN_CASES_PER_PAGE = 3
    _add_tasks(open_case(), ana, 6, overdue=True)
    response = client_of(ana).get(reverse("my_cases"))
    assert response.context["overdue"].count_capped
    assert "More than 4 overdue tasks" in response.content.decode()


def test_a_done_task_leaves_my_cases(open_case, ana):
    case = open_case()
    task = task_add(actor=ana, case=case, title="Call", due_on=timezone.localdate())
    task_complete(actor=ana, task=task)
    assert list(selectors.tasks_open_for(user=ana)) == []


def test_my_cases_leaves_out_tasks_on_cases_no_longer_reached(open_case, ana, nina, sofia):
    """Reach is checked for each task, as `case__in=cases_for(user)` did: a caseworker who lost her
    membership sees none of the tasks still assigned to her."""
    case = open_case()
    task_add(actor=ana, case=case, title="Call the guardian", due_on=timezone.localdate(), assignee=nina)
    assert [task.title for task in selectors.tasks_open_for(user=nina)] == ["Call the guardian"]
    membership_revoke(actor=None, user=nina, office=sofia)
    del nina._pristan_reaches  # remembered for one request only
    assert list(selectors.tasks_open_for(user=nina)) == []


def test_notes_and_tasks_of_a_case_are_paged_in_constant_queries(case, ana, client_of, settings):
    settings.PRISTAN_CASES_PER_PAGE = 4
    url = reverse("case_notes", args=[case.reference])
    client = client_of(ana)
    note_add(actor=ana, case=case, text="First contact.")
    few, _ = _queries(client, url)
    for index in range(10):
        note_add(actor=ana, case=case, text=f"Note number {index}.")
    _add_tasks(case, ana, 9, overdue=False)
    many, body = _queries(client, url)
    assert many == few
    assert body.count('<article class="note">') == 4
    assert "Note number 9." in body
    assert "First contact." not in body
    last, body = _queries(client, f"{url}?notes=3&tasks=3")
    assert last == few
    assert "First contact." in body
    assert "Task 008" in body
    assert "Task 000" not in body


@pytest.fixture
def long_history(case: Case, ana: User) -> Callable[[int], None]:
    def grow(notes: int) -> None:
        for index in range(notes):
            note_add(actor=ana, case=case, text=f"Note {index}.")

    return grow


def test_history_is_paged_newest_first_in_constant_queries(case, ana, boris, client_of, long_history, monkeypatch):
    monkeypatch.setattr(selectors, "HISTORY_PER_PAGE", 5)
    url = reverse("case_history", args=[case.reference])
    client = client_of(boris)
    few, _ = _queries(client, url)
    long_history(12)
    many, body = _queries(client, url)
    assert many == few
    page = selectors.case_history(user=boris, case=case)
    changes = [row.entry.sequence for row in page.rows if row.entry.sequence is not None]  # every change is chained
    assert len(changes) == len(page.rows)
    assert changes == sorted(changes, reverse=True)
    assert len(changes) == 5
    assert page.newer is None
    assert page.older == changes[-1]
    assert f"?before={page.older}#history" in body
    older = client.get(url, {"before": page.older}).context["page"]
    assert [row.entry.sequence for row in older.rows] == [sequence - 5 for sequence in changes]
    assert older.newer == changes[-1] - 1
    back = client.get(url, {"after": older.newer}).context["page"]
    assert [row.entry.sequence for row in back.rows] == changes
    assert back.newer is None


def test_history_never_lists_reads(case, ana, boris, client_of, long_history, monkeypatch):
    """Reads are entries of the case too (many more than changes), but not its History."""
    monkeypatch.setattr(selectors, "HISTORY_PER_PAGE", 3)
    long_history(4)
    for _ in range(5):
        client_of(boris).get(reverse("case_summary", args=[case.reference]))
    rows = selectors.case_history(user=boris, case=case).rows
    assert [row.entry.action for row in rows] == ["create"] * 3


@pytest.mark.parametrize("position", ["2026-01-01_5", "2026-01-01_" + "9" * 40, "1900-01-01_-" + "9" * 40])
def test_a_page_after_every_case_is_an_empty_page_not_a_server_error(client_of, ana, position):
    """The case list's position travels in the form: an altered one (or one whose cases were erased
    since) found no case, and the page's links then read a case that is not there (IndexError, a 500)."""
    for direction in ("after", "before"):
        response = client_of(ana).get(reverse("case_list"), {"page": f"2 {direction} {position}"})
        assert response.status_code == 200
