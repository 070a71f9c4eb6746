"""The rules of a movement, through its services."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from pristan.core.models import AuditEntry
from pristan.movements import services
from pristan.movements.models import Allowance, MovementStage, TravelDocument
from pristan.movements.selectors import movement_missing
from pristan.movements.signals import movement_arrived
from pristan.movements.tests.conftest import add_leg, advance, at, departure_day, make_ready, to_booked

S = MovementStage


def _messages(error: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(error.value.messages)


def test_a_household_of_three_travels_as_one_movement(household, request_movement, ana):
    movement = request_movement(household)
    assert movement.stage == S.REQUESTED
    assert movement.office == household[0].office
    assert [t.case for t in movement.travellers.order_by("id")] == household
    for case in household:
        entries = AuditEntry.objects.filter(case=case, object_type="movements.movement", action=AuditEntry.Action.CREATE)
        assert entries.count() == 1, "every traveller's case records the request"


def test_the_stages_follow_the_table(household, request_movement, ana, boris):
    movement = request_movement(household[:1])
    with pytest.raises(ValidationError) as error:
        services.movement_change_stage(actor=boris, movement=movement, stage=S.BOOKED)
    assert "A movement cannot move from Requested to Booked." in _messages(error)
    advance(movement, boris, S.APPROVED)
    advance(movement, ana, S.TRAVEL_DOCUMENTS, S.FIT_TO_TRAVEL, S.BOOKED)
    with pytest.raises(ValidationError) as error:
        services.movement_change_stage(actor=ana, movement=movement, stage=S.ARRIVED)
    assert "from Booked to Arrived" in _messages(error)
    movement.refresh_from_db()
    assert movement.stage == S.BOOKED


def test_only_a_supervisor_or_a_movement_officer_approves(household, request_movement, ana, boris, mila):
    movement = request_movement(household[:1])
    with pytest.raises(ValidationError) as error:
        services.movement_change_stage(actor=ana, movement=movement, stage=S.APPROVED)
    assert "Only a supervisor or a movement officer" in _messages(error)
    advance(movement, mila, S.APPROVED)
    movement.refresh_from_db()
    assert (movement.stage, movement.approved_by) == (S.APPROVED, mila)
    other = request_movement(household[1:2])
    advance(other, boris, S.APPROVED)


def test_travel_ready_waits_until_nothing_is_missing(household, request_movement, ana, boris):
    movement = to_booked(request_movement(household), ana, boris)
    with pytest.raises(ValidationError) as error:
        services.movement_change_stage(actor=ana, movement=movement, stage=S.TRAVEL_READY)
    text = _messages(error)
    assert "cannot be travel-ready while something is missing" in text
    assert "No leg of the route is booked." in text
    for case in household:
        assert f"{case.reference}: no valid travel document." in text
        assert f"{case.reference}: fitness to travel not recorded." in text
        assert f"{case.reference}: pre-departure counselling not done." in text
    assert len(movement_missing(movement)) == 1 + 3 * 3

    make_ready(movement, ana)
    mother = movement.travellers.get(case=household[0])
    visa = services.document_add(actor=ana, movement=movement, traveller=mother, data={"kind": "visa", "status": "requested"})
    with pytest.raises(ValidationError) as error:
        services.movement_change_stage(actor=ana, movement=movement, stage=S.TRAVEL_READY)
    assert f"{household[0].reference}: Visa not valid yet." in _messages(error)

    services.document_update(actor=ana, document=visa, data={"status": "valid", "number": "MD-0042"})
    services.movement_change_stage(actor=ana, movement=movement, stage=S.TRAVEL_READY)
    movement.refresh_from_db()
    assert movement.stage == S.TRAVEL_READY
    assert movement.departs_on == departure_day()


def test_a_traveller_not_cleared_blocks_travel_ready(household, request_movement, ana, boris):
    movement = make_ready(to_booked(request_movement(household[:1]), ana, boris), ana)
    traveller = movement.travellers.get()
    services.fitness_record(
        actor=ana, movement=movement, traveller=traveller,
        data={"outcome": "not_fit", "assessed_on": timezone.localdate(), "medical_note": "Fractured leg"},
    )  # fmt: skip
    with pytest.raises(ValidationError) as error:
        services.movement_change_stage(actor=ana, movement=movement, stage=S.TRAVEL_READY)
    assert f"{household[0].reference}: not cleared to travel." in _messages(error)
    assert "Fractured" not in _messages(error), "the reason someone is not fit stays in the health section"


def test_a_document_expiring_before_departure_is_missing(household, request_movement, ana):
    movement = request_movement(household[:1])
    traveller = movement.travellers.get()
    add_leg(movement, ana)
    services.document_add(
        actor=ana, movement=movement, traveller=traveller,
        data={"kind": "passport", "number": "123", "status": "valid", "expires_on": departure_day() - timedelta(days=1)},
    )  # fmt: skip
    codes = {item.code for item in movement_missing(movement)}
    assert {"document", "document_expires"} <= codes


def test_cancelling_and_no_show_need_a_reason(household, request_movement, ana, boris):
    movement = request_movement(household[:1])
    with pytest.raises(ValidationError) as error:
        services.movement_change_stage(actor=ana, movement=movement, stage=S.CANCELLED)
    assert error.value.message_dict == {"reason": ["Choose the reason."]}
    services.movement_change_stage(
        actor=ana, movement=movement, stage=S.CANCELLED, reason="person_withdrew", details="Decided to stay with her sister."
    )
    movement.refresh_from_db()
    assert (movement.stage, movement.stop_reason, movement.stop_details) == (S.CANCELLED, "person_withdrew",
                                                                             "Decided to stay with her sister.")  # fmt: skip
    with pytest.raises(ValidationError) as error:
        add_leg(movement, ana)
    assert "has ended" in _messages(error)


def test_departure_and_arrival_are_confirmed_and_handed_over(household, request_movement, ana, boris, skopje):
    movement = make_ready(to_booked(request_movement(household[:2]), ana, boris), ana, day=timezone.localdate())
    advance(movement, ana, S.TRAVEL_READY)
    departed = timezone.now() - timedelta(hours=3)
    services.movement_change_stage(actor=ana, movement=movement, stage=S.DEPARTED, at=departed)
    with pytest.raises(ValidationError) as error:
        services.movement_change_stage(actor=boris, movement=movement, stage=S.ARRIVED)
    assert "receives the travellers" in _messages(error)
    services.movement_update(actor=ana, movement=movement, data={"receiving_office": skopje})
    with pytest.raises(ValidationError) as error:
        services.movement_change_stage(actor=boris, movement=movement, stage=S.ARRIVED, at=departed - timedelta(hours=1))
    assert "The arrival cannot be before the departure." in _messages(error)

    heard = []

    def receiver(sender, movement, actor, **kwargs):
        heard.append((movement.pk, movement.receiving_office, actor))

    movement_arrived.connect(receiver)
    try:
        services.movement_change_stage(actor=boris, movement=movement, stage=S.ARRIVED)
    finally:
        movement_arrived.disconnect(receiver)
    movement.refresh_from_db()
    assert (movement.departed_at, movement.departure_confirmed_by) == (departed, ana)
    assert movement.arrived_at is not None
    assert movement.arrival_confirmed_by == boris
    assert heard == [(movement.pk, skopje, boris)]


def test_a_no_show_can_be_booked_again(household, request_movement, ana, boris):
    movement = make_ready(to_booked(request_movement(household[:1]), ana, boris), ana)
    advance(movement, ana, S.TRAVEL_READY)
    services.movement_change_stage(actor=ana, movement=movement, stage=S.NO_SHOW, reason="unreachable")
    advance(movement, ana, S.BOOKED)
    movement.refresh_from_db()
    assert (movement.stage, movement.stop_reason) == (S.BOOKED, "")


def test_document_statuses_move_forward_only(household, request_movement, ana):
    movement = request_movement(household[:1])
    traveller = movement.travellers.get()
    document = services.document_add(
        actor=ana, movement=movement, traveller=traveller, data={"kind": "emergency_travel_document", "status": "requested"}
    )
    with pytest.raises(ValidationError) as error:
        services.document_update(actor=ana, document=document, data={"status": "valid"})
    assert "Give the document's number before recording it as valid." in _messages(error)
    services.document_update(actor=ana, document=document, data={"status": "valid", "number": "ETD 55"})
    services.document_update(actor=ana, document=document, data={"status": "expired"})
    with pytest.raises(ValidationError) as error:
        services.document_update(actor=ana, document=document, data={"status": "valid"})
    assert "A document that is Expired cannot become Valid." in _messages(error)
    document.refresh_from_db()
    assert (document.status, document.number) == ("expired", "ETD 55")


def test_fitness_to_travel_needs_the_health_section(household, request_movement, mila, ana):
    movement = request_movement(household[:1])
    traveller = movement.travellers.get()
    with pytest.raises(PermissionDenied):
        services.fitness_record(
            actor=mila, movement=movement, traveller=traveller, data={"outcome": "fit", "assessed_on": timezone.localdate()}
        )
    with pytest.raises(ValidationError) as error:
        services.fitness_record(
            actor=ana, movement=movement, traveller=traveller,
            data={"outcome": "fit_with_escort", "assessed_on": timezone.localdate(), "escort": "none"},
        )  # fmt: skip
    assert error.value.message_dict == {"escort": ["Say which escort the person needs."]}


def test_allowances_take_a_currency_as_assistance_does(household, request_movement, ana, mila):
    movement = request_movement(household[:2])
    father = movement.travellers.get(case=household[1])
    data = {"kind": "reintegration", "amount": Decimal("250.00"), "currency": "xyz", "paid_on": timezone.localdate()}
    with pytest.raises(ValidationError) as error:
        services.allowance_add(actor=mila, movement=movement, traveller=father, data=data)
    assert "currency" in error.value.message_dict
    services.allowance_add(actor=mila, movement=movement, traveller=father, data={**data, "currency": "mdl"})
    allowance = Allowance.objects.get()
    assert (allowance.case, allowance.currency, allowance.amount) == (household[1], "MDL", Decimal("250.00"))


def test_only_those_who_may_change_every_travellers_case_change_the_movement(household, request_movement, ana, nina, marko):
    movement = request_movement(household)  # the daughter's case is a child's: Nina has no clearance
    for actor in (nina, marko):
        with pytest.raises(PermissionDenied):
            add_leg(movement, actor)
    assert not movement.legs.exists()


def test_a_traveller_joins_only_once_and_before_travel_ready(household, request_movement, ana, boris):
    movement = request_movement(household[:2])
    with pytest.raises(ValidationError) as error:
        services.traveller_add(actor=ana, movement=movement, case=household[1])
    assert "already travels" in _messages(error)
    services.traveller_add(actor=ana, movement=movement, case=household[2])
    assert movement.travellers.count() == 3


def test_the_audit_trail_names_fields_never_values(household, request_movement, ana, boris):
    movement = make_ready(to_booked(request_movement(household[:1]), ana, boris), ana)
    advance(movement, ana, S.TRAVEL_READY)
    entries = AuditEntry.objects.filter(case=household[0], object_type__startswith="movements.")
    document = TravelDocument.objects.get()
    created = entries.get(object_type="movements.traveldocument")
    assert created.fields == ["expires_on", "kind", "number", "status"]
    transition = entries.filter(action=AuditEntry.Action.TRANSITION).latest("sequence")
    assert transition.fields == ["stage"]
    assert transition.detail == "booked → travel_ready"
    clearance = entries.get(object_type="movements.fittotravel")
    assert "outcome" in clearance.fields
    leg = entries.get(object_type="movements.leg")
    assert "from_city" in leg.fields
    assert "departs_at" in leg.fields
    for entry in entries:
        stored = f"{entry.fields} {entry.detail}"
        for value in (document.number, "София", "Chișinău", "9U 172", "fit"):
            assert value not in stored.replace("fit_to_travel", ""), (entry.object_type, stored)


def test_the_leg_times_of_one_country_must_be_in_order(household, request_movement, ana):
    movement = request_movement(household[:1], kind="relocation", destination_country="BG")
    day = departure_day()
    with pytest.raises(ValidationError) as error:
        add_leg(movement, ana, to_city="Варна", to_country="BG", arrives_at=at(day, 9))
    assert error.value.message_dict == {"arrives_at": ["The arrival cannot be before the departure."]}


def test_an_arrival_dates_the_reintegration_plan_and_plans_its_visits(household, request_movement, ana, boris, skopje, mila):
    from pristan.reintegration.models import ReintegrationPlan, Visit
    from pristan.reintegration.services import plan_save

    mother, father = household[:2]
    plan_save(actor=ana, case=mother, data={"economic_objectives": "A small bakery"})  # planned before the return
    movement = make_ready(to_booked(request_movement([mother, father]), ana, boris), ana, day=timezone.localdate())
    advance(movement, ana, S.TRAVEL_READY)
    services.movement_change_stage(actor=ana, movement=movement, stage=S.DEPARTED, at=timezone.now() - timedelta(hours=3))
    services.movement_update(actor=ana, movement=movement, data={"receiving_office": skopje})
    services.movement_change_stage(actor=mila, movement=movement, stage=S.ARRIVED)  # no reintegration rights needed
    plan = ReintegrationPlan.objects.get(case=mother)
    assert plan.arrival_on == timezone.localdate()
    assert sorted(Visit.objects.filter(case=mother).values_list("months_after", flat=True)) == [3, 6, 12]
    # A plan started after the return takes the date of arrival too.
    assert plan_save(actor=ana, case=father, data={"economic_objectives": "Work"}).arrival_on == timezone.localdate()
