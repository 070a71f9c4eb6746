"""A group movement seals its own notes under a key of its own: erased with its last traveller."""

from pristan.core.models import AuditEntry
from pristan.erasure.services import ErasureReason, person_erase
from pristan.erasure.tests.conftest import raw_values
from pristan.keystore.models import DataKey
from pristan.movements import services
from pristan.movements.models import Leg, Movement, MovementStage
from pristan.movements.tests.conftest import add_leg


def test_the_movements_notes_and_key_go_with_its_last_traveller(
    household, request_movement, ana, boris, django_capture_on_commit_callbacks
):
    movement = request_movement(household[:2])
    add_leg(movement, ana, transit_assistance=True, transit_note="Met at Vienna by Ivana, +43 660 1234567.")
    services.movement_change_stage(
        actor=ana, movement=movement, stage=MovementStage.CANCELLED, reason="person_withdrew", details="Stays in Varna."
    )
    key_id = Movement.objects.get().key_id
    assert key_id is not None
    assert b"Vienna" not in raw_values(Leg._meta.db_table, "transit_note")[0]  # sealed

    with django_capture_on_commit_callbacks(execute=True):
        person_erase(actor=boris, person=household[0].person, reason=ErasureReason.REQUEST)
    movement = Movement.objects.get()
    assert (movement.stop_details, Leg.objects.get().transit_note) == (
        "Stays in Varna.",
        "Met at Vienna by Ivana, +43 660 1234567.",
    )
    assert DataKey.objects.filter(id=key_id).exists()  # the other traveller's movement still

    with django_capture_on_commit_callbacks(execute=True):
        person_erase(actor=boris, person=household[1].person, reason=ErasureReason.REQUEST)
    assert not DataKey.objects.filter(id=key_id).exists()
    assert raw_values(Movement._meta.db_table, "stop_details") == [b""]
    assert raw_values(Leg._meta.db_table, "transit_note") == [b""]
    movement = Movement.objects.get()
    assert (movement.stop_details, movement.stop_reason, movement.stage) == ("", "person_withdrew", MovementStage.CANCELLED)
    entry = AuditEntry.objects.filter(object_type="movements.movement").latest("sequence")
    assert (entry.detail, entry.fields) == ("erased: every traveller was erased", ["legs.transit_note", "stop_details"])


def test_a_movement_of_others_is_left_alone(household, request_movement, ana, boris, django_capture_on_commit_callbacks):
    mine, theirs = request_movement(household[:1]), request_movement(household[1:2])
    assert mine.key_id is not None
    assert theirs.key_id is not None
    with django_capture_on_commit_callbacks(execute=True):
        person_erase(actor=boris, person=household[0].person, reason=ErasureReason.REQUEST)
    assert not DataKey.objects.filter(id=mine.key_id).exists()
    assert DataKey.objects.filter(id=theirs.key_id).exists()
