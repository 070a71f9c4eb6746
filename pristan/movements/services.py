"""Requesting a movement and taking it to arrival: every change checked, atomic and audited.

Changing a movement needs the right to change the case of every traveller in it, in the movement
section (see selectors.py for why a movement is seen and changed whole). An entry of the audit
trail is written in the case of every traveller for what concerns them all (the movement, its
stage, its legs), and in one traveller's case for what concerns only them.
"""

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from functools import partial
from typing import Any

import pycountry
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pristan.assistance.services import FORMER_CURRENCIES
from pristan.cases.models import Case
from pristan.cases.services import assignable_users
from pristan.core import access, geography
from pristan.core.audit import apply_changes, audit_record
from pristan.core.models import AuditEntry, Membership, Role, Scope
from pristan.core.policy import Section
from pristan.core.sealed import _SealedField
from pristan.keystore.services import destroy_data_key
from pristan.movements.models import (
    Allowance,
    AllowanceKind,
    Counselling,
    DocumentKind,
    DocumentStatus,
    Escort,
    Fitness,
    FitToTravel,
    Leg,
    Movement,
    MovementKind,
    MovementStage,
    MovementTraveller,
    StopReason,
    TravelDocument,
)
from pristan.movements.selectors import movement_missing
from pristan.movements.signals import movement_arrived
from pristan.people.models import Person

S = MovementStage
ALLOWED_STAGES: dict[str, frozenset[str]] = {
    S.REQUESTED: frozenset({S.APPROVED, S.CANCELLED}),
    S.APPROVED: frozenset({S.TRAVEL_DOCUMENTS, S.CANCELLED}),
    S.TRAVEL_DOCUMENTS: frozenset({S.FIT_TO_TRAVEL, S.CANCELLED}),
    S.FIT_TO_TRAVEL: frozenset({S.BOOKED, S.CANCELLED}),
    S.BOOKED: frozenset({S.TRAVEL_READY, S.CANCELLED}),
    S.TRAVEL_READY: frozenset({S.DEPARTED, S.BOOKED, S.NO_SHOW, S.CANCELLED}),  # back to booked: the booking changed
    S.NO_SHOW: frozenset({S.BOOKED, S.CANCELLED}),  # booked again, or given up
    S.DEPARTED: frozenset({S.ARRIVED}),
    S.ARRIVED: frozenset(),
    S.CANCELLED: frozenset(),
}
CLOSED = frozenset({S.ARRIVED, S.CANCELLED})
UNDER_WAY = frozenset({S.TRAVEL_READY, S.DEPARTED, *CLOSED})  # no more travellers join
STOPPED = frozenset({S.CANCELLED, S.NO_SHOW})
DOCUMENT_STATUSES: dict[str, frozenset[str]] = {
    DocumentStatus.REQUESTED: frozenset({DocumentStatus.REQUESTED, DocumentStatus.ISSUED, DocumentStatus.VALID}),
    DocumentStatus.ISSUED: frozenset({DocumentStatus.ISSUED, DocumentStatus.VALID, DocumentStatus.EXPIRED}),
    DocumentStatus.VALID: frozenset({DocumentStatus.VALID, DocumentStatus.EXPIRED}),
    DocumentStatus.EXPIRED: frozenset({DocumentStatus.EXPIRED}),
}

