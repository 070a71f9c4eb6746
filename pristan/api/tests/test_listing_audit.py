"""The API's lists and searches are reads too: each page records which cases it showed, never the search."""

import pytest

from pristan.core.models import AuditEntry
from pristan.core.tests.test_listing_audit import ids, listings, no_name_recorded

API = "/api/v1"


@pytest.fixture
def people(open_case):
    return {
        "petrov": open_case(given_name="Иван", family_name="Петров"),
        "georgieva": open_case(given_name="Мария", family_name="Георгиева"),
    }


def test_the_api_lists_and_search_record_the_cases_shown_and_never_the_name(people, ana, api_as):
    client = api_as(ana)
    assert client.get(f"{API}/cases/").status_code == 200
    found = client.post(f"{API}/cases/search/", {"q": "Петров"}, content_type="application/json").json()
    assert [row["reference"] for row in found["results"]] == [people["petrov"].reference]
    assert client.get(f"{API}/persons/").status_code == 200
    every = ids(*people.values())
    assert [(entry.detail, entry.fields) for entry in listings()] == [
        ("api_cases", every), ("api_case_search", ids(people["petrov"])), ("api_persons", every),
    ]  # fmt: skip
    no_name_recorded("Петров", "Иван")


def test_the_movements_list_records_the_travellers_cases(people, ana, api_as):
    assert api_as(ana).get(f"{API}/movements/").status_code == 200
    assert AuditEntry.objects.filter(action=AuditEntry.Action.LISTED).count() == 0  # no movement: no case shown
