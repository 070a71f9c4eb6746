"""Movements, reintegration visits, imports and exports through the API: the same access rules as
their pages, through the same selectors and services."""

import csv
import io
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from pristan.api.models import Resource
from pristan.cases.models import Case
from pristan.cases.services import case_change_stage, consent_record
from pristan.core.models import AuditEntry
from pristan.exports.models import ExportRecord
from pristan.interchange.models import ImportJob
from pristan.interchange.tests.test_services import HEADER, ROWS
from pristan.movements.services import fitness_record, movement_request
from pristan.referrals.services import referral_send
from pristan.reintegration.models import Survey, VisitStatus
from pristan.reintegration.services import plan_save
from pristan.reintegration.survey import dimensions_of

API = "/api/v1"
JSON = "application/json"
NOTE = "Epilepsy, medication twice a day"


@pytest.fixture(autouse=True)
def _files_apart(settings: Any, tmp_path: Any) -> None:
    settings.VAR_DIR = tmp_path


def _move(ana: User, *cases: Case) -> Any:
    data = {"kind": "voluntary_return", "destination_country": "MD"}
    return movement_request(actor=ana, case=cases[0], data=data, others=cases[1:])


def _ids(client: Client, url: str) -> tuple[int, list[int]]:
    body = client.get(url).json()
    return body["count"], [row["id"] for row in body["results"]]


# --- movements --------------------------------------------------------------------------------


def test_a_movement_is_listed_read_and_moved_on(active_case, ana, boris, api_as):
    movement = _move(ana, active_case)
    client = api_as(ana)
    assert _ids(client, f"{API}/movements/") == (1, [movement.pk])
    assert _ids(client, f"{API}/movements/?stage=approved") == (0, [])
    detail = client.get(f"{API}/movements/{movement.pk}/")
    assert detail.status_code == 200
    assert detail.json()["travellers"] == [active_case.reference]
    assert {item["code"] for item in detail.json()["missing"]} >= {"leg", "document", "fitness", "counselling"}
    assert AuditEntry.objects.filter(action=AuditEntry.Action.VIEW, case=active_case, fields=["movement"]).exists()
    url = f"{API}/movements/{movement.pk}/stage/"
    refused = client.post(url, {"stage": "travel_ready"}, content_type=JSON)
    assert refused.status_code == 400
    assert "stage" in refused.json()["errors"]
    cancel = client.post(url, {"stage": "cancelled"}, content_type=JSON)
    assert cancel.json() == {"errors": {"reason": ["Choose the reason."]}}
    not_hers = client.post(url, {"stage": "approved"}, content_type=JSON)  # the service decides who approves
    assert not_hers.status_code == 400
    assert list(not_hers.json()["errors"]) == ["stage"]
    approved = api_as(boris).post(url, {"stage": "approved"}, content_type=JSON)
    assert approved.status_code == 200, approved.json()
    assert approved.json()["stage"] == "approved"
    movement.refresh_from_db()
    assert (movement.stage, movement.approved_by) == ("approved", boris)


def test_another_offices_movement_does_not_exist(active_case, ana, marko, api_as):
    movement = _move(ana, active_case)
    client = api_as(marko)
    assert _ids(client, f"{API}/movements/") == (0, [])
    assert client.get(f"{API}/movements/{movement.pk}/").status_code == 404
    stage = client.post(f"{API}/movements/{movement.pk}/stage/", {"stage": "approved"}, content_type=JSON)
    assert stage.status_code == 404


def test_a_movement_with_a_child_hidden_from_the_reader_does_not_exist(ana, nina, open_case, api_as):
    mother = open_case("Мария", "Петрова", born=date(1990, 2, 3))
    child = open_case("Ема", "Петрова", born=timezone.localdate() - timedelta(days=365 * 10))
    household = _move(ana, mother, child)
    alone = _move(ana, mother)
    client = api_as(nina)
    assert _ids(client, f"{API}/movements/") == (1, [alone.pk])
    assert client.get(f"{API}/movements/{household.pk}/").status_code == 404
    assert client.post(f"{API}/movements/{household.pk}/stage/", {}, content_type=JSON).status_code == 404
    assert _ids(api_as(ana), f"{API}/movements/") == (2, [alone.pk, household.pk])


def test_a_partner_sees_no_movement(active_case, ana, partner, partner_user, api_as):
    consent_record(actor=ana, case=active_case, purpose="referral", given=True)
    referral_send(actor=ana, case=active_case, organisation=partner, reason="AdditionalServicesRequired")
    movement = _move(ana, active_case)
    client = api_as(partner_user)
    assert client.get(f"{API}/cases/{active_case.reference}/").status_code == 200  # the case, yes
    assert _ids(client, f"{API}/movements/") == (0, [])
    assert client.get(f"{API}/movements/{movement.pk}/").status_code == 404
    assert client.post(f"{API}/movements/{movement.pk}/stage/", {}, content_type=JSON).status_code == 404