TRANSITION_NOT_ALLOWED = _("A movement cannot move from %(current)s to %(target)s.")
APPROVERS_ONLY = _("Only a supervisor or a movement officer of the travellers' offices can approve a movement.")
NOT_READY = _("The movement cannot be travel-ready while something is missing:")
NEEDS_STOP_REASON = _("Choose the reason.")
NEEDS_RECEPTION = _("Record the office or partner organisation that receives the travellers before confirming arrival.")
NOT_IN_FUTURE = _("This cannot be confirmed before it happens.")
ARRIVAL_BEFORE_DEPARTURE = _("The arrival cannot be before the departure.")
MOVEMENT_CLOSED = _("This movement has ended: nothing more can be changed in it.")
ALREADY_TRAVELLING = _("This person already travels in this movement.")
NO_MORE_TRAVELLERS = _("Travellers can join a movement only until it is booked; move it back to booked first.")
NOT_A_TRAVELLER = _("Choose a traveller of this movement.")
CHOOSE_COUNTRY = _("Choose a country from the list.")
NOT_IN_PAST = _("The date cannot be in the past.")
NOT_IN_FUTURE_DATE = _("The date cannot be in the future.")
DEPARTURE_FOLLOWS_LEGS = _("The departure is the day the first leg leaves: change the legs of the route instead.")


# Access -----------------------------------------------------------------------------------------


def _require_write(actor: User, cases: Iterable[Case], section: Section = Section.MOVEMENT) -> None:
    for case in cases:
        access.require_write(actor, case, section)


def _cases(movement: Movement) -> list[Case]:
    return [traveller.case for traveller in movement.travellers.select_related("case", "case__person", "case__office")]


def require_movement_write(actor: User, movement: Movement) -> list[Case]:
    """The travellers' cases, once the actor is found to be allowed to change every one of them."""
    cases = _cases(movement)
    _require_write(actor, cases)
    return cases


def _may_approve(actor: User, case: Case) -> bool:
    """A supervisor (policy.overrides) of the case, or a movement officer whose membership reaches its office."""
    if access.can_override(actor, case):
        return True
    officers = Membership.objects.filter(user_id=actor.pk, role=Role.MOVEMENT_OFFICER)
    return any(m.scope == Scope.GLOBAL or case.office_id in access.membership_offices(m) for m in officers)


def _require_open(movement: Movement) -> None:
    if movement.stage in CLOSED:
        raise ValidationError(MOVEMENT_CLOSED, code="closed")


def _audit(actor: User, action: str, obj: Model, cases: Iterable[Case], fields: Iterable[str], detail: str = "") -> None:
    """One entry in the trail of every case concerned: field names only, never values."""
    names = sorted(set(fields))
    for case in cases:
        audit_record(actor=actor, action=action, obj=obj, case=case, fields=names, detail=detail)


# Requesting and describing a movement ----------------------------------------------------------

MOVEMENT_FIELDS = ("kind", "destination_country", "departs_on", "receiving_office", "receiving_partner")


def _validate_movement(data: dict[str, Any], *, planned_changed: bool) -> None:
    errors: dict[str, Any] = {}
    if data.get("kind") not in MovementKind.values:
        errors["kind"] = _("Choose the kind of movement.")
    if not geography.is_country(str(data.get("destination_country") or "")):
        errors["destination_country"] = CHOOSE_COUNTRY
    if planned_changed and data.get("departs_on") and data["departs_on"] < timezone.localdate():
        errors["departs_on"] = NOT_IN_PAST
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def movement_request(*, actor: User, case: Case, data: dict[str, Any], others: Sequence[Case] = ()) -> Movement:
    """Request a movement for the case's person and any others of their household travelling with them."""
    cases = list({c.pk: c for c in (case, *others)}.values())
    _require_write(actor, cases)
    data = {name: data.get(name) for name in MOVEMENT_FIELDS}
    _validate_movement(data, planned_changed=True)
    movement = Movement.objects.create(office=case.office, requested_by=actor, **data)
    for each in cases:
        traveller = MovementTraveller.objects.create(movement=movement, case=each)
        audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=traveller, case=each, fields=["movement", "case"])
    _audit(actor, AuditEntry.Action.CREATE, movement, cases, [name for name, value in data.items() if value])
    return movement


