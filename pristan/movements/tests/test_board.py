"""The movement officer's board: upcoming departures and what each still lacks."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pristan.core.models import AuditEntry
from pristan.movements.models import MovementStage
from pristan.movements.selectors import BoardFilters, movement_board, movement_missing
from pristan.movements.tests.conftest import add_leg, advance, departure_day, make_ready, to_booked


def test_the_board_shows_what_each_departure_still_lacks(household, request_movement, ana, boris, mila, client_of):
    ready = make_ready(to_booked(request_movement(household[:1]), ana, boris), ana)
    advance(ready, ana, MovementStage.TRAVEL_READY)
    lacking = request_movement(household[1:], departs_on=departure_day())
    add_leg(lacking, ana)

    board = movement_board(user=mila, filters=BoardFilters())
    rows = {row.movement.pk: row for row in board.upcoming}
    assert set(rows) == {ready.pk, lacking.pk}
    assert rows[ready.pk].missing == []
    assert [item.message for item in rows[lacking.pk].missing] == [item.message for item in movement_missing(lacking)]
    assert {item.code for item in rows[lacking.pk].missing} == {"document", "fitness", "counselling"}
    assert rows[lacking.pk].route == "BG-MD"

    page = client_of(mila).get(reverse("movement_board")).content.decode()
    assert f"{household[1].reference}: no valid travel document." in page
    assert f"{household[2].reference}: pre-departure counselling not done." in page
    assert "Ема Петрова" in page
    assert "route=BG-MD" in page


def test_the_board_looks_30_days_ahead_and_filters(household, request_movement, ana, mila, skopje, client_of):
    soon = request_movement(household[:1], departs_on=departure_day())
    later = request_movement(household[1:2], departs_on=timezone.localdate() + timedelta(days=45))
    undated = request_movement(household[2:])
    board = movement_board(user=mila, filters=BoardFilters())
    assert [row.movement for row in board.upcoming] == [soon]
    assert [row.movement for row in board.undated] == [undated]
    wider = movement_board(user=mila, filters=BoardFilters(until=timezone.localdate() + timedelta(days=60)))
    assert [row.movement for row in wider.upcoming] == [soon, later]
    assert movement_board(user=mila, filters=BoardFilters(office="SKP")).upcoming == []
    assert [row.movement for row in movement_board(user=mila, filters=BoardFilters(stage="requested")).upcoming] == [soon]
    assert movement_board(user=mila, filters=BoardFilters(stage="booked")).upcoming == []

    response = client_of(mila).get(reverse("movement_board"), {"since": "2026-05-10", "until": "2026-05-01"})
    assert response.status_code == 422
    assert "The end cannot be before the start." in response.content.decode()


def test_the_board_takes_the_same_queries_for_more_movements(open_case, request_movement, ana, mila, client_of):
    def movements(count: int) -> None:
        for index in range(count):
            movement = request_movement([open_case(given_name=f"Лице{index}")], departs_on=departure_day())
            add_leg(movement, ana)

    client = client_of(mila)
    movements(2)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("movement_board"))
    movements(6)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("movement_board"))
    assert len(response.context["board"].upcoming) == 8
    assert len(many) == len(few)


def test_the_menu_offers_the_board_to_those_who_work_with_movements(ana, mila, vera, client_of):
    link = f'href="{reverse("movement_board")}"'
    assert link in client_of(mila).get(reverse("my_cases")).content.decode()
    assert link in client_of(ana).get(reverse("my_cases")).content.decode()
    assert link not in client_of(vera).get(reverse("my_cases")).content.decode()
    assert client_of(vera).get(reverse("movement_board")).status_code == 404


def test_the_board_records_which_cases_it_showed(household, request_movement, mila, client_of):
    soon = request_movement(household[:2], departs_on=departure_day())
    client_of(mila).get(reverse("movement_board"))
    entry = AuditEntry.objects.get(action=AuditEntry.Action.LISTED)
    assert (entry.actor, entry.detail) == (mila, "movement_board")
    assert entry.fields == sorted((str(traveller.case_id) for traveller in soon.travellers.all()), key=int)
