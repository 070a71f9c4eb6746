"""The notification list is paged, newest first, in a number of queries that does not grow with them."""

from typing import TYPE_CHECKING

from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pristan.cases.models import Case
from pristan.cases.services import task_add
from pristan.notifications import selectors
from pristan.notifications.models import Notification

if TYPE_CHECKING:  # the test client's response type exists only in the type stubs
    from django.test.client import _MonkeyPatchedWSGIResponse as Response


def _assign(case: Case, ana: User, boris: User, count: int, first: int = 0) -> None:
    for index in range(first, first + count):
        task_add(actor=ana, case=case, title=f"Task {index:03}", due_on=case.opened_on, assignee=boris)


def _queries(client: Client, **params: int) -> tuple[int, "Response"]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("notifications"), params)
    assert response.status_code == 200
    return len(queries), response


def test_notifications_are_paged_in_constant_queries(case, open_case, ana, boris, client_of, monkeypatch):
    monkeypatch.setattr(selectors, "PER_PAGE", 5)
    other = open_case(given_name="Мария")
    _assign(case, ana, boris, 2)
    client = client_of(boris)
    few, _ = _queries(client)
    _assign(case, ana, boris, 10, first=2)
    _assign(other, ana, boris, 10, first=12)
    many, response = _queries(client)
    assert many == few
    rows = response.context["rows"]
    newest = list(Notification.objects.filter(user=boris).order_by("-created_at", "-id").values_list("pk", flat=True))
    assert [row.notification.pk for row in rows] == newest[:5]
    assert 'href="?page=2#notifications"' in response.content.decode()
    last, response = _queries(client, page=5)
    assert last == few
    assert [row.notification.pk for row in response.context["rows"]] == newest[20:]
    assert not response.context["page"].has_next


def test_mark_all_read_is_offered_for_unread_ones_on_other_pages(case, ana, boris, client_of, monkeypatch):
    monkeypatch.setattr(selectors, "PER_PAGE", 2)
    _assign(case, ana, boris, 3)
    newest = Notification.objects.filter(user=boris).order_by("-created_at", "-id")
    Notification.objects.filter(pk__in=[n.pk for n in newest[:2]]).update(read_at=case.created_at)
    body = client_of(boris).get(reverse("notifications")).content.decode()
    assert reverse("notifications_read_all") in body  # the third, on page 2, is still unread
