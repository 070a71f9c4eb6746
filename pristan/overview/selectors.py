"""Figures for supervisors, over the cases of the offices they supervise (through the access layer:
children's cases only with clearance): returns and resettlements by route and month, the time from
identification to departure, monitoring visits done on time, and reintegration scores."""

from collections import Counter
from dataclasses import dataclass
from datetime import date
from statistics import median, quantiles

from django.contrib.auth.models import User
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from pristan.cases.models import Case
from pristan.core import access
from pristan.core.replica import reporting_db
from pristan.movements.models import MovementKind, MovementTraveller
from pristan.reintegration.models import Visit, VisitStatus
from pristan.reintegration.schedule import GRACE

RETURN_KINDS = (MovementKind.RETURN, MovementKind.RESETTLEMENT)
# Days from identification (the case opened) to departure, in the bands the chart shows.
DAY_BANDS = ((0, 30), (31, 60), (61, 90), (91, 180), (181, 365), (366, None))
SCORE_BANDS = 10  # 0–0.1, 0.1–0.2, … 0.9–1


@dataclass(frozen=True)
class Bar:
    label: str
    count: int


@dataclass(frozen=True)
class RouteMonth:
    month: date  # the first of the month
    kind: str
    origin: str  # ISO country of the organising office
    destination: str
    persons: int


@dataclass(frozen=True)
class Durations:
    bands: list[Bar]
    median: float | None
    quartiles: tuple[float, float] | None
    persons: int


@dataclass(frozen=True)
class VisitsOnTime:
    due: int  # visits whose time has come (due date plus the grace period passed), or done
    on_time: int
    late: int
    not_possible: int
    missed: int  # still planned after the grace period

    @property
    def percent_on_time(self) -> int | None:
        return round(100 * self.on_time / self.due) if self.due else None


def overview_cases(user: User) -> QuerySet[Case]:
    """The cases of the offices the user supervises that they may see at all."""
    return access.supervised_cases_for(user).using(reporting_db())


def _departures(cases: QuerySet[Case], since: date) -> QuerySet[MovementTraveller]:
    return (
        MovementTraveller.objects.using(cases.db)
        .filter(case__in=cases, movement__kind__in=RETURN_KINDS, movement__departed_at__date__gte=since)
        .select_related("movement", "movement__office", "case")
    )


def returns_by_route_and_month(cases: QuerySet[Case], since: date) -> list[RouteMonth]:
    counts: Counter[tuple[date, str, str, str]] = Counter()
    for traveller in _departures(cases, since):
        movement = traveller.movement
        assert movement.departed_at is not None
        month = timezone.localdate(movement.departed_at).replace(day=1)
        counts[(month, movement.kind, movement.office.country, movement.destination_country)] += 1
    return [
        RouteMonth(month, kind, origin, destination, persons)
        for (month, kind, origin, destination), persons in sorted(counts.items())
    ]


def _band_label(low: int, high: int | None) -> str:
    return f"{low}–{high}" if high is not None else f"{low}+"


def time_to_departure(cases: QuerySet[Case], since: date) -> Durations:
    days = []
    for traveller in _departures(cases, since):
        assert traveller.movement.departed_at is not None
        days.append((timezone.localdate(traveller.movement.departed_at) - traveller.case.opened_on).days)
    bands = [
        Bar(_band_label(low, high), sum(1 for d in days if d >= low and (high is None or d <= high))) for low, high in DAY_BANDS
    ]
    quartile = quantiles(days, n=4) if len(days) >= 2 else None
    return Durations(
        bands=bands,
        median=median(days) if days else None,
        quartiles=(quartile[0], quartile[2]) if quartile else None,
        persons=len(days),
    )


def visits_on_time(cases: QuerySet[Case], today: date) -> VisitsOnTime:
    visits = Visit.objects.using(cases.db).filter(case__in=cases)
    on_time = late = not_possible = missed = 0
    for status, due_on, done_on in visits.values_list("status", "due_on", "done_on"):
        if status == VisitStatus.DONE and done_on is not None:
            if done_on <= due_on + GRACE:
                on_time += 1
            else:
                late += 1
        elif status == VisitStatus.NOT_POSSIBLE:
            not_possible += 1
        elif today > due_on + GRACE:
            missed += 1
    return VisitsOnTime(on_time + late + not_possible + missed, on_time, late, not_possible, missed)


def score_distribution(cases: QuerySet[Case]) -> tuple[list[Bar], int]:
    """The latest composite score of every case with a visit done, in tenths."""
    latest = Visit.objects.filter(case=OuterRef("pk"), status=VisitStatus.DONE, composite__isnull=False).order_by(
        "-done_on", "-id"
    )
    scores = [
        score
        for score in cases.annotate(latest=Subquery(latest.values("composite")[:1])).values_list("latest", flat=True)
        if score is not None
    ]
    bands = Counter(min(int(score * SCORE_BANDS), SCORE_BANDS - 1) for score in scores)
    bars = [Bar(f"{band / SCORE_BANDS:.1f}–{(band + 1) / SCORE_BANDS:.1f}", bands[band]) for band in range(SCORE_BANDS)]
    return bars, len(scores)
