"""Opening cases and moving them through their journey; consent, notes and tasks."""

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pristan.cases.models import (
    Case,
    CaseFlag,
    CaseNote,
    ConsentEvent,
    ConsentOverride,
    ConsentPurpose,
    FlagKind,
    ReferenceCounter,
    Stage,
    Task,
)  # fmt: skip
from pristan.cases.rules import (
    ALLOWED_STAGES,
    CLOSING_FIELDS,
    CONSENT_FIELDS,
    ELIGIBLE_DECISIONS,
    OPENING_FIELDS,
    case_new,
    consent_new,
    entry_error,
    reference_of,
    stage_apply,
    status_for,
    transition_error,
)
from pristan.cases.selectors import may_proceed
from pristan.core import access
from pristan.core.audit import apply_changes, audit_record
from pristan.core.forms import person_label
from pristan.core.models import AuditEntry, Office
from pristan.core.policy import POLICIES, Section
from pristan.notifications import services as notifications
from pristan.people.models import Person
from pristan.people.services import person_register
from pristan.reintegration.closure import reintegration_closure_check

# The rules live in cases/rules.py; these names are read from here too.
__all__ = [
    "ALLOWED_STAGES", "ELIGIBLE_DECISIONS", "case_assign", "case_assign_many", "case_change_stage", "case_open",
    "case_register", "case_transfer_many", "consent_record", "consents_record", "status_for",
]  # fmt: skip

CANNOT_OPEN = _("You cannot open cases in this office.")
REOPEN_SUPERVISOR = _("Only a supervisor can reopen a closed case.")


def references_reserve(*, office: Office, year: int, count: int) -> list[str]:
    """The next ``count`` references of the office's cases opened in ``year``, taken from its counter
    at once (one case, or a whole batch of an import); the counter stays locked until the transaction ends."""
    counter, _created = ReferenceCounter.objects.select_for_update().get_or_create(office=office, year=year)
    first = counter.last + 1
    counter.last += count
    counter.save(update_fields=["last"])
    return [reference_of(office.code, year, number) for number in range(first, first + count)]


def _next_reference(office: Office, year: int) -> str:
    return references_reserve(office=office, year=year, count=1)[0]


@transaction.atomic
def case_open(
    *, actor: User, person: Person, office: Office, owner: User | None = None,
    opened_on: date | None = None, referral: dict[str, Any] | None = None,
) -> Case:  # fmt: skip
    if not access.can_register_in(actor, office):
        raise PermissionDenied(CANNOT_OPEN)
    opened_on = opened_on or timezone.localdate()
    case = case_new(
        reference=_next_reference(office, opened_on.year), person=person, office=office, owner=owner or actor,
        opened_on=opened_on, **(referral or {}),
    )  # fmt: skip
    case.save()
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=case, case=case, fields=OPENING_FIELDS)
    return case


@transaction.atomic
def case_register(*, actor: User, office: Office, data: dict[str, Any]) -> Case:
    """The first step of registration: the person, and their case opened in the office, together or
    not at all (a person without a case would be found by nobody)."""
    person = person_register(actor=actor, office=office, data=data)
    return case_open(actor=actor, person=person, office=office)


def _latest_decision(case: Case) -> str | None:
    latest = case.screenings.order_by("-screened_on", "-id").first()
    return None if latest is None else latest.decision


@transaction.atomic
def case_change_stage(*, actor: User, case: Case, stage: str, closure_reason: str = "", closure_details: str = "") -> Case:
    access.require_write(actor, case, Section.SUMMARY)
    current = case.stage
    error = transition_error(current, stage)
    if error is not None:
        raise error
    if current == Stage.CLOSED and not access.can_override(actor, case):
        raise ValidationError({"stage": REOPEN_SUPERVISOR})
    error = entry_error(
        current=current, stage=stage, may_proceed=lambda: may_proceed(case, ConsentPurpose.CASE_MANAGEMENT),
        latest_decision=lambda: _latest_decision(case), closure_reason=closure_reason,
    )  # fmt: skip
    if error is not None:
        raise error
    if stage == Stage.CLOSED:
        reintegration_closure_check(case=case)  # a case with a reintegration plan closes only once its criteria hold

    fields = stage_apply(case, stage, closure_reason=closure_reason, closure_details=closure_details)
    case.save(update_fields=[*CLOSING_FIELDS, "updated_at"])
    audit_record(
        actor=actor, action=AuditEntry.Action.TRANSITION, obj=case, case=case,
        fields=fields, detail=f"{current} → {stage}",
    )  # fmt: skip
    return case


