"""Opening cases and moving them through their journey; consent, notes and tasks."""

from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pristan.cases.minors import minor_on
from pristan.cases.models import (
    Case,
    CaseNote,
    ClosureReason,
    ConsentEvent,
    ConsentOverride,
    ConsentPurpose,
    ReferenceCounter,
    Stage,
    Task,
)  # fmt: skip
from pristan.cases.selectors import may_proceed
from pristan.core import access
from pristan.core.audit import apply_changes, audit_record
from pristan.core.models import AuditEntry, Office
from pristan.core.policy import POLICIES, Section
from pristan.notifications import services as notifications
from pristan.people.models import Person
from pristan.reintegration.closure import reintegration_closure_check

ALLOWED_STAGES: dict[str, frozenset[str]] = {
    Stage.SCREENING: frozenset({Stage.ASSISTANCE, Stage.CLOSED}),
    Stage.ASSISTANCE: frozenset({Stage.MOVEMENT, Stage.REINTEGRATION, Stage.FOLLOW_UP, Stage.CLOSED}),
    Stage.MOVEMENT: frozenset({Stage.ASSISTANCE, Stage.REINTEGRATION, Stage.CLOSED}),
    Stage.REINTEGRATION: frozenset({Stage.ASSISTANCE, Stage.FOLLOW_UP, Stage.CLOSED}),
    Stage.FOLLOW_UP: frozenset({Stage.ASSISTANCE, Stage.REINTEGRATION, Stage.CLOSED}),
    Stage.CLOSED: frozenset({Stage.SCREENING, Stage.ASSISTANCE}),  # reopening, by a supervisor
}
ELIGIBLE_DECISIONS = frozenset({"PossibleVictimOfTrafficking", "ActualVictimOfTrafficking"})

TRANSITION_NOT_ALLOWED = _("A case cannot move from %(current)s to %(target)s.")
NEEDS_CONSENT = _(
    "The person has not consented to case management. Record their consent, or ask a supervisor to record "
    "why the case must proceed without it."
)
NEEDS_SCREENING = _("Record a screening decision that the person is a possible or actual victim first.")
NEEDS_CLOSURE_REASON = _("Choose the reason for closing the case.")
CANNOT_OPEN = _("You cannot open cases in this office.")
REOPEN_SUPERVISOR = _("Only a supervisor can reopen a closed case.")


def _next_reference(office: Office, year: int) -> str:
    counter, _created = ReferenceCounter.objects.select_for_update().get_or_create(office=office, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{office.code}-{year}-{counter.last:05d}"


@transaction.atomic
def case_open(
    *, actor: User, person: Person, office: Office, owner: User | None = None,
    opened_on: date | None = None, referral: dict[str, Any] | None = None,
) -> Case:  # fmt: skip
    if not access.can_register_in(actor, office):
        raise PermissionDenied(CANNOT_OPEN)
    opened_on = opened_on or timezone.localdate()
    case = Case(
        reference=_next_reference(office, opened_on.year),
        person=person,
        office=office,
        owner=owner or actor,
        opened_on=opened_on,
        minor_at_registration=minor_on(person, opened_on),
        **(referral or {}),
    )
    case.save()
    audit_record(
        actor=actor, action=AuditEntry.Action.CREATE, obj=case, case=case, fields=["reference", "person", "office", "owner"]
    )
    return case


def status_for(stage: str, closure_reason: str) -> str:
    if stage == Stage.CLOSED:
        return "ClosedReferred" if closure_reason == ClosureReason.REFERRED else "Closed"
    return "FollowUp" if stage == Stage.FOLLOW_UP else "Active"


@transaction.atomic
def case_change_stage(*, actor: User, case: Case, stage: str, closure_reason: str = "", closure_details: str = "") -> Case:
    access.require_write(actor, case, Section.SUMMARY)
    current = case.stage
    if stage not in ALLOWED_STAGES.get(current, frozenset()):
        raise ValidationError(
            TRANSITION_NOT_ALLOWED,
            params={"current": Stage(current).label, "target": Stage(stage).label if stage in Stage.values else stage},
        )
    if current == Stage.CLOSED and not access.can_override(actor, case):
        raise ValidationError({"stage": REOPEN_SUPERVISOR})
    # Entering assistance, from screening or on reopening, needs consent (or an override) and an eligible decision.
    if current in (Stage.SCREENING, Stage.CLOSED) and stage not in (Stage.SCREENING, Stage.CLOSED):
        if not may_proceed(case, ConsentPurpose.CASE_MANAGEMENT):
            raise ValidationError(NEEDS_CONSENT, code="consent")
        latest = case.screenings.order_by("-screened_on", "-id").first()
        if latest is None or latest.decision not in ELIGIBLE_DECISIONS:
            raise ValidationError(NEEDS_SCREENING, code="screening")
    if stage == Stage.CLOSED and closure_reason not in ClosureReason.values:
        raise ValidationError({"closure_reason": NEEDS_CLOSURE_REASON})
    if stage == Stage.CLOSED:
        reintegration_closure_check(case=case)  # a case with a reintegration plan closes only once its criteria hold

    case.stage = stage
    case.status = status_for(stage, closure_reason)
    if stage == Stage.CLOSED:
        case.closure_reason, case.closure_details, case.closed_on = closure_reason, closure_details, timezone.localdate()
    else:
        case.closure_reason, case.closure_details, case.closed_on = "", "", None
    changed = ["stage", "status", "closure_reason", "closure_details", "closed_on"]
    case.save(update_fields=[*changed, "updated_at"])
    audit_record(
        actor=actor, action=AuditEntry.Action.TRANSITION, obj=case, case=case,
        fields=changed if stage == Stage.CLOSED or current == Stage.CLOSED else ["stage", "status"],
        detail=f"{current} → {stage}",
    )  # fmt: skip
    return case


@transaction.atomic
def case_assign(*, actor: User, case: Case, owner: User) -> Case:
    access.require_write(actor, case, Section.SUMMARY)
    if not case.office.memberships.filter(user_id=owner.pk).exists():
        raise ValidationError({"owner": _("The caseworker must work in the case's office.")})
    if apply_changes(case, {"owner": owner}):
        case.save(update_fields=["owner", "updated_at"])
        audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=case, case=case, fields=["owner"])
    return case


