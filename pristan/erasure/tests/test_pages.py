"""The erasure pages through Django's test client: asking from the case, deciding as the focal
point (after confirming identity), what others get, and the office administrator's retention page."""

from datetime import date

import pytest
from django.urls import reverse

from pristan.core.models import AuditEntry, Office, Role
from pristan.core.services import membership_grant
from pristan.erasure.models import ErasureRequest, ErasureStatus
from pristan.erasure.services import erasure_request
from pristan.erasure.tests.conftest import NAME
from pristan.exports.models import ExportRecord
from pristan.keystore.models import DataKey
from pristan.people.models import Person

REASON = "She asked for it in person at the Sofia office."


def test_the_summary_offers_the_request_to_those_who_may_change_it(case, ana, fiona, client_of):
    url = reverse("erasure_request", args=[case.reference])
    assert url in client_of(ana).get(reverse("case_summary", args=[case.reference])).content.decode()
    assert url not in client_of(fiona).get(reverse("case_summary", args=[case.reference])).content.decode()


def test_a_caseworker_requests_and_may_withdraw(case, ana, client_of):
    client = client_of(ana)
    url = reverse("erasure_request", args=[case.reference])
    assert client.post(url, {"reason": ""}).status_code == 422
    response = client.post(url, {"reason": REASON})
    assert response.status_code == 302
    request = ErasureRequest.objects.get()
    assert (request.requested_by, request.case, request.reason) == (ana, case, REASON)
    page = client.get(url).content.decode()
    assert "Withdraw the request" in page
    assert client.post(url, {"action": "withdraw"}).status_code == 302
    assert ErasureRequest.objects.get().status == ErasureStatus.WITHDRAWN


def test_a_focal_point_approves_after_confirming_identity(
    full_case, ana, fiona, client_of, confirmed_client_of, django_capture_on_commit_callbacks
):
    erasure_request(actor=ana, case=full_case, reason=REASON)
    listing = client_of(fiona).get(reverse("erasure_list"))
    decide = reverse("erasure_decide", args=[full_case.reference])
    assert decide in listing.content.decode()

    page = client_of(fiona).get(decide).content.decode()
    assert REASON in page
    assert "stays readable to whoever holds the archive and its passphrase" in page

    approve = {"decision": "approve", "note": "Identity checked.", "understood": "on"}
    unconfirmed = client_of(fiona).post(decide, approve)
    assert unconfirmed.status_code == 302
    assert unconfirmed.url.startswith(reverse("reauthenticate"))
    assert ErasureRequest.objects.get().is_pending
    assert client_of(fiona).post(decide, {"decision": "approve"}).status_code == 422  # must confirm it cannot be undone

    with django_capture_on_commit_callbacks(execute=True):
        response = confirmed_client_of(fiona).post(decide, approve)
    assert response.status_code == 302
    person = Person.objects.get(pk=full_case.person_id)
    assert person.erased_at is not None
    assert not DataKey.objects.filter(id=person.sealing_key_id()).exists()

    # Pages show a clear marker instead of empty names, and refuse writes with a message.
    client = client_of(ana)
    summary = client.get(reverse("case_summary", args=[full_case.reference])).content.decode()
    assert "Erased on" in summary
    assert NAME[0] not in summary
    rows = client.post(reverse("case_list"), {"q": full_case.reference}).content.decode()
    assert "Erased on" in rows
    refused = client.post(reverse("note_create", args=[full_case.reference]), {"text": "One more thing."})
    assert refused.status_code == 403
    assert "was erased" in refused.content.decode()
    assert client.post(reverse("case_list"), {"q": NAME[0]}).content.decode().count("Erased on") == 0


def test_a_refusal_through_the_page(case, ana, fiona, client_of):
    erasure_request(actor=ana, case=case, reason=REASON)
    decide = reverse("erasure_decide", args=[case.reference])
    assert client_of(fiona).post(decide, {"decision": "refuse"}).status_code == 422  # a refusal needs a note
    assert client_of(fiona).post(decide, {"decision": "refuse", "note": "Legal hold by the court."}).status_code == 302
    assert ErasureRequest.objects.get().status == ErasureStatus.REFUSED
    assert Person.objects.get(pk=case.person_id).erased_at is None