@transaction.atomic
def movement_update(*, actor: User, movement: Movement, data: dict[str, Any]) -> Movement:
    cases = require_movement_write(actor, movement)
    _require_open(movement)
    data = {name: data[name] for name in MOVEMENT_FIELDS if name in data}
    if "departs_on" in data and data["departs_on"] != movement.departs_on and movement.legs.exists():
        raise ValidationError({"departs_on": DEPARTURE_FOLLOWS_LEGS})
    _validate_movement(
        {**{name: getattr(movement, name) for name in MOVEMENT_FIELDS}, **data},
        planned_changed=data.get("departs_on", movement.departs_on) != movement.departs_on,
    )
    changed = apply_changes(movement, data)
    if changed:
        movement.save(update_fields=[*changed, "updated_at"])
        _audit(actor, AuditEntry.Action.UPDATE, movement, cases, changed)
    return movement


@transaction.atomic
def traveller_add(*, actor: User, movement: Movement, case: Case) -> MovementTraveller:
    """Another member of the household joins the movement."""
    _require_write(actor, [*require_movement_write(actor, movement), case])
    if movement.stage in UNDER_WAY:
        raise ValidationError({"reference": NO_MORE_TRAVELLERS})
    if movement.travellers.filter(case=case).exists():
        raise ValidationError({"reference": ALREADY_TRAVELLING})
    traveller = MovementTraveller.objects.create(movement=movement, case=case)
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=traveller, case=case, fields=["movement", "case"])
    return traveller


# Stages -----------------------------------------------------------------------------------------


def _label(stage: str) -> str:
    return str(MovementStage(stage).label) if stage in MovementStage.values else stage


@transaction.atomic
def movement_change_stage(
    *, actor: User, movement: Movement, stage: str, reason: str = "", details: str = "", at: datetime | None = None
) -> Movement:
    """Move the movement on, by the table of allowed stages. Approval is for supervisors and movement
    officers; travel-ready waits until nothing is missing; cancellation and no-show need a reason;
    departure and arrival are confirmed by whoever records them, at the time given (now by default)."""
    cases = require_movement_write(actor, movement)
    current = movement.stage
    if stage not in ALLOWED_STAGES.get(current, frozenset()):
        raise ValidationError(
            {"stage": ValidationError(TRANSITION_NOT_ALLOWED, params={"current": _label(current), "target": _label(stage)})}
        )
    changed = ["stage"]
    now = timezone.now()
    if stage == S.APPROVED:
        if not all(_may_approve(actor, case) for case in cases):
            raise ValidationError({"stage": APPROVERS_ONLY})
        movement.approved_by, movement.approved_at = actor, now
        changed += ["approved_by", "approved_at"]
    elif stage == S.TRAVEL_READY:
        missing = movement_missing(movement)
        if missing:
            raise ValidationError([NOT_READY, *[item.message for item in missing]], code="missing")
    elif stage in STOPPED:
        if reason not in StopReason.values:
            raise ValidationError({"reason": NEEDS_STOP_REASON})
        movement.stop_reason, movement.stop_details = reason, details.strip()
        changed += ["stop_reason", "stop_details"]
    elif stage == S.DEPARTED:
        when = at or now
        if when > now:
            raise ValidationError({"at": NOT_IN_FUTURE})
        movement.departed_at, movement.departure_confirmed_by = when, actor
        changed += ["departed_at", "departure_confirmed_by"]
    elif stage == S.ARRIVED:
        when = at or now
        if movement.receiving_office_id is None and movement.receiving_partner_id is None:
            raise ValidationError({"stage": NEEDS_RECEPTION})
        if when > now:
            raise ValidationError({"at": NOT_IN_FUTURE})
        if movement.departed_at and when < movement.departed_at:
            raise ValidationError({"at": ARRIVAL_BEFORE_DEPARTURE})
        movement.arrived_at, movement.arrival_confirmed_by = when, actor
        changed += ["arrived_at", "arrival_confirmed_by"]
    if current in STOPPED and stage not in STOPPED:  # booked again after a no-show
        movement.stop_reason, movement.stop_details = "", ""
        changed += ["stop_reason", "stop_details"]
    movement.stage = stage
    movement.save(update_fields=[*changed, "updated_at"])
    _audit(actor, AuditEntry.Action.TRANSITION, movement, cases, changed, detail=f"{current} → {stage}")
    if stage == S.ARRIVED:
        movement_arrived.send(sender=Movement, movement=movement, actor=actor)
    return movement


