"""Each resource works through the services: registration, changes, screening, consent, services,
referrals; lists paginate, filter and order; errors say which field and why, in the user's language."""

from datetime import date

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pristan.cases.models import Case, ConsentEvent
from pristan.core.models import AuditEntry
from pristan.people.models import Person

API = "/api/v1"
JSON = "application/json"


def test_registering_a_person_opens_their_case(ana, sofia, api_as):
    body = {"office": "SOF", "given_name": "Ђорђе", "family_name": "Јовановић", "date_of_birth": "1990-02-03",
            "citizenships": ["RS"]}  # fmt: skip
    response = api_as(ana).post(f"{API}/persons/", body, content_type=JSON)
    assert response.status_code == 201, response.json()
    person = Person.objects.get()
    assert response.json()["name_latin"] == "Đorđe Jovanović"
    assert response.json()["cases"] == [person.cases.get().reference]
    assert AuditEntry.objects.filter(action=AuditEntry.Action.CREATE, object_type="people.person").exists()


def test_registration_is_refused_where_the_user_does_not_register(marko, sofia, api_as):
    response = api_as(marko).post(f"{API}/persons/", {"office": "SOF", "given_name": "Ана"}, content_type=JSON)
    assert response.status_code == 400
    assert response.json() == {"errors": {"office": ["Choose an office where you may register persons."]}}
    assert not Person.objects.exists()


def test_changing_a_person_goes_through_the_service(active_case, ana, api_as):
    url = f"{API}/persons/{active_case.person_id}/"
    response = api_as(ana).patch(url, {"city": "Пловдив", "date_of_birth": "2012-01-01"}, content_type=JSON)
    assert response.status_code == 200
    assert response.json()["city"] == "Пловдив"
    active_case.refresh_from_db()
    assert active_case.is_minor  # the service recomputes who is a child
    bad = api_as(ana).patch(url, {"gender": "Unknown-value", "citizenships": ["XX"]}, content_type=JSON)
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"gender", "citizenships"}


def test_error_bodies_name_each_field_in_the_users_language(active_case, ana, api_as):
    url = f"{API}/cases/{active_case.reference}/consents/"
    english = api_as(ana).post(url, {}, content_type=JSON)
    assert english.status_code == 400
    assert english.json() == {"errors": {"purpose": ["This field is required."], "given": ["This field is required."]}}
    bulgarian = api_as(ana).post(url, {"purpose": "research", "given": True, "on": "2999-01-01"}, content_type=JSON,
                                 headers={"Accept-Language": "bg"})  # fmt: skip
    assert bulgarian.status_code == 400
    assert list(bulgarian.json()["errors"]) == ["on"]
    assert bulgarian.json()["errors"]["on"] != ["Consent cannot be recorded for a future date."]
    not_json = api_as(ana).post(url, "purpose=research", content_type="application/x-www-form-urlencoded")
    assert not_json.status_code == 415


def test_a_service_rule_that_concerns_no_one_field_is_a_non_field_error(active_case, ana, api_as):
    response = api_as(ana).post(f"{API}/cases/{active_case.reference}/stage/", {"stage": "screening"}, content_type=JSON)
    assert response.status_code == 400
    assert response.json() == {"errors": {"non_field_errors": ["A case cannot move from Assistance to Screening."]}}


def test_a_case_moves_through_its_stages(active_case, ana, api_as):
    url = f"{API}/cases/{active_case.reference}/stage/"
    closing = api_as(ana).post(url, {"stage": "closed"}, content_type=JSON)
    assert closing.json() == {"errors": {"closure_reason": ["Choose the reason for closing the case."]}}
    closed = api_as(ana).post(url, {"stage": "closed", "closure_reason": "assistance_completed"}, content_type=JSON)
    assert closed.status_code == 200
    assert (closed.json()["stage"], closed.json()["status"]) == ("closed", "Closed")