def test_the_decision_page_lists_the_exports_that_held_the_person(case, ana, boris, fiona, client_of):
    record = ExportRecord.objects.create(
        actor=boris, purpose="authority", file_format="csv-aes-zip", cases_included=1, cases_excluded=0, sha256="ab" * 32
    )
    record.cases.add(case)
    erasure_request(actor=ana, case=case, reason=REASON)
    page = client_of(fiona).get(reverse("erasure_decide", args=[case.reference])).content.decode()
    assert "Boris" in page
    assert "abababababab" in page


@pytest.mark.parametrize("who", ["ana", "boris", "movement"])  # the partner's 403 is in authorization.toml
def test_others_who_see_the_case_may_not_decide(who, active_case, ana, boris, sofia, django_user_model, client_of):
    users = {"ana": ana, "boris": boris}
    if who == "movement":
        users[who] = django_user_model.objects.create_user(who)
        membership_grant(actor=None, user=users[who], office=sofia, role=Role.MOVEMENT_OFFICER, child_clearance=True)
    erasure_request(actor=boris if who == "ana" else ana, case=active_case, reason=REASON)
    client = client_of(users[who])
    decide = reverse("erasure_decide", args=[active_case.reference])
    assert client.get(decide).status_code == 403
    assert client.post(decide, {"decision": "approve", "understood": "on"}).status_code == 403
    assert client.get(reverse("erasure_list")).status_code == 403
    assert ErasureRequest.objects.get().is_pending


@pytest.mark.parametrize("who", ["marko", "stefan", "auditor"])
def test_others_who_do_not_see_the_case_get_404(who, case, ana, marko, stefan, sofia, django_user_model, client_of):
    users = {"marko": marko, "stefan": stefan}
    if who == "auditor":
        users[who] = django_user_model.objects.create_user(who)
        membership_grant(actor=None, user=users[who], office=sofia, role=Role.AUDITOR, child_clearance=True)
    erasure_request(actor=ana, case=case, reason=REASON)
    client = client_of(users[who])
    decide = reverse("erasure_decide", args=[case.reference])
    assert client.get(decide).status_code == 404
    assert client.post(decide, {"decision": "approve", "understood": "on"}).status_code == 404
    assert ErasureRequest.objects.get().is_pending
    assert AuditEntry.objects.filter(action=AuditEntry.Action.DENIED, actor=users[who]).exists()


def test_a_childs_case_stays_invisible_to_a_focal_point_without_clearance(open_case, ana, filip, fiona, client_of):
    child = open_case("Мила", "Стоянова", born=date(2014, 3, 1))
    erasure_request(actor=ana, case=child, reason=REASON)
    client = client_of(filip)
    listing = client.get(reverse("erasure_list"))
    assert listing.status_code == 200
    assert child.reference not in listing.content.decode()
    assert client.get(reverse("erasure_decide", args=[child.reference])).status_code == 404
    assert child.reference in client_of(fiona).get(reverse("erasure_list")).content.decode()


def test_the_list_counts_the_persons_due_under_retention(open_case, ana, vera, sofia, fiona, client_of):
    from pristan.cases.models import Case
    from pristan.cases.services import case_change_stage
    from pristan.erasure.services import retention_set

    retention_set(actor=vera, office=sofia, years=1)
    case = open_case()
    case_change_stage(actor=ana, case=case, stage="closed", closure_reason="declined")
    Case.objects.filter(pk=case.pk).update(closed_on=date(2001, 1, 1))
    page = client_of(fiona).get(reverse("erasure_list")).content.decode()
    assert "1 person whose cases have all been closed" in page
    assert "Иван" not in page


def test_the_office_administrator_sets_the_retention_period(vera, sofia, skopje, ana, client_of):
    client = client_of(vera)
    url = reverse("retention_settings")
    assert client.get(url).status_code == 200
    assert client.post(url, {"office": sofia.pk, "retention_years": "0"}).status_code == 422
    assert client.post(url, {"office": sofia.pk, "retention_years": "6"}).status_code == 302
    assert Office.objects.get(pk=sofia.pk).retention_years == 6
    assert client.post(url, {"office": skopje.pk, "retention_years": "1"}).status_code == 422  # not her office
    assert Office.objects.get(pk=skopje.pk).retention_years is None
    assert client.post(url, {"office": sofia.pk, "retention_years": ""}).status_code == 302  # empty: keep records
    assert Office.objects.get(pk=sofia.pk).retention_years is None
    assert AuditEntry.objects.filter(action=AuditEntry.Action.CONFIGURE, object_type="core.office", actor=vera).count() == 2
    assert client_of(ana).get(url).status_code == 403
