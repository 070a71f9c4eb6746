"""The movements' small world: a household of three registered in Sofia (a mother, a father and their
ten-year-old daughter), Mila the movement officer of Sofia, and helpers that take a movement through
the real services."""

import io
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from pypdf import PdfReader

from pristan.cases.models import Case
from pristan.core.models import Office, Role
from pristan.core.services import membership_grant
from pristan.movements import services
from pristan.movements.models import Movement, MovementStage

DEPARTURE = 7  # days from today


def departure_day() -> date:
    return timezone.localdate() + timedelta(days=DEPARTURE)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@pytest.fixture
def mila(sofia: Office, django_user_model: type[User]) -> User:
    user = django_user_model.objects.create_user("mila", first_name="Мила", last_name="Илиева")
    membership_grant(actor=None, user=user, office=sofia, role=Role.MOVEMENT_OFFICER, child_clearance=True)
    return user


@pytest.fixture
def household(open_case: Callable[..., Case]) -> list[Case]:
    mother = open_case(given_name="Мария", family_name="Петрова", born=date(1990, 2, 3))
    father = open_case(given_name="Иван", family_name="Петров", born=date(1988, 7, 9))
    child = open_case(given_name="Ема", family_name="Петрова", born=timezone.localdate() - timedelta(days=365 * 10))
    assert child.is_minor
    return [mother, father, child]


@pytest.fixture
def request_movement(ana: User) -> Callable[..., Movement]:
    def make(cases: list[Case], actor: User | None = None, **data: object) -> Movement:
        fields = {"kind": "voluntary_return", "destination_country": "MD", **data}
        return services.movement_request(actor=actor or ana, case=cases[0], data=fields, others=cases[1:])

    return make


def advance(movement: Movement, actor: User, *stages: str) -> Movement:
    for stage in stages:
        services.movement_change_stage(actor=actor, movement=movement, stage=stage)
    return movement


def make_ready(movement: Movement, actor: User, *, day: date | None = None) -> Movement:
    """Everything travel-ready asks for: valid documents, clearances, counselling, one leg."""
    day = day or departure_day()
    travellers = list(movement.travellers.select_related("case"))
    for number, traveller in enumerate(travellers, start=1):
        services.document_add(
            actor=actor, movement=movement, traveller=traveller,
            data={"kind": "passport", "number": f"ПА{number:06d}", "status": "valid", "expires_on": day + timedelta(days=365)},
        )  # fmt: skip
        services.fitness_record(
            actor=actor, movement=movement, traveller=traveller,
            data={"outcome": "fit", "assessed_on": timezone.localdate(), "escort": "none", "medical_note": ""},
        )  # fmt: skip
    services.counselling_record(actor=actor, movement=movement, travellers=travellers, on=timezone.localdate())
    add_leg(movement, actor, day=day)
    return movement


def add_leg(movement: Movement, actor: User, *, day: date | None = None, **extra: object) -> None:
    day = day or departure_day()
    services.leg_add(
        actor=actor, movement=movement,
        data={"from_city": "София", "from_country": "BG", "to_city": "Chișinău", "to_country": "MD", "carrier": "Air Moldova",
              "number": "9U 172", "departs_at": at(day, 10, 30), "arrives_at": at(day, 12, 5), **extra},
    )  # fmt: skip


def to_booked(movement: Movement, caseworker: User, supervisor: User) -> Movement:
    advance(movement, supervisor, MovementStage.APPROVED)
    return advance(movement, caseworker, MovementStage.TRAVEL_DOCUMENTS, MovementStage.FIT_TO_TRAVEL, MovementStage.BOOKED)


def pdf_text(content: bytes) -> str:
    """The text of every page of a PDF, as a reader (or a screen reader) gets it."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