# The route --------------------------------------------------------------------------------------

LEG_FIELDS = (
    "from_city", "from_country", "to_city", "to_country", "carrier", "number", "departs_at", "arrives_at",
    "transit_assistance", "transit_note",
)  # fmt: skip


def _refresh_departure(movement: Movement) -> list[str]:
    """The movement departs on the day its first leg leaves (as on the ticket)."""
    first = movement.legs.order_by("order", "id").first()
    day = timezone.localtime(first.departs_at).date() if first else movement.departs_on
    if day == movement.departs_on:
        return []
    movement.departs_on = day
    movement.save(update_fields=["departs_on", "updated_at"])
    return ["departs_on"]


@transaction.atomic
def leg_add(*, actor: User, movement: Movement, data: dict[str, Any]) -> Leg:
    cases = require_movement_write(actor, movement)
    _require_open(movement)
    data = {name: data[name] for name in LEG_FIELDS if name in data}
    errors: dict[str, Any] = {}
    for name in ("from_country", "to_country"):
        if not geography.is_country(str(data.get(name) or "")):
            errors[name] = CHOOSE_COUNTRY
    for name in ("from_city", "to_city"):
        if not str(data.get(name) or "").strip():
            errors[name] = _("Name the city.")
    departs, arrives = data.get("departs_at"), data.get("arrives_at")
    # Times are local at each end, as on the ticket: only within one country can they be compared.
    if departs and arrives and data.get("from_country") == data.get("to_country") and arrives < departs:
        errors["arrives_at"] = ARRIVAL_BEFORE_DEPARTURE
    if errors:
        raise ValidationError(errors)
    order = (movement.legs.aggregate(last=Max("order"))["last"] or 0) + 1
    leg = Leg.objects.create(movement=movement, order=order, **data)
    _audit(actor, AuditEntry.Action.CREATE, leg, cases, data)
    changed = _refresh_departure(movement)
    if changed:
        _audit(actor, AuditEntry.Action.UPDATE, movement, cases, changed)
    return leg


@transaction.atomic
def leg_remove(*, actor: User, leg: Leg) -> None:
    movement = leg.movement
    cases = require_movement_write(actor, movement)
    _require_open(movement)
    if movement.stage in (S.TRAVEL_READY, S.DEPARTED):
        raise ValidationError(_("Move the movement back to booked before changing its route."))
    _audit(actor, AuditEntry.Action.DELETE, leg, cases, ["order"])
    leg.delete()
    changed = _refresh_departure(movement)
    if changed:
        _audit(actor, AuditEntry.Action.UPDATE, movement, cases, changed)


# What concerns one traveller --------------------------------------------------------------------


def _traveller_of(movement: Movement, traveller: MovementTraveller) -> MovementTraveller:
    if traveller.movement_id != movement.pk:
        raise ValidationError({"traveller": NOT_A_TRAVELLER})
    return traveller


def _not_future(day: date | None, name: str) -> None:
    if day is not None and day > timezone.localdate():
        raise ValidationError({name: NOT_IN_FUTURE_DATE})