def test_a_medical_detail_is_never_in_a_movement_officers_response(active_case, ana, movement_officer, api_as):
    movement = _move(ana, active_case)
    traveller = movement.travellers.get()
    fitness_record(actor=ana, movement=movement, traveller=traveller,
                   data={"outcome": "fit_with_escort", "assessed_on": timezone.localdate(), "escort": "medical",
                         "medical_note": NOTE})  # fmt: skip
    officer = api_as(movement_officer).get(f"{API}/movements/{movement.pk}/")
    assert officer.status_code == 200
    assert officer.json()["traveller_details"][0]["clearance"] == {"cleared": True, "escort": "medical"}
    for secret in (NOTE, "fit_with_escort", "medical_note", "assessed_on"):
        assert secret not in officer.content.decode()
    staged = api_as(movement_officer).post(f"{API}/movements/{movement.pk}/stage/", {"stage": "approved"}, content_type=JSON)
    assert staged.status_code == 200
    assert NOTE not in staged.content.decode()
    assert "fit_with_escort" not in staged.content.decode()
    caseworker = api_as(ana).get(f"{API}/movements/{movement.pk}/").json()
    assert caseworker["traveller_details"][0]["clearance"]["medical_note"] == NOTE


# --- reintegration visits ---------------------------------------------------------------------


@pytest.fixture
def returned_case(active_case, ana):
    case_change_stage(actor=ana, case=active_case, stage="reintegration")
    plan_save(actor=ana, case=active_case, data={"arrival_on": timezone.localdate() - timedelta(days=400)})
    return active_case


def _answers(best: bool = True) -> dict[str, str]:
    survey = Survey.objects.order_by("-version").first()
    assert survey is not None
    answers = {}
    for dimension in dimensions_of(survey.definition):
        for item in dimension.items:
            ranked = sorted(item.options, key=lambda option: option.score)
            answers[item.key] = (ranked[-1] if best else ranked[0]).key
    return answers


def test_a_visit_is_recorded_and_scored_by_the_service(returned_case, ana, api_as):
    client = api_as(ana)
    url = f"{API}/cases/{returned_case.reference}/visits/"
    listed = client.get(url).json()
    assert listed["count"] >= 1
    first = listed["results"][0]
    assert first["status"] == "planned"
    wrong = client.post(url, {"visit": 999999, "done_on": str(timezone.localdate()), "answers": {}}, content_type=JSON)
    assert wrong.json() == {"errors": {"visit": ["Choose a planned visit of this case."]}}
    body = {"visit": first["id"], "done_on": str(timezone.localdate()), "answers": _answers(), "note": "All well."}
    recorded = client.post(url, body, content_type=JSON)
    assert recorded.status_code == 201, recorded.json()
    assert (recorded.json()["status"], recorded.json()["composite"]) == (VisitStatus.DONE, pytest.approx(1.0, abs=0.01))
    again = client.post(url, body, content_type=JSON)
    assert again.status_code == 400


def test_visits_follow_the_reintegration_section(returned_case, ana, marko, movement_officer, partner, partner_user, api_as):
    url = f"{API}/cases/{returned_case.reference}/visits/"
    assert api_as(marko).get(url).status_code == 404
    assert api_as(movement_officer).get(url).status_code == 403
    consent_record(actor=ana, case=returned_case, purpose="referral", given=True)
    referral_send(actor=ana, case=returned_case, organisation=partner, reason="AdditionalServicesRequired")
    assert api_as(partner_user).get(url).status_code == 403
    assert api_as(partner_user).post(url, {}, content_type=JSON).status_code == 403


def test_a_childs_visits_do_not_exist_without_clearance(ana, nina, open_case, api_as):
    child = open_case("Ема", "Петрова", born=timezone.localdate() - timedelta(days=365 * 10))
    assert api_as(nina).get(f"{API}/cases/{child.reference}/visits/").status_code == 404
    assert api_as(ana).get(f"{API}/cases/{child.reference}/visits/").status_code == 200


# --- tokens -----------------------------------------------------------------------------------


