"""The API goes through the same access layer as the pages: what a user may not see is a 404 and
is in no list or count; sections are for the roles granted them; reads and refusals are audited."""

from datetime import date

import pytest
from django.contrib.auth.models import User
from django.test import Client

from pristan.assistance.services import service_add
from pristan.cases.services import consent_record
from pristan.core.models import AuditEntry, Role
from pristan.core.services import membership_grant
from pristan.referrals.services import referral_send

API = "/api/v1"
CASE_ROUTES = ["", "screenings/", "consents/", "services/", "referrals/"]


@pytest.fixture
def focal_point(sofia):
    user = User.objects.create_user("filip")
    membership_grant(actor=None, user=user, office=sofia, role=Role.FOCAL_POINT, child_clearance=True)
    return user


@pytest.fixture
def referred_case(active_case, ana, partner):
    consent_record(actor=ana, case=active_case, purpose="referral", given=True)
    referral_send(actor=ana, case=active_case, organisation=partner, reason="AdditionalServicesRequired")
    return active_case


def _references(client: Client, url: str = f"{API}/cases/") -> tuple[int, list[str]]:
    body = client.get(url).json()
    return body["count"], [row["reference"] for row in body["results"]]


@pytest.mark.parametrize("route", CASE_ROUTES)
def test_another_offices_case_does_not_exist(marko, active_case, api_as, route):
    client = api_as(marko)
    assert client.get(f"{API}/cases/{active_case.reference}/{route}").status_code == 404
    assert _references(client) == (0, [])
    assert client.get(f"{API}/persons/").json()["count"] == 0
    assert client.get(f"{API}/persons/{active_case.person_id}/").status_code == 404


def test_refusals_are_audited_like_the_pages(marko, active_case, api_as):
    api_as(marko).get(f"{API}/cases/{active_case.reference}/")
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.DENIED).latest("sequence")
    assert entry.actor == marko
    assert entry.detail == f"api_case {active_case.reference}"


@pytest.mark.parametrize("route", CASE_ROUTES)
def test_a_childs_case_does_not_exist_without_clearance(nina, ana, open_case, api_as, route):
    child = open_case("Мария", "Иванова", born=date(2014, 3, 1))
    adult = open_case()
    client = api_as(nina)
    assert client.get(f"{API}/cases/{child.reference}/{route}").status_code == 404
    assert _references(client) == (1, [adult.reference])
    assert client.get(f"{API}/cases/?minors=true").json()["count"] == 0
    assert client.post(f"{API}/cases/search/", {"q": "Мария"}, content_type="application/json").json()["count"] == 0
    assert client.get(f"{API}/persons/{child.person_id}/").status_code == 404
    assert _references(api_as(ana), f"{API}/cases/?minors=true") == (1, [child.reference])


def test_a_partner_sees_only_its_sections_and_only_while_consent_holds(referred_case, ana, partner_user, api_as):
    client = api_as(partner_user)
    url = f"{API}/cases/{referred_case.reference}/"
    assert client.get(url).status_code == 200
    assert client.get(url + "services/").status_code == 200
    assert client.get(url + "screenings/").status_code == 403
    assert client.get(url + "consents/").status_code == 403
    assert _references(client) == (1, [referred_case.reference])
    consent_record(actor=ana, case=referred_case, purpose="referral", given=False)
    assert client.get(url).status_code == 404
    assert _references(client) == (0, [])
    assert client.get(f"{API}/persons/").json()["count"] == 0


def test_a_medical_service_does_not_exist_for_a_movement_officer(active_case, ana, movement_officer, api_as):
    medical = service_add(actor=ana, case=active_case, data={"kind": "medical"})
    shelter = service_add(actor=ana, case=active_case, data={"kind": "accommodation"})
    client = api_as(movement_officer)
    listed = client.get(f"{API}/cases/{active_case.reference}/services/").json()
    assert [row["id"] for row in listed["results"]] == [shelter.pk]
    assert listed["count"] == 1
    status = {"status": "delivered"}
    assert client.post(f"{API}/services/{medical.pk}/status/", status, content_type="application/json").status_code == 404
    refused = client.post(f"{API}/cases/{active_case.reference}/services/", {"kind": "medical"}, content_type="application/json")
    assert refused.status_code == 403
    assert client.post(f"{API}/services/{shelter.pk}/status/", status, content_type="application/json").status_code == 200
    assert [row["id"] for row in api_as(ana).get(f"{API}/cases/{active_case.reference}/services/").json()["results"]] == [
        medical.pk, shelter.pk,
    ]  # fmt: skip


def test_a_read_only_role_is_refused_changes(active_case, focal_point, api_as):
    client = api_as(focal_point)
    url = f"{API}/cases/{active_case.reference}/consents/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"purpose": "research", "given": True}, content_type="application/json")
    assert response.status_code == 403
    assert response.json() == {"errors": {"detail": ["Your role lets you read this case, not change it."]}}
    patch = client.patch(f"{API}/persons/{active_case.person_id}/", {"city": "Varna"}, content_type="application/json")
    assert patch.status_code == 403


@pytest.mark.parametrize(("route", "section"), [("", "summary"), ("screenings/", "screening"), ("consents/", "consent"),
                                                ("services/", "assistance"), ("referrals/", "summary")])  # fmt: skip
def test_reads_of_a_case_are_recorded_like_page_reads(active_case, ana, api_as, route, section):
    api_as(ana).get(f"{API}/cases/{active_case.reference}/{route}")
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.VIEW).latest("sequence")
    assert (entry.actor, entry.case, entry.fields) == (ana, active_case, [section])


def test_reading_a_persons_record_is_recorded_for_each_of_their_cases(active_case, ana, api_as):
    api_as(ana).get(f"{API}/persons/{active_case.person_id}/")
    assert AuditEntry.objects.filter(action=AuditEntry.Action.VIEW, case=active_case, actor=ana).count() == 1
