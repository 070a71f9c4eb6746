"""Writing reintegration: the plan and its schedule of visits, assistance and payments, visits and
their scores, events, a supervisor's closure override, and new versions of the survey.

Every write checks access (the sections of the record it writes, as its model declares them:
reintegration, and health or psychosocial support for a medical or psychosocial item and its
payments), changes the data and writes its audit entry (field names only) in one transaction.
"""

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pycountry
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pristan.assistance.services import FORMER_CURRENCIES
from pristan.cases.models import Case
from pristan.core import access, geography
from pristan.core.audit import apply_changes, audit_record
from pristan.core.models import AuditEntry
from pristan.reintegration import schedule
from pristan.reintegration.models import (
    AssistanceItem,
    ClosureOverride,
    Disbursement,
    EventKind,
    ItemKind,
    ItemStatus,
    ReintegrationEvent,
    ReintegrationPlan,
    Survey,
    Visit,
    VisitStatus,
)
from pristan.reintegration.scores import score
from pristan.reintegration.survey import dimensions_of

PLAN_FIELDS = ("economic_objectives", "social_objectives", "psychosocial_objectives", "arrival_on")
ITEM_FIELDS = ("kind", "description", "business_plan", "provider", "budget", "budget_currency")
ITEM_TRANSITIONS: dict[str, frozenset[str]] = {
    ItemStatus.PLANNED: frozenset({ItemStatus.IN_PROGRESS, ItemStatus.DONE, ItemStatus.CANCELLED}),
    ItemStatus.IN_PROGRESS: frozenset({ItemStatus.DONE, ItemStatus.CANCELLED}),
    ItemStatus.DONE: frozenset(),
    ItemStatus.CANCELLED: frozenset(),
}

NO_PLAN = _("Start the reintegration plan first.")
ARRIVAL_IN_FUTURE = _("The date of arrival cannot be in the future: set it once the person has arrived.")
ARRIVAL_REMOVED = _("The date of arrival can be corrected, not removed: the monitoring visits are planned from it.")
STATUS_NOT_ALLOWED = _("Assistance that is %(current)s cannot become %(target)s.")
CURRENCY = _("Give the currency as a three-letter code, such as EUR or BGN.")
VISIT_NOT_PLANNED = _("This visit is already recorded.")
NO_ANSWERS = _("Answer at least one question, or mark the visit as not possible.")
NO_SURVEY = _("No reintegration survey is loaded: run `pristan survey load FILE`.")
IN_FUTURE = _("The date cannot be in the future.")


def _valid_currency(code: str) -> bool:
    return pycountry.currencies.get(alpha_3=code) is not None or code in FORMER_CURRENCIES


def _plan(case: Case) -> ReintegrationPlan:
    plan = ReintegrationPlan.objects.filter(case=case).first()
    if plan is None:
        raise ValidationError(NO_PLAN, code="no_plan")
    return plan


# --- the plan and its schedule ----------------------------------------------------------------


@transaction.atomic
def plan_save(*, actor: User, case: Case, data: dict[str, Any]) -> ReintegrationPlan:
    """Start the plan or change it. Setting the date of arrival plans the monitoring visits."""
    access.require_write_record(actor, ReintegrationPlan(case=case))
    plan = ReintegrationPlan.objects.select_for_update().filter(case=case).first()
    values = {name: data[name] for name in PLAN_FIELDS if name in data}
    if not values.get("arrival_on") and (plan is None or plan.arrival_on is None):
        values["arrival_on"] = _arrived_on(case)  # the person already came back: the date is known
    _check_arrival(plan, values.get("arrival_on", plan.arrival_on if plan else None))
    if plan is None:
        plan = ReintegrationPlan.objects.create(case=case, created_by=actor, **values)
        audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=plan, case=case, fields=values)
    else:
        changed = apply_changes(plan, values)
        if changed:
            plan.save(update_fields=[*changed, "updated_at"])
            audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=plan, case=case, fields=changed)
    _plan_visits(actor, plan)
    return plan


def _arrived_on(case: Case) -> date | None:
    """The day the person's latest completed movement arrived, if any (the date of return)."""
    from pristan.movements.models import MovementStage

    arrived = case.movement_travels.filter(movement__stage=MovementStage.ARRIVED).aggregate(last=Max("movement__arrived_at"))
    return timezone.localdate(arrived["last"]) if arrived["last"] else None


