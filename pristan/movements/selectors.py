"""Reading movements: who sees which, what each still lacks, the board and the manifest.

Who sees a movement: a user sees a movement only if they may see the case of **every** traveller
in it, with the movement section granted (pristan/core/access.py decides each case). A movement
binds a household together; shown in part, it would either mislead (a manifest one child short,
a board saying nothing is missing while a hidden traveller lacks a document) or betray that there
is someone the reader may not see. So a movement with one traveller hidden from the user does not
exist for them — not on the board, not in the manifest, not in any count, not on the case page of
the travellers they do see — and whoever may see it sees all of it. Changing it likewise needs the
right to change every traveller's case.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from pristan.cases.models import Case
from pristan.core import access
from pristan.core.models import Membership, PartnerMembership
from pristan.core.policy import PARTNER_SECTIONS, Section, policy
from pristan.keystore.services import preload_for
from pristan.movements.models import (
    DocumentStatus,
    FitToTravel,
    Leg,
    Movement,
    MovementStage,
    MovementTraveller,
    TravelDocument,
)

AnyUser = User | AnonymousUser

# Stages in which a movement is still being prepared: the board shows these unless asked for others.
PREPARING = (
    MovementStage.REQUESTED, MovementStage.APPROVED, MovementStage.TRAVEL_DOCUMENTS, MovementStage.FIT_TO_TRAVEL,
    MovementStage.BOOKED, MovementStage.TRAVEL_READY, MovementStage.NO_SHOW,
)  # fmt: skip
BOARD_DAYS = 30


def may_use_movements(user: AnyUser) -> bool:
    """Whether the user works with movements at all (the board, the manifest, the menu link): some
    membership of theirs grants the movement section."""
    if not user.is_authenticated or not user.is_active:
        return False
    if any(Section.MOVEMENT in policy(m.role).sections for m in Membership.objects.filter(user_id=user.pk)):
        return True
    return Section.MOVEMENT in PARTNER_SECTIONS and PartnerMembership.objects.filter(user_id=user.pk).exists()


def movements_for(user: AnyUser, within: QuerySet[Movement] | None = None) -> QuerySet[Movement]:
    """The movements (of `within`, or of all) the user may see: those with the case of every
    traveller visible to them with the movement section granted.

    `access.cases_for` narrows them down in the database; the grant of each traveller's case then
    decides the section, since a case may be seen without it (a focal point's, a case referred to
    the user's office). Narrow `within` first (a day, a case): the grants are checked in Python."""
    if not may_use_movements(user):
        return Movement.objects.none()
    cases = access.cases_for(user)
    anyone = MovementTraveller.objects.filter(movement=OuterRef("pk"))
    hidden = anyone.exclude(case__in=cases.values("pk"))
    candidates = (Movement.objects.all() if within is None else within).filter(Exists(anyone)).exclude(Exists(hidden))
    granted: dict[int, bool] = {}
    visible = []
    for movement in candidates.prefetch_related(Prefetch("travellers", MovementTraveller.objects.select_related("case"))):
        for traveller in movement.travellers.all():
            if traveller.case_id not in granted:
                grant = access.grant_for(user, traveller.case)
                granted[traveller.case_id] = grant is not None and grant.has(Section.MOVEMENT)
        if all(granted[traveller.case_id] for traveller in movement.travellers.all()):
            visible.append(movement.pk)
    return Movement.objects.filter(pk__in=visible)


def movements_of_case(*, user: AnyUser, case: Case) -> QuerySet[Movement]:
    return movements_for(
        user, Movement.objects.filter(Exists(MovementTraveller.objects.filter(movement=OuterRef("pk"), case=case)))
    )


def travellers_of(movements: QuerySet[Movement]) -> QuerySet[MovementTraveller]:
    return MovementTraveller.objects.filter(movement__in=movements).select_related("case", "case__person")


# What a movement still lacks before it is travel-ready ------------------------------------------


@dataclass(frozen=True)
class Missing:
    code: str  # "leg", "document", "document_pending", "document_expires", "fitness", "not_fit", "counselling"
    reference: str  # the traveller's case, or "" for the movement as a whole
    message: str


def latest_clearance(traveller: MovementTraveller) -> FitToTravel | None:
    clearances = list(traveller.clearances.all())  # newest first (the model's ordering), prefetched on the board
    return clearances[0] if clearances else None


def _document_missing(traveller: MovementTraveller, departure: date) -> list[Missing]:
    reference = traveller.case.reference
    current = [document for document in traveller.documents.all() if document.status != DocumentStatus.EXPIRED]
    pending = [document for document in current if document.status != DocumentStatus.VALID]
    expiring = [d for d in current if d.status == DocumentStatus.VALID and d.expires_on and d.expires_on < departure]
    usable = [d for d in current if d.status == DocumentStatus.VALID and d not in expiring]
    missing = []
    if not usable:
        message = _("%(reference)s: no valid travel document.") % {"reference": reference}
        missing.append(Missing("document", reference, message))
    for document in pending:
        message = _("%(reference)s: %(document)s not valid yet.") % {
            "reference": reference, "document": document.get_kind_display(),
        }  # fmt: skip
        missing.append(Missing("document_pending", reference, message))
    for document in expiring:
        message = _("%(reference)s: %(document)s expires before the departure.") % {
            "reference": reference, "document": document.get_kind_display(),
        }  # fmt: skip
        missing.append(Missing("document_expires", reference, message))
    return missing


def movement_missing(movement: Movement) -> list[Missing]:
    """What stands between the movement and travel-ready: the rule the stage change enforces and
    the board shows. Travel documents all valid (and valid on the day of departure), fit to travel
    recorded and not refused for every traveller, counselling done for every traveller, and at
    least one leg booked. It names the traveller by case reference and never says why someone is
    not fit. Reads the movement's related records through `.all()`, so prefetch them for lists."""
    departure = movement.departs_on or timezone.localdate()
    missing: list[Missing] = []
    if not movement.legs.all():
        missing.append(Missing("leg", "", _("No leg of the route is booked.")))
    for traveller in movement.travellers.all():
        reference = traveller.case.reference
        missing += _document_missing(traveller, departure)
        clearance = latest_clearance(traveller)
        if clearance is None:
            message = _("%(reference)s: fitness to travel not recorded.") % {"reference": reference}
            missing.append(Missing("fitness", reference, message))
        elif not clearance.cleared:
            message = _("%(reference)s: not cleared to travel.") % {"reference": reference}
            missing.append(Missing("not_fit", reference, message))
        if not traveller.counselling.all():
            message = _("%(reference)s: pre-departure counselling not done.") % {"reference": reference}
            missing.append(Missing("counselling", reference, message))
    return missing


def _with_details(movements: QuerySet[Movement]) -> QuerySet[Movement]:
    """Everything `movement_missing`, the board and the manifest read, in a fixed number of queries."""
    return movements.select_related("office", "receiving_office", "receiving_partner").prefetch_related(
        Prefetch("travellers", MovementTraveller.objects.select_related("case", "case__person", "case__office")),
        Prefetch("travellers__documents", TravelDocument.objects.order_by("id")),
        Prefetch("travellers__clearances", FitToTravel.objects.order_by("-assessed_on", "-id")),
        "travellers__counselling",
        "travellers__allowances",
        Prefetch("legs", Leg.objects.order_by("order", "id")),
    )


def route_of(movement: Movement) -> tuple[Leg, Leg] | None:
    """The first and last legs (prefetched), or None before any is booked."""
    legs = list(movement.legs.all())
    return (legs[0], legs[-1]) if legs else None


def route_key(movement: Movement) -> str:
    """The route as the manifest names it: the first leg's country of departure and the last leg's
    country of arrival, such as "BG-MD"."""
    ends = route_of(movement)
    return f"{ends[0].from_country}-{ends[1].to_country}" if ends else ""


# The board ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardFilters:
    since: date | None = None
    until: date | None = None
    office: str = ""  # an office code
    stage: str = ""


@dataclass
class BoardRow:
    movement: Movement
    travellers: list[MovementTraveller]
    missing: list[Missing]
    route: str
    first_leg: Leg | None = None
    last_leg: Leg | None = None


@dataclass
class Board:
    upcoming: list[BoardRow] = field(default_factory=list)
    undated: list[BoardRow] = field(default_factory=list)
    since: date | None = None
    until: date | None = None


def _rows(movements: Iterable[Movement]) -> list[BoardRow]:
    rows = []
    for movement in movements:
        ends = route_of(movement)
        rows.append(
            BoardRow(
                movement=movement,
                travellers=list(movement.travellers.all()),
                missing=movement_missing(movement),
                route=route_key(movement),
                first_leg=ends[0] if ends else None,
                last_leg=ends[1] if ends else None,
            )
        )
    preload_for([traveller for row in rows for traveller in row.travellers])  # the names, unwrapped in one query
    return rows


def movement_board(*, user: AnyUser, filters: BoardFilters) -> Board:
    """Upcoming departures (from today, 30 days by default) and movements not dated yet, each with
    what it still lacks; only movements the user may see."""
    since = filters.since or timezone.localdate()
    until = filters.until or since + timedelta(days=BOARD_DAYS)
    movements = Movement.objects.filter(Q(departs_on__gte=since, departs_on__lte=until) | Q(departs_on__isnull=True))
    if filters.office:
        movements = movements.filter(office__code=filters.office)
    movements = movements.filter(stage=filters.stage) if filters.stage else movements.filter(stage__in=PREPARING)
    visible = movements_for(user, movements)
    upcoming = _with_details(visible.filter(departs_on__isnull=False)).order_by("departs_on", "id")
    undated = _with_details(visible.filter(departs_on__isnull=True)).order_by("id")
    return Board(upcoming=_rows(upcoming), undated=_rows(undated), since=since, until=until)


# The case page --------------------------------------------------------------------------------


@dataclass
class TravellerView:
    traveller: MovementTraveller
    documents: list[TravelDocument]
    clearance: FitToTravel | None
    health: bool  # the reader is granted the health section of this traveller's case: sees the clearance in full
    numbers: bool  # the reader is granted the summary section: sees document numbers


@dataclass
class MovementView:
    movement: Movement
    travellers: list[TravellerView]
    legs: list[Leg]
    missing: list[Missing]
    route: str


def case_movements(*, user: AnyUser, case: Case) -> list[MovementView]:
    """The movements of a case that the user may see, with everything the case page shows."""
    movements = _with_details(movements_of_case(user=user, case=case)).order_by("-id")
    views = []
    for movement in movements:
        travellers = []
        for traveller in movement.travellers.all():
            sections = access.visible_sections(user, traveller.case)
            travellers.append(
                TravellerView(
                    traveller=traveller,
                    documents=list(traveller.documents.all()),
                    clearance=latest_clearance(traveller),
                    health=access.possible_sections(FitToTravel) <= sections,
                    numbers=Section.SUMMARY in sections,
                )
            )
        views.append(
            MovementView(
                movement=movement,
                travellers=travellers,
                legs=list(movement.legs.all()),
                missing=movement_missing(movement),
                route=route_key(movement),
            )
        )
    preload_for([view.traveller for movement_view in views for view in movement_view.travellers])
    return views


# The manifest ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ManifestDocument:
    kind: str
    status: str
    number: str | None  # None: the reader may not see it


@dataclass(frozen=True)
class ManifestTraveller:
    case: Case
    name: str
    name_latin: str
    documents: list[ManifestDocument]
    escort: str


@dataclass(frozen=True)
class ManifestMovement:
    movement: Movement
    travellers: list[ManifestTraveller]
    legs: list[Leg]


def manifest_movements(*, user: AnyUser, day: date, route: str) -> list[ManifestMovement]:
    """The movements that leave on the day on the route (see `route_key`), as the manifest lists them:
    not cancelled, seen by the user; document numbers only for readers granted the summary section,
    escort needs without any medical detail."""
    leaving = Movement.objects.filter(departs_on=day).exclude(stage=MovementStage.CANCELLED)
    movements = _with_details(movements_for(user, leaving))
    chosen = [movement for movement in movements.order_by("id") if route_key(movement) == route.upper()]
    preload_for([traveller for movement in chosen for traveller in movement.travellers.all()])
    result = []
    for movement in chosen:
        travellers = []
        for traveller in movement.travellers.all():
            numbers = Section.SUMMARY in access.visible_sections(user, traveller.case)
            clearance = latest_clearance(traveller)
            person = traveller.case.person
            travellers.append(
                ManifestTraveller(
                    case=traveller.case,
                    name=person.full_name,
                    name_latin=person.name_latin,
                    documents=[
                        ManifestDocument(d.get_kind_display(), d.get_status_display(), d.number if numbers else None)
                        for d in traveller.documents.all()
                    ],
                    escort=clearance.get_escort_display() if clearance else "",
                )
            )
        result.append(ManifestMovement(movement=movement, travellers=travellers, legs=list(movement.legs.all())))
    return result
