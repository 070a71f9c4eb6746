"""The API refuses names with invisible or bidirectional characters, and stores names in NFC."""

from pristan.cases.tests.test_names import COMPOSED, DECOMPOSED, MESSAGE, SPOOF
from pristan.people.models import Person


def test_the_api_refuses_a_spoofed_name_and_writes_nothing(ana, sofia, api_as):
    body = {"office": "SOF", "given_name": "Ана", "family_name": SPOOF}
    response = api_as(ana).post("/api/v1/persons/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"errors": {"family_name": [MESSAGE % "Family name"]}}
    assert not Person.objects.exists()


def test_the_api_stores_names_in_nfc(ana, sofia, api_as):
    body = {"office": "SOF", "given_name": DECOMPOSED, "family_name": "Jovanović"}
    response = api_as(ana).post("/api/v1/persons/", body, content_type="application/json")
    assert response.status_code == 201
    assert Person.objects.get().given_name == COMPOSED


def test_the_api_changes_nothing_with_a_spoofed_name(active_case, ana, api_as):
    url = f"/api/v1/persons/{active_case.person_id}/"
    response = api_as(ana).patch(url, {"given_name": "Ivan\u2066"}, content_type="application/json")
    assert response.status_code == 400
    assert "LEFT-TO-RIGHT ISOLATE (U+2066)" in response.json()["errors"]["given_name"][0]
    active_case.person.refresh_from_db()
    assert active_case.person.given_name == "Иван"