def arrival_from_movement(*, movement: Any, actor: User, **_: Any) -> None:
    """When a movement arrives, a traveller's reintegration plan without a date of return takes the
    arrival's, and its monitoring visits are planned (the movement's officer needs no reintegration
    rights for it: the date is a fact of the movement, recorded under their name)."""
    arrived_on = timezone.localdate(movement.arrived_at)
    plans = ReintegrationPlan.objects.select_for_update().filter(case__movement_travels__movement=movement, arrival_on=None)
    for plan in plans.select_related("case"):
        plan.arrival_on = arrived_on
        plan.save(update_fields=["arrival_on", "updated_at"])
        audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=plan, case=plan.case, fields=["arrival_on"])
        _plan_visits(actor, plan)


@transaction.atomic
def plan_set_arrival(*, actor: User, case: Case, arrival_on: date) -> ReintegrationPlan:
    """The date of return, from the movement's arrival once that is recorded (or by hand until then)."""
    return plan_save(actor=actor, case=case, data={"arrival_on": arrival_on})


def _check_arrival(plan: ReintegrationPlan | None, arrival_on: date | None) -> None:
    if arrival_on is not None and arrival_on > timezone.localdate():
        raise ValidationError({"arrival_on": ARRIVAL_IN_FUTURE})
    if arrival_on is None and plan is not None and plan.arrival_on is not None:
        raise ValidationError({"arrival_on": ARRIVAL_REMOVED})


def _plan_visits(actor: User, plan: ReintegrationPlan) -> None:
    """Plan the schedule's visits from the date of arrival; a corrected date moves the visits still
    planned, never those done or marked not possible."""
    if plan.arrival_on is None:
        return
    existing = {visit.months_after: visit for visit in Visit.objects.filter(case=plan.case)}
    for months, due_on in schedule.due_dates(plan.arrival_on).items():
        visit = existing.get(months)
        if visit is None:
            visit = Visit.objects.create(case=plan.case, months_after=months, due_on=due_on)
            audit_record(
                actor=actor, action=AuditEntry.Action.CREATE, obj=visit, case=plan.case, fields=["months_after", "due_on"]
            )
        elif visit.status == VisitStatus.PLANNED and visit.due_on != due_on:
            visit.due_on = due_on
            visit.save(update_fields=["due_on"])
            audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=visit, case=plan.case, fields=["due_on"])


# --- assistance and payments --------------------------------------------------------------------


@transaction.atomic
def item_add(*, actor: User, case: Case, data: dict[str, Any]) -> AssistanceItem:
    access.require_write_record(actor, AssistanceItem(case=case, kind=str(data.get("kind") or "")))
    _plan(case)
    values = {name: data[name] for name in ITEM_FIELDS if name in data}
    values["budget_currency"] = str(values.get("budget_currency") or "").strip().upper()
    errors: dict[str, Any] = {}
    if values.get("kind") not in ItemKind.values:
        errors["kind"] = _("Choose the kind of assistance.")
    if values.get("business_plan") and values.get("kind") != ItemKind.MICRO_BUSINESS:
        errors["business_plan"] = _("Only a micro-business has a business plan.")
    budget, currency = values.get("budget"), values["budget_currency"]
    if budget is not None and budget < 0:
        errors["budget"] = _("The budget cannot be negative.")
    elif budget is None and currency:
        errors["budget"] = _("Give the amount of the budget as well.")
    if (budget is not None or currency) and not _valid_currency(currency):
        errors["budget_currency"] = CURRENCY
    if errors:
        raise ValidationError(errors)
    item = AssistanceItem.objects.create(case=case, created_by=actor, **values)
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=item, case=case,
                 fields=[name for name, value in values.items() if value not in (None, "")])  # fmt: skip
    return item


