"""Reading reintegration: what a reader may see of a case's plan, assistance, visits and events,
and the monitoring visits overdue on a caseworker's cases."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from pristan.cases.models import Case, Stage
from pristan.core import access, paging
from pristan.reintegration import schedule
from pristan.reintegration.models import (
    AssistanceItem,
    Disbursement,
    EventKind,
    ReintegrationEvent,
    ReintegrationPlan,
    Survey,
    Visit,
    VisitStatus,
)


def plan_of(case: Case) -> ReintegrationPlan | None:
    return ReintegrationPlan.objects.filter(case=case).first()


def latest_survey() -> Survey | None:
    return Survey.objects.order_by("-version").first()


def items_visible(*, user: User, case: Case) -> QuerySet[AssistanceItem]:
    """The case's reintegration assistance, less the kinds of sensitive sections the user is not
    granted (medical: health; psychosocial): those do not exist for them, not even as a count."""
    payments = Prefetch("disbursements", queryset=Disbursement.objects.order_by("paid_on", "id"))
    items = case.reintegration_items.select_related("provider").prefetch_related(payments)
    return access.visible_in_sections(user, case, items)


def disbursed(item: AssistanceItem) -> dict[str, Decimal]:
    """What was paid for an item, per currency (amounts in different currencies are never added)."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for payment in item.disbursements.all():
        totals[payment.currency] += payment.amount
    return dict(sorted(totals.items()))


def visits_of(case: Case) -> QuerySet[Visit]:
    return case.reintegration_visits.select_related("survey", "recorded_by").order_by("due_on", "id")


@dataclass(frozen=True)
class ScoreRow:
    on: date
    economic: float | None
    social: float | None
    psychosocial: float | None
    composite: float | None


def score_rows(case: Case) -> list[ScoreRow]:
    """The scores of every visit done, in the order of the visits."""
    visits = case.reintegration_visits.filter(status=VisitStatus.DONE, done_on__isnull=False).order_by("done_on", "id")
    return [
        ScoreRow(visit.done_on, visit.economic, visit.social, visit.psychosocial, visit.composite)
        for visit in visits
        if visit.done_on is not None
    ]


@dataclass(frozen=True)
class EventRow:
    event: ReintegrationEvent
    corrected_by: ReintegrationEvent | None

    @property
    def in_force(self) -> bool:
        """Not corrected since, and not itself the withdrawal of an event recorded in error."""
        return self.corrected_by is None and self.event.kind != EventKind.RECORDED_IN_ERROR


def events_of(case: Case) -> list[EventRow]:
    """Every event ever recorded, oldest first, each with the event that corrected it (if any)."""
    events = list(case.reintegration_events.select_related("recorded_by", "corrects").order_by("occurred_on", "id"))
    corrections = {event.corrects_id: event for event in events if event.corrects_id is not None}
    return [EventRow(event, corrections.get(event.pk)) for event in events]


def correctable_events(case: Case) -> QuerySet[ReintegrationEvent]:
    """Events that a correction may still refer to: those not corrected yet."""
    return case.reintegration_events.filter(correction__isnull=True).order_by("occurred_on", "id")


def overdue_visits_for(*, user: User, today: date, number: int = 1, size: int = 25) -> paging.NumberedPage[Visit]:
    """Monitoring visits overdue on the open cases the user owns and reaches, where they may see
    reintegration: a page of them, soonest due first, and their count. Which sections the user is
    granted is checked only for the cases on the page."""
    visits = (
        Visit.objects.filter(status=VisitStatus.PLANNED, due_on__lt=schedule.overdue_cutoff(today), case__owner=user)
        .exclude(case__stage=Stage.CLOSED)
        .filter(Exists(access.cases_for(user).filter(pk=OuterRef("case_id"))))
        .select_related("case", "case__person", "case__office", "case__owner")
        .order_by("due_on", "id")
    )
    page = paging.numbered_page(visits, number=number, size=size)
    readable: dict[int, bool] = {}

    def reads(visit: Visit) -> bool:
        if visit.case_id not in readable:
            readable[visit.case_id] = access.reads(user, visit.case, Visit)
        return readable[visit.case_id]

    if access.reads_in_every_reach(user, Visit) and all(reads(visit) for visit in page.rows):
        return page
    # A role that does not read reintegration (a movement officer's): the list is filtered case by
    # case, up to COUNT_CAP visits, so that what they may not read is neither shown nor counted.
    shown = [visit for visit in visits[: paging.COUNT_CAP] if reads(visit)]
    start = (number - 1) * size
    return paging.NumberedPage(
        rows=shown[start : start + size], number=number, count=len(shown), count_capped=False, has_next=len(shown) > start + size
    )