@transaction.atomic
def counselling_record(
    *, actor: User, movement: Movement, travellers: Sequence[MovementTraveller], on: date, by: User | None = None, note: str = ""
) -> list[Counselling]:
    """Pre-departure counselling, of one traveller or of several counselled together."""
    require_movement_write(actor, movement)
    _require_open(movement)
    if not travellers:
        raise ValidationError({"travellers": _("Choose who was counselled.")})
    for traveller in travellers:
        _traveller_of(movement, traveller)
    _not_future(on, "on")
    counsellor = by or actor
    if not assignable_users(travellers[0].case).filter(pk=counsellor.pk).exists():
        raise ValidationError({"by": _("Choose someone who works on cases in the case's office.")})
    records = []
    for traveller in travellers:
        record = Counselling.objects.create(traveller=traveller, case=traveller.case, on=on, by=counsellor, note=note.strip())
        audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=record, case=traveller.case, fields=["on", "by", "note"])
        records.append(record)
    return records


def _validate_document(data: dict[str, Any], *, current: str | None) -> None:
    errors: dict[str, Any] = {}
    status = data.get("status")
    if data.get("kind") not in DocumentKind.values:
        errors["kind"] = _("Choose the kind of document.")
    if status not in DocumentStatus.values:
        errors["status"] = _("Choose the status from the list.")
    elif current is not None and status not in DOCUMENT_STATUSES[current]:
        errors["status"] = ValidationError(
            _("A document that is %(current)s cannot become %(target)s."),
            params={"current": DocumentStatus(current).label, "target": DocumentStatus(status).label},
        )
    elif status == DocumentStatus.VALID:
        if not str(data.get("number") or "").strip():
            errors["number"] = _("Give the document's number before recording it as valid.")
        if data.get("expires_on") and data["expires_on"] < timezone.localdate():
            errors["expires_on"] = _("A document that has expired cannot be valid.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def document_add(*, actor: User, movement: Movement, traveller: MovementTraveller, data: dict[str, Any]) -> TravelDocument:
    require_movement_write(actor, movement)
    _require_open(movement)
    _traveller_of(movement, traveller)
    data = {name: data.get(name) for name in ("kind", "number", "status", "expires_on")}
    data["number"] = str(data["number"] or "").strip()
    _validate_document(data, current=None)
    document = TravelDocument.objects.create(traveller=traveller, case=traveller.case, **data)
    audit_record(
        actor=actor, action=AuditEntry.Action.CREATE, obj=document, case=traveller.case,
        fields=[name for name, value in data.items() if value],
    )  # fmt: skip
    return document


@transaction.atomic
def document_update(*, actor: User, document: TravelDocument, data: dict[str, Any]) -> TravelDocument:
    """A new status (requested → issued → valid → expired), and the number or expiry once known."""
    movement = document.traveller.movement
    require_movement_write(actor, movement)
    _require_open(movement)
    data = {name: data[name] for name in ("status", "number", "expires_on") if name in data}
    if "number" in data:
        data["number"] = str(data["number"] or "").strip() or document.number  # an empty field keeps the number
    if data.get("expires_on") is None:
        data.pop("expires_on", None)
    merged = {"kind": document.kind, "status": document.status, "number": document.number, "expires_on": document.expires_on}
    _validate_document({**merged, **data}, current=document.status)
    previous = document.status
    changed = apply_changes(document, data)
    if changed:
        document.save(update_fields=changed)
        detail = f"{previous} → {document.status}" if "status" in changed else ""
        audit_record(
            actor=actor, action=AuditEntry.Action.UPDATE, obj=document, case=document.case, fields=changed, detail=detail
        )
    return document


@transaction.atomic
def fitness_record(*, actor: User, movement: Movement, traveller: MovementTraveller, data: dict[str, Any]) -> FitToTravel:
    """The fit-to-travel clearance: health detail, so only for those granted the traveller's health section."""
    require_movement_write(actor, movement)
    _traveller_of(movement, traveller)
    access.require_write_record(actor, FitToTravel(case=traveller.case, traveller=traveller))
    _require_open(movement)
    data = {name: data.get(name) for name in ("outcome", "assessed_on", "escort", "medical_note")}
    data["escort"] = data["escort"] or Escort.NONE
    data["medical_note"] = str(data["medical_note"] or "").strip()
    errors: dict[str, Any] = {}
    if data["outcome"] not in Fitness.values:
        errors["outcome"] = _("Choose the outcome of the assessment.")
    if data["escort"] not in Escort.values:
        errors["escort"] = _("Choose the escort from the list.")
    elif data["outcome"] == Fitness.FIT_WITH_ESCORT and data["escort"] == Escort.NONE:
        errors["escort"] = _("Say which escort the person needs.")
    if data["assessed_on"] is None:
        errors["assessed_on"] = _("Give the date of the assessment.")
    if errors:
        raise ValidationError(errors)
    _not_future(data["assessed_on"], "assessed_on")
    clearance = FitToTravel.objects.create(traveller=traveller, case=traveller.case, recorded_by=actor, **data)
    audit_record(
        actor=actor, action=AuditEntry.Action.CREATE, obj=clearance, case=traveller.case,
        fields=[name for name, value in data.items() if value],
    )  # fmt: skip
    return clearance


def _currency_error(currency: str) -> bool:
    """As the assistance plan takes currencies: ISO 4217, or one recently replaced by the euro."""
    return pycountry.currencies.get(alpha_3=currency) is None and currency not in FORMER_CURRENCIES


@transaction.atomic
def allowance_add(*, actor: User, movement: Movement, traveller: MovementTraveller, data: dict[str, Any]) -> Allowance:
    """A travel or reintegration allowance paid to one traveller (allowed after arrival too)."""
    require_movement_write(actor, movement)
    _traveller_of(movement, traveller)
    data = {name: data.get(name) for name in ("kind", "amount", "currency", "paid_on")}
    data["currency"] = str(data["currency"] or "").strip().upper()
    errors: dict[str, Any] = {}
    if data["kind"] not in AllowanceKind.values:
        errors["kind"] = _("Choose the kind of allowance.")
    if data["amount"] is None or data["amount"] <= 0:
        errors["amount"] = _("Give the amount paid.")
    if _currency_error(data["currency"]):
        errors["currency"] = _("Give the currency as a three-letter code, such as EUR or BGN.")
    if data["paid_on"] is None:
        errors["paid_on"] = _("Give the date of payment.")
    if errors:
        raise ValidationError(errors)
    _not_future(data["paid_on"], "paid_on")
    allowance = Allowance.objects.create(traveller=traveller, case=traveller.case, recorded_by=actor, **data)
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=allowance, case=traveller.case, fields=data)
    return allowance