@transaction.atomic
def item_change_status(*, actor: User, item: AssistanceItem, status: str) -> AssistanceItem:
    access.require_write_record(actor, item)
    item = AssistanceItem.objects.select_for_update().select_related("case").get(pk=item.pk)
    if status not in ITEM_TRANSITIONS.get(item.status, frozenset()):
        target = ItemStatus(status).label if status in ItemStatus.values else status
        raise ValidationError(
            {"status": ValidationError(STATUS_NOT_ALLOWED, params={"current": ItemStatus(item.status).label, "target": target})}
        )
    previous, item.status = item.status, status
    item.save(update_fields=["status"])
    audit_record(actor=actor, action=AuditEntry.Action.TRANSITION, obj=item, case=item.case, fields=["status"],
                 detail=f"{previous} → {status}")  # fmt: skip
    return item


@transaction.atomic
def disbursement_add(
    *, actor: User, item: AssistanceItem, amount: Decimal, currency: str, paid_on: date, note: str = ""
) -> Disbursement:
    access.require_write_record(actor, Disbursement(case=item.case, item=item))
    currency = currency.strip().upper()
    errors: dict[str, Any] = {}
    if item.status == ItemStatus.CANCELLED:
        errors["item"] = _("Cancelled assistance receives no more payments.")
    if amount <= 0:
        errors["amount"] = _("The amount must be more than zero.")
    if not _valid_currency(currency):
        errors["currency"] = CURRENCY
    if paid_on > timezone.localdate():
        errors["paid_on"] = _("Record a payment once it is made: the date cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    payment = Disbursement.objects.create(
        case=item.case, item=item, amount=amount, currency=currency, paid_on=paid_on, note=note.strip(), recorded_by=actor
    )
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=payment, case=item.case,
                 fields=["item", "amount", "currency", "paid_on", *(["note"] if note.strip() else [])])  # fmt: skip
    return payment


# --- monitoring visits ----------------------------------------------------------------------------


@transaction.atomic
def visit_record(*, actor: User, visit: Visit, done_on: date, answers: dict[str, str | None], note: str = "") -> Visit:
    """Record a visit with the answers to the current survey; its scores are computed now, with
    that version, and stay as they are when the survey changes."""
    access.require_write_record(actor, visit)
    visit = Visit.objects.select_for_update().select_related("case").get(pk=visit.pk)
    if visit.status != VisitStatus.PLANNED:
        raise ValidationError({"visit": VISIT_NOT_PLANNED})
    survey = Survey.objects.order_by("-version").first()
    if survey is None:
        raise ValidationError(NO_SURVEY)
    dimensions = dimensions_of(survey.definition)
    offered = {item.key: {option.key for option in item.options} for dimension in dimensions for item in dimension.items}
    chosen = {key: value for key, value in answers.items() if value}
    errors: dict[str, Any] = {
        f"answer_{key}": _("Choose one of the answers offered.")
        for key, value in chosen.items()
        if value not in offered.get(key, set())
    }
    arrival_on = ReintegrationPlan.objects.filter(case=visit.case).values_list("arrival_on", flat=True).first()
    if done_on > timezone.localdate():
        errors["done_on"] = IN_FUTURE
    elif arrival_on is not None and done_on < arrival_on:
        errors["done_on"] = _("A monitoring visit cannot be before the person's arrival.")
    if not chosen and not errors:
        errors["__all__"] = NO_ANSWERS
    if errors:
        raise ValidationError(errors)
    result = score(dimensions, chosen)
    visit.status, visit.done_on, visit.survey, visit.answers = VisitStatus.DONE, done_on, survey, chosen
    visit.economic, visit.social, visit.psychosocial = (result.dimensions[key] for key in ("economic", "social", "psychosocial"))
    visit.composite, visit.unanswered = result.composite, list(result.unanswered)
    visit.note, visit.recorded_by, visit.recorded_at = note.strip(), actor, timezone.now()
    fields = ["status", "done_on", "survey", "answers", "economic", "social", "psychosocial", "composite", "unanswered",
              "note", "recorded_by", "recorded_at"]  # fmt: skip
    visit.save(update_fields=fields)
    audit_record(actor=actor, action=AuditEntry.Action.TRANSITION, obj=visit, case=visit.case,
                 fields=[name for name in fields if name != "note" or visit.note], detail="planned → done")  # fmt: skip
    return visit