NOT_ASSIGNABLE = _(
    "%(person)s cannot be this case's caseworker: only an active caseworker or supervisor of the case's office can, "
    "and of a child's case only one with child-protection clearance."
)
BULK_EMPTY = _("Select at least one case.")
BULK_TOO_MANY = _("Select at most %(limit)s cases at once.")
BULK_MISSING = _("Some of the selected cases are no longer there for you: search again, then select.")
BULK_BLOCKED = _("Nothing was changed, because of these cases: %(problems)s")
BULK_LIMIT = 500  # cases in one bulk action: one transaction, each case checked; a page holds far fewer


@transaction.atomic
def case_assign(*, actor: User, case: Case, owner: User) -> Case:
    """Make `owner` the case's caseworker (HTCDS cas_CaseOwner): a supervisor of the case's office
    decides, and only someone who may own the case is assigned (access.require_assign, may_be_assigned)."""
    access.require_assign(actor, case)
    if not access.may_be_assigned(owner, case):
        raise ValidationError({"owner": NOT_ASSIGNABLE % {"person": person_label(owner)}})
    if apply_changes(case, {"owner": owner}):
        case.save(update_fields=["owner", "updated_at"])
        audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=case, case=case, fields=["owner"])
    return case


NO_CONSENT_DECISION = _("Record the person's decision on at least one purpose.")


def _messages_of(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, PermissionDenied):
        return " ".join(str(argument) for argument in error.args) or str(access.CANNOT_CHANGE)
    return " ".join(str(message) for message in error.messages)


def _in_bulk(*, actor: User, cases: list[Case], expected: int, act: Callable[[Case], object]) -> int:
    """Act on every case or on none: each case through its own service (its access checks, its
    audit entry); the first refusal does not stop the others being tried, so that the message
    names every case that blocks the action; then, if any did, everything is undone."""
    access.require_bulk(actor)
    if not expected:
        raise ValidationError(BULK_EMPTY)
    if expected > BULK_LIMIT:
        raise ValidationError(BULK_TOO_MANY % {"limit": BULK_LIMIT})
    if len(cases) != expected:  # a case that is not (or no longer) there for the actor: never named
        raise ValidationError(BULK_MISSING)
    problems: list[str] = []
    try:
        with transaction.atomic():
            for case in sorted(cases, key=lambda case: case.reference):
                try:
                    with transaction.atomic():  # a savepoint: a refused case leaves the transaction usable
                        act(case)
                except (ValidationError, PermissionDenied) as error:
                    problems.append(f"{case.reference} ({_messages_of(error)})")
            if problems:
                raise ValidationError(BULK_BLOCKED % {"problems": "; ".join(problems)})
    except ValidationError:
        for case in cases:  # undone in the database: the objects in hand must not keep what was not saved
            case.refresh_from_db()
        raise
    return len(cases)


def case_assign_many(*, actor: User, cases: list[Case], owner: User, expected: int) -> int:
    """Assign every case (`cases`, loaded through access.cases_for from the `expected` number of
    ids selected) to `owner`, or none of them; how many were assigned."""
    return _in_bulk(
        actor=actor, cases=cases, expected=expected, act=lambda case: case_assign(actor=actor, case=case, owner=owner)
    )


def case_transfer_many(*, actor: User, cases: list[Case], to_office: Office, reason: str, expected: int) -> int:
    """Ask `to_office` to take over every case, or none: a transfer request for each
    (referrals.services.transfer_request, with its consent check), which a supervisor of that office
    accepts or declines case by case. Only a supervisor of each case's office asks in bulk."""
    from pristan.referrals.services import transfer_request  # referrals build on cases

    def transfer(case: Case) -> None:
        if not access.supervises_office(actor, case.office):
            raise PermissionDenied(access.SUPERVISORS_ONLY)
        transfer_request(actor=actor, case=case, to_office=to_office, reason=reason)

    return _in_bulk(actor=actor, cases=cases, expected=expected, act=transfer)