def test_a_read_only_token_is_refused_every_change(returned_case, ana, sofia, api_as):
    movement = _move(ana, returned_case)
    job = ImportJob.objects.create(office=sofia, actor=ana, filename="cases.csv", status="ready")
    client = api_as(ana, writes=False)
    assert client.get(f"{API}/movements/{movement.pk}/").status_code == 200
    assert client.get(f"{API}/cases/{returned_case.reference}/visits/").status_code == 200
    assert client.get(f"{API}/imports/{job.pk}/").status_code == 200
    refused = [
        client.post(f"{API}/movements/{movement.pk}/stage/", {"stage": "approved"}, content_type=JSON),
        client.post(f"{API}/cases/{returned_case.reference}/visits/", {}, content_type=JSON),
        client.post(f"{API}/imports/", {"office": "SOF", "file": _upload(ROWS)}),
        client.post(f"{API}/imports/{job.pk}/", {"action": "discard"}, content_type=JSON),
    ]
    assert [response.status_code for response in refused] == [403, 403, 403, 403]
    assert "does not allow changing movements" in refused[0].json()["errors"]["detail"][0]
    movement.refresh_from_db()
    job.refresh_from_db()
    assert (movement.stage, job.status, ImportJob.objects.count()) == ("requested", "ready", 1)


def test_a_token_reaches_only_its_resources(active_case, ana, api_as):
    movement = _move(ana, active_case)
    client = api_as(ana, resources=[Resource.CASES])
    assert client.get(f"{API}/movements/{movement.pk}/").status_code == 403
    assert client.get(f"{API}/exports/").status_code == 403
    assert client.get(f"{API}/cases/{active_case.reference}/visits/").status_code == 403


# --- imports, exports -------------------------------------------------------------------------


def _upload(rows: list[list[str]], name: str = "cases.csv") -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode("utf-8"), content_type="text/csv")


def test_an_import_is_previewed_then_confirmed_and_seen_only_by_its_starter(ana, boris, sofia, api_as):
    client = api_as(ana)
    started = client.post(f"{API}/imports/", {"office": "SOF", "file": _upload(ROWS)})
    assert started.status_code == 202, started.json()
    job_id = started.json()["id"]
    preview = client.get(f"{API}/imports/{job_id}/").json()
    assert (preview["status"], preview["to_create"], preview["invalid"]) == ("ready", 3, 0)
    assert Case.objects.count() == 0
    for other in (boris,):  # the supervisor of the same office does not see it either, as on the page
        assert api_as(other).get(f"{API}/imports/{job_id}/").status_code == 404
        assert api_as(other).post(f"{API}/imports/{job_id}/", {}, content_type=JSON).status_code == 404
    done = client.post(f"{API}/imports/{job_id}/", {"action": "import"}, content_type=JSON)
    assert done.status_code == 200, done.json()
    assert (done.json()["status"], done.json()["created"]) == ("done", 3)
    assert Case.objects.count() == 3
    again = client.post(f"{API}/imports/{job_id}/", {"action": "import"}, content_type=JSON)
    assert again.json() == {"errors": {"non_field_errors": ["This import is not waiting for confirmation."]}}


def test_an_import_is_refused_where_the_user_may_not_register(ana, marko, movement_officer, partner_user, sofia, api_as):
    assert api_as(marko).post(f"{API}/imports/", {"office": "SOF", "file": _upload(ROWS)}).json() == {
        "errors": {"office": ["Choose an office where you may register persons."]}
    }
    assert api_as(movement_officer).post(f"{API}/imports/", {"office": "SOF", "file": _upload(ROWS)}).status_code == 403
    assert api_as(partner_user).post(f"{API}/imports/", {"office": "SOF", "file": _upload(ROWS)}).status_code == 403
    bad = api_as(ana).post(f"{API}/imports/", {"office": "SOF", "file": _upload(ROWS, name="cases.pdf")})
    assert bad.json() == {"errors": {"file": ["Upload an .xlsx, .csv or .json file."]}}
    not_multipart = api_as(ana).post(f"{API}/imports/", {"office": "SOF"}, content_type=JSON)
    assert not_multipart.status_code == 415
    assert not ImportJob.objects.exists()


def test_past_exports_are_listed_for_readers_of_the_trail(active_case, ana, boris, marko, partner_user, api_as):
    record = ExportRecord.objects.create(actor=ana, purpose="referral", file_format="csv-aes-zip", cases_included=1,
                                         cases_excluded=0, sha256="0" * 64)  # fmt: skip
    record.cases.add(active_case)
    assert _ids(api_as(boris), f"{API}/exports/") == (1, [record.pk])
    assert api_as(ana).get(f"{API}/exports/").status_code == 404
    assert api_as(marko).get(f"{API}/exports/").status_code == 404
    assert api_as(partner_user).get(f"{API}/exports/").status_code == 404
    assert api_as(boris).post(f"{API}/exports/", {}, content_type=JSON).status_code == 405
