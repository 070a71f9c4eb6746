"""What a case with a reintegration plan needs before it closes, and the check that
cases.services.case_change_stage runs when such a case is closed.

The criteria: every visit of the schedule done or marked not possible (with its reason); the
latest composite score at least PRISTAN_REINTEGRATION_CLOSE_SCORE; no assistance still in
progress. A supervisor's recorded override (models.ClosureOverride) lets the case close without
them. The criteria are the same for every reader; what they say never names or counts assistance
of a section the reader may lack.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pristan.cases.models import Case
from pristan.reintegration.models import ItemStatus, ReintegrationPlan, VisitStatus

CLOSURE_REFUSED = gettext_lazy(
    "This case cannot close before its reintegration is complete, unless a supervisor records why it must close "
    "anyway (on the Reintegration tab)."
)


@dataclass(frozen=True)
class Criterion:
    label: str
    met: bool
    problem: str = ""  # what is missing, when not met


def close_score() -> float:
    return float(settings.PRISTAN_REINTEGRATION_CLOSE_SCORE)


def closure_criteria(plan: ReintegrationPlan) -> list[Criterion]:
    case = plan.case
    visits = list(case.reintegration_visits.all())
    threshold = close_score()
    shown = formats.number_format(threshold, 2)
    if plan.arrival_on is None:
        schedule = Criterion(_("Every monitoring visit of the schedule done or marked not possible"), False,
                             _("Set the date of arrival: the monitoring visits are planned from it."))  # fmt: skip
    else:
        planned = [visit for visit in visits if visit.status == VisitStatus.PLANNED]
        schedule = Criterion(
            _("Every monitoring visit of the schedule done or marked not possible"), not planned,
            _("Some monitoring visits are still planned: record each one, or mark it not possible with the reason."),
        )  # fmt: skip
    scored = sorted((visit for visit in visits if visit.composite is not None), key=lambda visit: (visit.done_on, visit.pk))
    score_label = _("The latest composite score at least %(threshold)s") % {"threshold": shown}
    if not scored:
        latest = Criterion(score_label, False, _("No monitoring visit has been scored yet."))
    else:
        value = scored[-1].composite or 0.0
        latest = Criterion(
            score_label, value >= threshold,
            _("The latest composite score is %(score)s; closing needs at least %(threshold)s.")
            % {"score": formats.number_format(value, 2), "threshold": shown},
        )  # fmt: skip
    busy = case.reintegration_items.filter(status=ItemStatus.IN_PROGRESS).exists()
    assistance = Criterion(
        _("No reintegration assistance still in progress"), not busy,
        _("Some reintegration assistance is still in progress: mark it done or cancelled first."),
    )  # fmt: skip
    return [schedule, latest, assistance]


def reintegration_closure_check(*, case: Case) -> None:
    """Refuse to close a case with a reintegration plan whose criteria are not met, unless a
    supervisor recorded an override. Called by cases.services.case_change_stage."""
    plan = ReintegrationPlan.objects.filter(case=case).select_related("case").first()
    if plan is None or case.reintegration_overrides.exists():
        return
    problems = [criterion.problem for criterion in closure_criteria(plan) if not criterion.met]
    if problems:
        raise ValidationError([CLOSURE_REFUSED, *problems], code="reintegration")