@transaction.atomic
def visit_mark_not_possible(*, actor: User, visit: Visit, reason: str) -> Visit:
    access.require_write_record(actor, visit)
    visit = Visit.objects.select_for_update().select_related("case").get(pk=visit.pk)
    if visit.status != VisitStatus.PLANNED:
        raise ValidationError({"visit": VISIT_NOT_PLANNED})
    if len(reason.strip()) < 10:
        raise ValidationError({"reason": _("Explain in a sentence or more why the visit was not possible.")})
    visit.status, visit.not_possible_reason = VisitStatus.NOT_POSSIBLE, reason.strip()
    visit.recorded_by, visit.recorded_at = actor, timezone.now()
    visit.save(update_fields=["status", "not_possible_reason", "recorded_by", "recorded_at"])
    audit_record(actor=actor, action=AuditEntry.Action.TRANSITION, obj=visit, case=visit.case,
                 fields=["status", "not_possible_reason"], detail="planned → not_possible")  # fmt: skip
    return visit


# --- events -------------------------------------------------------------------------------------


@transaction.atomic
def event_record(*, actor: User, case: Case, data: dict[str, Any]) -> ReintegrationEvent:
    """Record re-trafficking or re-migration. Nothing is ever changed: to correct an event, record
    a new one that refers to it (kind "recorded in error" withdraws it)."""
    access.require_write_record(actor, ReintegrationEvent(case=case))
    kind, corrects = data.get("kind"), data.get("corrects")
    occurred_on, country = data.get("occurred_on"), str(data.get("country") or "")
    errors: dict[str, Any] = {}
    if kind not in EventKind.values:
        errors["kind"] = _("Choose what happened.")
    elif kind == EventKind.RECORDED_IN_ERROR and corrects is None:
        errors["kind"] = _("Choose the event that was recorded in error.")
    if corrects is not None:
        corrects = ReintegrationEvent.objects.select_for_update().filter(pk=corrects.pk, case=case).first()
        if corrects is None:
            errors["corrects"] = _("Choose an event of this case.")
        elif ReintegrationEvent.objects.filter(corrects=corrects).exists():
            errors["corrects"] = _("This event was corrected already: correct the correction instead.")
    if occurred_on is None:
        errors["occurred_on"] = _("Give the date, even if approximate.")
    elif occurred_on > timezone.localdate():
        errors["occurred_on"] = IN_FUTURE
    if country and not geography.is_country(country):
        errors["country"] = _("Choose a country from the list.")
    if errors:
        raise ValidationError(errors)
    assert occurred_on is not None  # checked above
    event = ReintegrationEvent.objects.create(
        case=case, kind=str(kind), occurred_on=occurred_on, country=country, place=str(data.get("place") or "").strip(),
        note=str(data.get("note") or "").strip(), corrects=corrects, recorded_by=actor,
    )  # fmt: skip
    fields = [name for name in ("kind", "occurred_on", "country", "place", "note", "corrects") if getattr(event, name)]
    # No detail: what happened (re-trafficked, re-migrated) is only for readers of the section.
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=event, case=case, fields=fields)
    return event


# --- closure ------------------------------------------------------------------------------------


@transaction.atomic
def closure_override_record(*, actor: User, case: Case, reason: str) -> ClosureOverride:
    """A supervisor's decision that the case may close although the criteria are not met."""
    access.require_override(actor, case)
    access.require_write_record(actor, ClosureOverride(case=case))
    _plan(case)
    if len(reason.strip()) < 10:
        raise ValidationError({"reason": _("Explain in a sentence or more why the case may close without the criteria.")})
    override = ClosureOverride.objects.create(case=case, reason=reason.strip(), by=actor, at=timezone.now())
    audit_record(actor=actor, action=AuditEntry.Action.OVERRIDE, obj=override, case=case, fields=["reason"])
    return override


# --- the survey -------------------------------------------------------------------------------------


@transaction.atomic
def survey_load(*, actor: User | None, definition: dict[str, Any], source: Path | str = "") -> Survey:
    """Add a version of the survey (definition from survey.parse); it is used from now on."""
    latest = Survey.objects.aggregate(latest=Max("version"))["latest"] or 0  # two loads at once: the second fails, unique
    survey = Survey.objects.create(version=latest + 1, name=definition["name"], definition=definition, source=str(source)[:300])
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=survey, fields=["version", "name", "definition"],
                 detail=f"v{survey.version}")  # fmt: skip
    return survey
