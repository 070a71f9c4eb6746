"""The rules of a case's journey, pure (no database): how a case is numbered, which stage may follow
which and on what conditions, the HTCDS status of a stage, and what makes a consent valid. The case
services apply them to one case at a time; bulk writers (imports) to many, through these functions."""

from collections.abc import Callable
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pristan.cases.minors import minor_on
from pristan.cases.models import Case, ClosureReason, ConsentEvent, ConsentPurpose, Stage
from pristan.core.models import Office
from pristan.people.models import Person

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
CLOSING_FIELDS = ["stage", "status", "closure_reason", "closure_details", "closed_on"]
# What a move to each stage asks for besides the stage itself (only closing asks for more); what is
# given for another stage is ignored, as stage_apply does.
STAGE_FIELDS: dict[str, tuple[str, ...]] = {Stage.CLOSED: ("closure_reason", "closure_details")}
# What the audit entries of opening a case and of recording a consent name.
OPENING_FIELDS = ["reference", "person", "office", "owner"]
CONSENT_FIELDS = ["purpose", "given", "on"]


def reference_of(office_code: str, year: int, number: int) -> str:
    """A case's reference: SOF-2026-00042, the office's 42nd case opened in 2026."""
    return f"{office_code}-{year}-{number:05d}"


def status_for(stage: str, closure_reason: str) -> str:
    """The HTCDS cas_Status of a stage."""
    if stage == Stage.CLOSED:
        return "ClosedReferred" if closure_reason == ClosureReason.REFERRED else "Closed"
    return "FollowUp" if stage == Stage.FOLLOW_UP else "Active"


def case_new(*, reference: str, person: Person, office: Office, owner: User, opened_on: date, **values: Any) -> Case:
    """A case to open, not saved yet: a child's case is flagged from the date of birth."""
    return Case(
        reference=reference, person=person, office=office, owner=owner, opened_on=opened_on,
        minor_at_registration=minor_on(person, opened_on), **values,
    )  # fmt: skip


def transition_error(current: str, stage: str) -> ValidationError | None:
    """Why a case cannot move from one stage to the other (None: it can, on the entry conditions)."""
    if stage in ALLOWED_STAGES.get(current, frozenset()):
        return None
    return ValidationError(
        TRANSITION_NOT_ALLOWED,
        params={"current": Stage(current).label, "target": Stage(stage).label if stage in Stage.values else stage},
    )


def entry_error(
    *, current: str, stage: str, may_proceed: Callable[[], bool], latest_decision: Callable[[], str | None],
    closure_reason: str,
) -> ValidationError | None:  # fmt: skip
    """Why an allowed move cannot be made now: entering assistance (from screening, or on reopening)
    needs consent to case management (or an override) and an eligible screening decision; closing
    needs a reason. The callables are asked only where the move needs them."""
    if current in (Stage.SCREENING, Stage.CLOSED) and stage not in (Stage.SCREENING, Stage.CLOSED):
        if not may_proceed():
            return ValidationError(NEEDS_CONSENT, code="consent")
        if latest_decision() not in ELIGIBLE_DECISIONS:
            return ValidationError(NEEDS_SCREENING, code="screening")
    if stage == Stage.CLOSED and closure_reason not in ClosureReason.values:
        return ValidationError({"closure_reason": NEEDS_CLOSURE_REASON})
    return None


def stage_apply(case: Case, stage: str, *, closure_reason: str = "", closure_details: str = "") -> list[str]:
    """Move the case (in memory) and return the fields its audit entry names."""
    current = case.stage
    case.stage = stage
    case.status = status_for(stage, closure_reason)
    if stage == Stage.CLOSED:
        case.closure_reason, case.closure_details, case.closed_on = closure_reason, closure_details, timezone.localdate()
    else:
        case.closure_reason, case.closure_details, case.closed_on = "", "", None
    return CLOSING_FIELDS if Stage.CLOSED in (stage, current) else ["stage", "status"]


def consent_values(*, purpose: str, given: bool, on: date, actor: User, note: str = "") -> dict[str, Any]:
    """A consent event's values but its case, by field name; raises ValidationError for an unknown
    purpose or a future date. Bulk writers store them as they are (no model instance made)."""
    if purpose not in ConsentPurpose.values:
        raise ValidationError({"purpose": _("Choose a purpose from the list.")})
    if on > timezone.localdate():
        raise ValidationError({"on": _("Consent cannot be recorded for a future date.")})
    return {"purpose": purpose, "given": given, "on": on, "recorded_by": actor, "note": note}


def consent_new(*, case: Case, purpose: str, given: bool, on: date, actor: User, note: str = "") -> ConsentEvent:
    """A consent event to record, not saved yet (consent_values)."""
    return ConsentEvent(case=case, **consent_values(purpose=purpose, given=given, on=on, actor=actor, note=note))