@transaction.atomic
def consent_record(*, actor: User, case: Case, purpose: str, given: bool, on: date | None = None, note: str = "") -> ConsentEvent:
    return consents_record(actor=actor, case=case, decisions={purpose: given}, on=on, note=note)[0]


@transaction.atomic
def consents_record(
    *, actor: User, case: Case, decisions: Mapping[str, bool], on: date | None = None, note: str = ""
) -> list[ConsentEvent]:
    """The person's decision on each purpose asked about (purpose → given), from one conversation:
    every one is checked before any is written, and all are recorded or none. One event, and one
    audit entry, per purpose."""
    access.require_write(actor, case, Section.CONSENT)
    if not decisions:
        raise ValidationError(NO_CONSENT_DECISION)
    on = on or timezone.localdate()
    events = [
        consent_new(case=case, purpose=purpose, given=given, on=on, actor=actor, note=note)
        for purpose, given in decisions.items()
    ]
    for event in events:
        event.save()
        audit_record(
            actor=actor, action=AuditEntry.Action.CREATE, obj=event, case=case,
            fields=CONSENT_FIELDS, detail=event.purpose,
        )  # fmt: skip
    return events


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


FLAG_KIND_UNKNOWN = _("Choose a flag from the list.")
FLAG_REASON_MISSING = _("Say why the case is flagged.")
FLAG_EXPIRY_PAST = _("A flag cannot expire before today.")
FLAG_ALREADY_SET = _("This case already carries this flag.")
FLAG_REMOVAL_REASON_MISSING = _("Say why the flag is removed.")
FLAG_ALREADY_REMOVED = _("This flag was already removed.")


@transaction.atomic
def flag_set(*, actor: User, case: Case, kind: str, reason: str, expires_on: date | None = None) -> CaseFlag:
    """Raise a flag on the case: whoever opens it sees the flag first (and the case list shows it)."""
    flag = CaseFlag(case=case, kind=kind, reason=reason.strip(), set_by=actor, set_at=timezone.now(), expires_on=expires_on)
    access.require_flag_write(actor, flag)
    today = timezone.localdate()
    errors: dict[str, Any] = {}
    if kind not in FlagKind.values:
        errors["kind"] = FLAG_KIND_UNKNOWN
    elif case.flags.filter(CaseFlag.in_force_q(today), kind=kind).exists():
        errors["kind"] = FLAG_ALREADY_SET
    if not flag.reason:
        errors["reason"] = FLAG_REASON_MISSING
    if expires_on is not None and expires_on < today:
        errors["expires_on"] = FLAG_EXPIRY_PAST
    if errors:
        raise ValidationError(errors)
    flag.save()
    audit_record(
        actor=actor, action=AuditEntry.Action.CREATE, obj=flag, case=case, fields=["kind", "reason", "expires_on"], detail=kind
    )
    return flag


@transaction.atomic
def flag_remove(*, actor: User, flag: CaseFlag, reason: str) -> CaseFlag:
    """Take a flag down, saying why; the flag stays on record (and in the case's history)."""
    access.require_flag_write(actor, flag)
    flag = CaseFlag.objects.select_for_update().get(pk=flag.pk)  # two removals at once: the second is told
    if flag.removed_at is not None:
        raise ValidationError({"flag": FLAG_ALREADY_REMOVED})
    if not reason.strip():
        raise ValidationError({"removal_reason": FLAG_REMOVAL_REASON_MISSING})
    flag.removed_by, flag.removed_at, flag.removal_reason = actor, timezone.now(), reason.strip()
    flag.save(update_fields=["removed_by", "removed_at", "removal_reason"])
    audit_record(
        actor=actor, action=AuditEntry.Action.UPDATE, obj=flag, case=flag.case,
        fields=["removed_at", "removal_reason"], detail=flag.kind,
    )  # fmt: skip
    return flag