def require_case_in_movement(movement: Movement, case: Case) -> None:
    """A page of one case only acts on movements that case travels in."""
    if not movement.travellers.filter(case=case).exists():
        raise PermissionDenied


def _sealed_columns(model: type[Model]) -> list[str]:
    return [each.name for each in model._meta.concrete_fields if isinstance(each, _SealedField)]


def erasure_of_traveller(*, person: Person, actor: User | None, **kwargs: Any) -> None:
    """Receives `person_erased`: a movement whose travellers are now all erased loses its own sealed
    notes (the reason it stopped, the legs' transit notes), and its data key once the erasure commits."""
    for movement in Movement.objects.filter(travellers__case__person=person).distinct().select_related("office"):
        if movement.key_id is None or movement.travellers.filter(case__person__erased_at__isnull=True).exists():
            continue
        own, legs = _sealed_columns(Movement), _sealed_columns(Leg)
        Movement.objects.filter(pk=movement.pk).update(**dict.fromkeys(own, b""))
        Leg.objects.filter(movement=movement).update(**dict.fromkeys(legs, b""))
        audit_record(
            actor=actor, action=AuditEntry.Action.UPDATE, obj=movement, office=movement.office,
            fields=[*own, *(f"legs.{column}" for column in legs)], detail="erased: every traveller was erased",
        )  # fmt: skip
        transaction.on_commit(partial(destroy_data_key, movement.key_id), robust=True)
