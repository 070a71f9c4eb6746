"""The audit trail goes a page at a time from a sequence (keyset): a deep page costs what the first
does, the count stops at a cap, and the number of queries does not grow with the entries."""

from typing import TYPE_CHECKING

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pristan.cases.services import note_add
from pristan.core import paging
from pristan.core.models import AuditEntry

if TYPE_CHECKING:  # the test client's response type exists only in the type stubs
    from django.test.client import _MonkeyPatchedWSGIResponse as Response


def _queries(client: Client, **params: int | str) -> tuple[int, "Response"]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("audit_trail"), params)
    assert response.status_code == 200
    return len(queries), response


def _sequences(response: "Response") -> list[int]:
    return [entry.sequence for entry in response.context["page"].rows]


def test_the_trail_is_paged_by_sequence_in_constant_queries(case, ana, boris, client_of, settings):
    settings.PRISTAN_CASES_PER_PAGE = 2  # four entries a page
    client = client_of(boris)
    few, _ = _queries(client, action="create")
    for index in range(10):
        note_add(actor=ana, case=case, text=f"Note {index}.")
    many, response = _queries(client, action="create")
    assert many == few
    created = [
        sequence
        for sequence in AuditEntry.objects.filter(action="create").order_by("-sequence").values_list("sequence", flat=True)
        if sequence is not None  # changes are chained as they are recorded
    ]
    assert _sequences(response) == created[:4]
    assert response.context["count"].count == len(created)
    body = response.content.decode()
    assert f'href="?action=create&amp;before={created[3]}#entries"' in body  # the filters are kept
    deep, response = _queries(client, action="create", before=created[7])
    assert deep == few
    assert _sequences(response) == created[8:12]
    page = response.context["page"]
    assert page.newer == created[8]
    _, response = _queries(client, action="create", after=page.newer)
    assert _sequences(response) == created[4:8]


def test_the_trail_count_stops_at_the_cap(case, ana, boris, client_of, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 3)
    for index in range(5):
        note_add(actor=ana, case=case, text=f"Note {index}.")
    response = client_of(boris).get(reverse("audit_trail"))
    assert response.context["count"].capped
    assert "More than 3 entries" in response.content.decode()


def test_a_key_that_is_not_a_number_shows_the_newest(case, boris, client_of):
    for junk in ("x", "-3", ""):
        response = client_of(boris).get(reverse("audit_trail"), {"before": junk, "after": junk})
        assert response.status_code == 200
        assert response.context["page"].newer is None
