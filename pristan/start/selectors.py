"""What each role's start page counts (`/`, and where sign-in lands), through the access layer.

A user's memberships open panels (`start_panels`): the work of one who changes cases (their open
cases by stage, tasks and monitoring visits due, referrals awaiting their answer), a supervisor's
office (caseload per caseworker, the open cases left longest untouched, overdue work), a
data-protection focal point's decisions (pending erasure requests, recent consent overrides), and a
reader of the audit trail's recent refusals. Counts are reads too: every one starts from
`access.cases_for`, `access.supervised_cases_for` or `trail.trail_search`, so children's cases are
counted only with clearance, and records of a section only where every membership reads it.

Each figure is one query, grouped or capped by the database (`paging.capped_count`): a start page
costs the same number of queries for ten cases or a million, and what comes back is as long as
the page, never as the list of cases."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.db.models import Count, Exists, OuterRef, QuerySet

from pristan.cases.models import Case, ConsentOverride, Stage, Task
from pristan.cases.selectors import UNASSIGNED
from pristan.core import access, paging, trail
from pristan.core.models import AuditEntry
from pristan.erasure.selectors import pending_requests_for
from pristan.referrals.selectors import referrals_awaiting
from pristan.reintegration.models import Visit, VisitStatus
from pristan.reintegration.schedule import overdue_cutoff

AGEING_SHOWN = 10  # the open cases left longest without a change, on a supervisor's page
REFUSALS_SHOWN = 10
OVERRIDES_SHOWN = 10
OVERRIDES_SINCE = timedelta(days=30)
# Whether a referral awaits the user is checked referral by referral (access.may_see, as the inbox
# does): the start page checks no more than these, the oldest first, and says "more than" beyond.
REFERRALS_CHECKED = 50


@dataclass(frozen=True)
class StageCount:
    stage: str
    label: str
    count: int


@dataclass(frozen=True)
class Caseload:
    owner: User | None
    count: int
    listed_as: str = ""  # the case list's caseworker filter for these cases (cases.forms.CaseFilterForm.owner)


@dataclass(frozen=True)
class Work:
    """A case worker's own day: their open cases by stage and what awaits them."""

    stages: list[StageCount]
    tasks_due: paging.CappedCount
    visits_due: paging.CappedCount | None  # None: a role that does not read reintegration
    referrals_awaiting: paging.CappedCount


@dataclass(frozen=True)
class Office:
    """A supervisor's offices: who carries which load, what has waited longest, what is late."""

    caseloads: list[Caseload]
    ageing: list[Case]
    overdue_tasks: paging.CappedCount
    overdue_visits: paging.CappedCount


@dataclass(frozen=True)
class Decisions:
    """A data-protection focal point's: erasure requests to decide, consent overrides to review."""

    pending_erasures: paging.CappedCount
    overrides: list[ConsentOverride] | None  # None: a membership that does not read consent


@dataclass(frozen=True)
class StartPage:
    work: Work | None = None
    office: Office | None = None
    decisions: Decisions | None = None
    refusals: list[AuditEntry] | None = None
    links: list[str] = field(default_factory=list)  # route names of the other pages the roles open

    @property
    def empty(self) -> bool:
        return self.work is None and self.office is None and self.decisions is None and self.refusals is None


def _reached(user: User, rows: QuerySet[Visit] | QuerySet[Task], case: str) -> QuerySet[Visit] | QuerySet[Task]:
    return rows.filter(Exists(access.cases_for(user).filter(pk=OuterRef(case))))