def test_screening_consent_services_and_referrals(case, ana, partner, api_as):
    client = api_as(ana)
    url = f"{API}/cases/{case.reference}"
    consent = client.post(f"{url}/consents/", {"purpose": "case_management", "given": True}, content_type=JSON)
    assert consent.status_code == 201
    screening = {"indicator_list": "adult_labour", "indicators": [], "decision": "PossibleVictimOfTrafficking",
                 "reason": "Credible account of debt bondage."}  # fmt: skip
    created = client.post(f"{url}/screenings/", screening, content_type=JSON)
    assert created.status_code == 201
    assert created.json()["suggested_victim"] is False
    assert client.get(f"{url}/screenings/").json()["count"] == 1
    assert client.post(f"{url}/stage/", {"stage": "assistance"}, content_type=JSON).status_code == 200
    service = client.post(f"{url}/services/", {"kind": "accommodation", "cost": "120.50", "currency": "EUR"}, content_type=JSON)
    assert service.status_code == 201
    service_id = service.json()["id"]
    moved = client.post(f"{API}/services/{service_id}/status/", {"status": "in_progress"}, content_type=JSON)
    assert moved.json()["status"] == "in_progress"
    referral = {"organisation": partner.pk, "reason": "AdditionalServicesRequired"}
    refused = client.post(f"{url}/referrals/", referral, content_type=JSON)
    assert refused.status_code == 400
    assert "organisation" in refused.json()["errors"]
    client.post(f"{url}/consents/", {"purpose": "referral", "given": True}, content_type=JSON)
    sent = client.post(f"{url}/referrals/", {**referral, "service": service_id}, content_type=JSON)
    assert sent.status_code == 201
    revoked = client.post(f"{API}/referrals/{sent.json()['id']}/status/", {"status": "revoked"}, content_type=JSON)
    assert revoked.json()["status"] == "revoked"
    assert [row["purpose"] for row in client.get(f"{url}/consents/").json()["results"]] == ["referral", "case_management"]
    assert ConsentEvent.objects.count() == 2


def test_opening_another_case_for_a_person_one_sees(case, ana, marko, api_as):
    body = {"person": case.person_id, "office": "SOF"}
    assert api_as(ana).post(f"{API}/cases/", body, content_type=JSON).status_code == 201
    refused = api_as(marko).post(f"{API}/cases/", {**body, "office": "SKP"}, content_type=JSON)
    assert refused.json() == {"errors": {"person": ["Choose a person whose case you can see."]}}
    assert Case.objects.count() == 2


def test_lists_paginate_filter_and_order(ana, open_case, api_as):
    cases = [open_case(given_name=name) for name in ("Иван", "Петър", "Стоян")]
    client = api_as(ana)
    first = client.get(f"{API}/cases/?page_size=2&ordering=reference").json()
    assert first["count"] == 3
    assert [row["reference"] for row in first["results"]] == [cases[0].reference, cases[1].reference]
    assert "page=2" in first["next"]
    second = client.get(f"{API}/cases/?page_size=2&ordering=reference&page=2").json()
    assert [row["reference"] for row in second["results"]] == [cases[2].reference]
    assert client.get(f"{API}/cases/?page=9").status_code == 404
    newest = client.get(f"{API}/cases/?ordering=-reference").json()["results"]
    assert newest[0]["reference"] == cases[2].reference
    assert client.get(f"{API}/cases/?stage=assistance").json()["count"] == 0
    assert client.get(f"{API}/cases/?stage=screening&office=SOF").json()["count"] == 3
    bad = client.get(f"{API}/cases/?ordering=name&stage=nowhere")
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"ordering", "stage"}
    assert client.get(f"{API}/persons/?ordering=-id&page_size=1").json()["results"][0]["name"] == "Стоян Петров"


def test_names_are_searched_only_in_a_posted_body(ana, open_case, api_as):
    ivan = open_case("Иван", "Петров")
    open_case("Стоян", "Колев")
    client = api_as(ana)
    found = client.post(f"{API}/cases/search/", {"q": "Ivan Petrov"}, content_type=JSON).json()
    assert [row["reference"] for row in found["results"]] == [ivan.reference]
    assert client.get(f"{API}/cases/?q=Ivan").json()["count"] == 2  # a name in a URL is not a filter


def test_page_size_is_capped(ana, case, api_as):
    assert api_as(ana).get(f"{API}/cases/?page_size=100000").json()["count"] == 1


def test_the_document_and_its_page_are_served(ana, client_of, api_as):
    schema = api_as(ana).get(f"{API}/schema/?format=json")
    assert schema.status_code == 200
    assert "/api/v1/cases/search/" in schema.json()["paths"]
    page = client_of(ana).get(f"{API}/docs/")
    assert page.status_code == 200
    assert "/static/drf_spectacular_sidecar/" in page.content.decode()
    assert "<script>" not in page.content.decode()
    assert "<style>" not in page.content.decode()


def test_a_date_of_birth_in_the_future_is_refused(ana, sofia, api_as):
    body = {"office": "SOF", "given_name": "Ана", "date_of_birth": date(2999, 1, 1).isoformat()}
    response = api_as(ana).post(f"{API}/persons/", body, content_type=JSON)
    assert response.json() == {"errors": {"date_of_birth": ["The date of birth cannot be in the future."]}}


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_a_longer_page_costs_no_more_queries(ana, open_case, api_as):
    open_case()
    client = api_as(ana)
    one = (_queries(client, f"{API}/cases/"), _queries(client, f"{API}/persons/"))
    for name in ("Петър", "Стоян", "Мила"):
        open_case(given_name=name)
    assert (_queries(client, f"{API}/cases/"), _queries(client, f"{API}/persons/")) == one
