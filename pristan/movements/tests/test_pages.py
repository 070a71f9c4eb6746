"""The Movement tab of a case, through the test client: thin views over the services."""

from django.urls import reverse
from django.utils import timezone

from pristan.movements.models import Movement, MovementStage
from pristan.movements.tests.conftest import departure_day, make_ready, to_booked


def test_a_household_movement_is_requested_from_the_tab(household, ana, client_of):
    mother, father, child = household
    client = client_of(ana)
    url = reverse("case_movement", args=[mother.reference])
    assert client.get(url).status_code == 200
    response = client.post(url, {
        "request-kind": "voluntary_return", "request-destination_country": "MD",
        "request-departs_on": departure_day().isoformat(), "request-others": f"{father.reference}, {child.reference.lower()}",
    })  # fmt: skip
    movement = Movement.objects.get()
    assert response.status_code == 302
    assert response.url.endswith(f"#movement-{movement.pk}")
    assert {t.case for t in movement.travellers.all()} == set(household)
    page = client.get(reverse("case_movement", args=[child.reference])).content.decode()
    assert movement.label in page
    assert "Иван Петров" in page


def test_request_errors_are_shown_beside_the_field(household, ana, client_of):
    url = reverse("case_movement", args=[household[0].reference])
    response = client_of(ana).post(url, {"request-kind": "voluntary_return", "request-destination_country": "",
                                         "request-others": "SKP-2026-00001"})  # fmt: skip
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    response = client_of(ana).post(url, {"request-kind": "voluntary_return", "request-destination_country": "MD",
                                         "request-others": "SKP-2026-00001"})  # fmt: skip
    assert response.status_code == 422
    assert "SKP-2026-00001 is not a case whose movement you may arrange." in response.content.decode()
    assert not Movement.objects.exists()


def test_travel_ready_is_refused_on_the_tab_with_what_is_missing(household, request_movement, ana, boris, client_of):
    movement = to_booked(request_movement(household[:1]), ana, boris)
    url = reverse("movement_stage", args=[household[0].reference])
    data = {
        "movement_id": movement.pk,
        f"m{movement.pk}-stage-movement": movement.pk,
        f"m{movement.pk}-stage-stage": "travel_ready",
    }
    response = client_of(ana).post(url, data)
    assert response.status_code == 422
    body = response.content.decode()
    assert "The movement cannot be travel-ready while something is missing:" in body
    assert "No leg of the route is booked." in body
    make_ready(movement, ana)
    response = client_of(ana).post(url, data)
    assert response.status_code == 302
    movement.refresh_from_db()
    assert movement.stage == MovementStage.TRAVEL_READY


def test_a_caseworker_cannot_approve_on_the_tab(household, request_movement, ana, client_of):
    movement = request_movement(household[:1])
    response = client_of(ana).post(reverse("movement_stage", args=[household[0].reference]), {
        "movement_id": movement.pk, f"m{movement.pk}-stage-movement": movement.pk, f"m{movement.pk}-stage-stage": "approved",
    })  # fmt: skip
    assert response.status_code == 422
    assert "Only a supervisor or a movement officer" in response.content.decode()


def test_a_traveller_joins_by_case_reference(household, request_movement, ana, client_of):
    movement = request_movement(household[:1])
    prefix = f"m{movement.pk}-traveller"
    url = reverse("traveller_create", args=[household[0].reference])
    response = client_of(ana).post(url, {"movement_id": movement.pk, f"{prefix}-movement": movement.pk,
                                         f"{prefix}-reference": household[2].reference})  # fmt: skip
    assert response.status_code == 302
    assert movement.travellers.count() == 2
    response = client_of(ana).post(url, {"movement_id": movement.pk, f"{prefix}-movement": movement.pk,
                                         f"{prefix}-reference": "SOF-2026-99999"})  # fmt: skip
    assert response.status_code == 422
    assert "SOF-2026-99999 is not a case whose movement you may arrange." in response.content.decode()


def test_documents_legs_and_allowances_are_recorded_on_the_tab(household, request_movement, ana, client_of):
    movement = request_movement(household[:1])
    traveller = movement.travellers.get()
    client = client_of(ana)
    reference = household[0].reference
    pk = movement.pk
    response = client.post(reverse("movement_document_create", args=[reference]), {
        "movement_id": pk, f"m{pk}-document-traveller": traveller.pk, f"m{pk}-document-kind": "passport",
        f"m{pk}-document-status": "requested",
    })  # fmt: skip
    assert response.status_code == 302
    document = traveller.documents.get()
    response = client.post(reverse("movement_document_status", args=[reference]),
                           {"document": document.pk, "status": "valid", "number": ""}, follow=True)  # fmt: skip
    assert "Give the document&#x27;s number before recording it as valid." in response.content.decode()
    client.post(
        reverse("movement_document_status", args=[reference]), {"document": document.pk, "status": "valid", "number": "123"}
    )
    document.refresh_from_db()
    assert document.status == "valid"

    response = client.post(reverse("leg_create", args=[reference]), {
        "movement_id": pk, f"m{pk}-leg-movement": pk, f"m{pk}-leg-from_city": "Sofia", f"m{pk}-leg-from_country": "BG",
        f"m{pk}-leg-to_city": "Chișinău", f"m{pk}-leg-to_country": "MD", f"m{pk}-leg-departs_at": "2030-03-04T10:30",
        f"m{pk}-leg-arrives_at": "2030-03-04T12:05", f"m{pk}-leg-transit_assistance": "on",
    })  # fmt: skip
    assert response.status_code == 302
    movement.refresh_from_db()
    assert movement.departs_on.isoformat() == "2030-03-04"
    leg = movement.legs.get()
    assert timezone.localtime(leg.departs_at).strftime("%H:%M") == "10:30"

    response = client.post(reverse("allowance_create", args=[reference]), {
        "movement_id": pk, f"m{pk}-allowance-traveller": traveller.pk, f"m{pk}-allowance-kind": "travel",
        f"m{pk}-allowance-amount": "100", f"m{pk}-allowance-currency": "", f"m{pk}-allowance-paid_on": "2026-01-05",
    })  # fmt: skip
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    assert not traveller.allowances.exists()

    response = client.post(reverse("leg_delete", args=[reference]), {"leg": leg.pk})
    assert response.status_code == 302
    assert not movement.legs.exists()


def test_a_movement_officer_cannot_post_a_clearance(household, request_movement, mila, client_of):
    movement = request_movement(household[:1])
    traveller = movement.travellers.get()
    response = client_of(mila).post(reverse("fitness_create", args=[household[0].reference]), {
        "movement_id": movement.pk, f"m{movement.pk}-fitness-traveller": traveller.pk,
        f"m{movement.pk}-fitness-outcome": "fit", f"m{movement.pk}-fitness-assessed_on": timezone.localdate().isoformat(),
    })  # fmt: skip
    assert response.status_code == 403
    assert not traveller.clearances.exists()


def test_a_movement_of_another_case_cannot_be_acted_on_from_this_tab(household, request_movement, ana, client_of):
    elsewhere = request_movement(household[1:2])
    response = client_of(ana).post(reverse("leg_create", args=[household[0].reference]), {
        "movement_id": elsewhere.pk, f"m{elsewhere.pk}-leg-movement": elsewhere.pk,
    })  # fmt: skip
    assert response.status_code == 422
    assert "Choose the movement again" in response.content.decode()
    assert not elsewhere.legs.exists()