def work_for(*, user: User, today: date) -> Work:
    owned = Case.objects.filter(owner=user).exclude(stage=Stage.CLOSED)  # the owner index (case_owner_open) leads
    by_stage = dict(
        owned.filter(Exists(access.cases_for(user).filter(pk=OuterRef("pk"))))
        .order_by()
        .values_list("stage")
        .annotate(count=Count("id"))
        .values_list("stage", "count")
    )
    stages = [StageCount(value, str(label), by_stage[value]) for value, label in Stage.choices if by_stage.get(value)]
    tasks = Task.objects.filter(assignee=user, done_at__isnull=True, due_on__lte=today)  # task_assignee_open
    visits = None
    if access.reads_in_every_reach(user, Visit):
        planned = Visit.objects.filter(status=VisitStatus.PLANNED, due_on__lte=today, case__owner=user)
        visits = paging.capped_count(_reached(user, planned.exclude(case__stage=Stage.CLOSED), "case_id"))
    return Work(
        stages=stages,
        tasks_due=paging.capped_count(_reached(user, tasks, "case_id")),
        visits_due=visits,
        referrals_awaiting=_referrals_awaiting(user),
    )


def _referrals_awaiting(user: User) -> paging.CappedCount:
    awaiting = referrals_awaiting(user, limit=REFERRALS_CHECKED + 1)
    return paging.CappedCount(count=min(len(awaiting), REFERRALS_CHECKED), capped=len(awaiting) > REFERRALS_CHECKED)


def office_for(*, user: User, today: date) -> Office:
    open_cases = access.supervised_cases_for(user).exclude(stage=Stage.CLOSED)
    loads = (
        open_cases.order_by().values("owner_id").annotate(count=Count("id")).values_list("owner_id", "count")
    )  # fmt: skip
    counted = dict(loads)
    # Someone who may no longer own cases here is not among the list's caseworkers: their cases are "nobody's".
    caseworkers = access.caseworkers_of(access.offices_for(user)).filter(pk=OuterRef("pk"))
    owners = User.objects.annotate(listed=Exists(caseworkers)).in_bulk([pk for pk in counted if pk is not None])
    listed = {pk for pk, owner in owners.items() if getattr(owner, "listed", False)}
    caseloads = sorted(
        (
            Caseload(owners.get(pk) if pk is not None else None, count, str(pk) if pk in listed else UNASSIGNED)
            for pk, count in counted.items()
        ),
        key=lambda load: (-load.count, load.owner.get_full_name() if load.owner else ""),
    )
    ageing = list(open_cases.select_related("owner", "office").order_by("updated_at", "id")[:AGEING_SHOWN])
    supervised = access.supervised_cases_for(user)
    late_tasks = Task.objects.filter(done_at__isnull=True, due_on__lt=today, case__in=supervised.exclude(stage=Stage.CLOSED))
    late_visits = Visit.objects.filter(
        status=VisitStatus.PLANNED, due_on__lt=overdue_cutoff(today), case__in=supervised.exclude(stage=Stage.CLOSED)
    )
    return Office(
        caseloads=caseloads,
        ageing=ageing,
        overdue_tasks=paging.capped_count(late_tasks),
        overdue_visits=paging.capped_count(late_visits),
    )


def decisions_for(*, user: User, today: date) -> Decisions:
    overrides = None
    if access.reads_in_every_reach(user, ConsentOverride):
        since = today - OVERRIDES_SINCE
        recent = ConsentOverride.objects.filter(at__date__gte=since, case__in=access.cases_for(user))
        overrides = list(recent.select_related("case", "by").order_by("-at", "-id")[:OVERRIDES_SHOWN])
    return Decisions(pending_erasures=paging.capped_count(pending_requests_for(user=user)), overrides=overrides)


def refusals_for(*, user: User) -> list[AuditEntry]:
    entries = trail.trail_search(user=user, filters=trail.TrailFilters(action=AuditEntry.Action.DENIED))
    return list(entries[:REFUSALS_SHOWN])


def start_page_for(*, user: User, today: date) -> StartPage:
    """The panels the user's memberships open, each counted through the access layer."""
    links = []
    if access.may_research(user):
        links.append("research_export")
    if access.may_administer(user):
        links.append("admin_people")
    decides = access.erasure_offices(user).exists()
    return StartPage(
        work=work_for(user=user, today=today) if access.answers_referrals(user) else None,
        office=office_for(user=user, today=today) if access.supervises(user) else None,
        decisions=decisions_for(user=user, today=today) if decides else None,
        refusals=refusals_for(user=user) if trail.can_read_trail(user) else None,
        links=links,
    )