@transaction.atomic
def consent_record(*, actor: User, case: Case, purpose: str, given: bool, on: date | None = None, note: str = "") -> ConsentEvent:
    access.require_write(actor, case, Section.CONSENT)
    on = on or timezone.localdate()
    if purpose not in ConsentPurpose.values:
        raise ValidationError({"purpose": _("Choose a purpose from the list.")})
    if on > timezone.localdate():
        raise ValidationError({"on": _("Consent cannot be recorded for a future date.")})
    event = ConsentEvent.objects.create(case=case, purpose=purpose, given=given, on=on, recorded_by=actor, note=note)
    audit_record(
        actor=actor, action=AuditEntry.Action.CREATE, obj=event, case=case,
        fields=["purpose", "given", "on"], detail=purpose,
    )  # fmt: skip
    return event


# Consent to anonymised research use is never overridden: research can always do without a case.
OVERRIDABLE_PURPOSES = (ConsentPurpose.CASE_MANAGEMENT, ConsentPurpose.REFERRAL, ConsentPurpose.TRANSFER, ConsentPurpose.EXPORT)


@transaction.atomic
def consent_override(*, actor: User, case: Case, purpose: str, reason: str) -> ConsentOverride:
    access.require_override(actor, case)
    if purpose not in OVERRIDABLE_PURPOSES:
        raise ValidationError({"purpose": _("Choose a purpose from the list.")})
    if len(reason.strip()) < 10:
        raise ValidationError({"reason": _("Explain in a sentence or more why the case must proceed without consent.")})
    override = ConsentOverride.objects.create(case=case, purpose=purpose, reason=reason.strip(), by=actor, at=timezone.now())
    audit_record(
        actor=actor, action=AuditEntry.Action.OVERRIDE, obj=override, case=case, fields=["purpose", "reason"], detail=purpose
    )
    return override


@transaction.atomic
def note_add(*, actor: User, case: Case, text: str) -> CaseNote:
    access.require_write(actor, case, Section.NOTES)
    if not text.strip():
        raise ValidationError({"text": _("Write the note before saving it.")})
    note = CaseNote.objects.create(case=case, text=text.strip(), author=actor)
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=note, case=case, fields=["text"])
    return note


@transaction.atomic
def task_add(*, actor: User, case: Case, title: str, due_on: date, assignee: User | None = None) -> Task:
    access.require_write(actor, case, Section.NOTES)
    assignee = assignee or actor
    errors: dict[str, Any] = {}
    if not title.strip():
        errors["title"] = _("Say what needs to be done.")
    if not assignable_users(case).filter(pk=assignee.pk).exists():
        errors["assignee"] = _("Assign the task to someone who works on cases in the case's office.")
    if errors:
        raise ValidationError(errors)
    task = Task.objects.create(case=case, title=title.strip(), due_on=due_on, assignee=assignee, created_by=actor)
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=task, case=case, fields=["title", "due_on", "assignee"])
    notifications.notify_task_assigned(task=task, actor=actor)
    return task


def assignable_users(case: Case) -> QuerySet[User]:
    """Active users who can work on the case's notes and tasks in its office."""
    roles = [role for role, rules in POLICIES.items() if rules.writes and Section.NOTES in rules.sections]
    return User.objects.filter(is_active=True, memberships__office=case.office, memberships__role__in=roles).distinct()


@transaction.atomic
def task_complete(*, actor: User, task: Task) -> Task:
    access.require_write(actor, task.case, Section.NOTES)
    if task.done_at is None:
        task.done_at = timezone.now()
        task.save(update_fields=["done_at"])
        audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=task, case=task.case, fields=["done_at"])
    return task
