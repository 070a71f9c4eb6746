"""Figures for supervisors, over the cases of the offices they supervise (through the access layer:
children's cases only with clearance): returns and resettlements by route and month, the time from
identification to departure, monitoring visits done on time, and reintegration scores.

Every figure is counted by the database, in one query each, grouped by what the chart shows (a
month and route, a number of days, a tenth of a score): what comes back is as long as the chart,
never as long as the list of cases, and no case is loaded."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth.models import User
from django.db.models import (
    Count,
    DateField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Cast, Floor, Least, TruncDate, TruncMonth
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
    return MovementTraveller.objects.using(cases.db).filter(
        case__in=cases, movement__kind__in=RETURN_KINDS, movement__departed_at__date__gte=since
    )


def returns_by_route_and_month(cases: QuerySet[Case], since: date) -> list[RouteMonth]:
    month = TruncMonth("movement__departed_at", tzinfo=timezone.get_current_timezone())
    counted = (
        _departures(cases, since)
        .values(month=month, kind=F("movement__kind"), origin=F("movement__office__country"),
                destination=F("movement__destination_country"))
        .annotate(persons=Count("case__person", distinct=True))  # a person on two cases' movements is one
        .order_by()
    )  # fmt: skip
    rows = [RouteMonth(_as_date(row["month"]), row["kind"], row["origin"], row["destination"], row["persons"]) for row in counted]
    return sorted(rows, key=lambda row: (row.month, row.kind, row.origin, row.destination))


def _as_date(month: date | datetime) -> date:
    return month.date() if isinstance(month, datetime) else month  # SQLite and PostgreSQL differ


def _band_label(low: int, high: int | None) -> str:
    return f"{low}–{high}" if high is not None else f"{low}+"


def time_to_departure(cases: QuerySet[Case], since: date) -> Durations:
    departed_on = TruncDate("movement__departed_at", tzinfo=timezone.get_current_timezone())
    waited = ExpressionWrapper(departed_on - F("case__opened_on"), output_field=DurationField())
    departures = _departures(cases, since)
    counted = departures.values(waited=waited).annotate(departures=Count("id")).order_by()
    days = sorted((_days(row["waited"]), row["departures"]) for row in counted)  # (days, departures): one per number of days
    bands = [
        Bar(_band_label(low, high), sum(n for d, n in days if d >= low and (high is None or d <= high)))
        for low, high in DAY_BANDS
    ]
    total = sum(n for _d, n in days)
    quartiles = _quartiles(days, total) if total >= 2 else None
    # Each departure is a time of its own; "for N persons" counts a person who left twice once.
    persons = departures.aggregate(persons=Count("case__person", distinct=True))["persons"] if total else 0
    return Durations(
        bands=bands, median=_median(days, total) if total else None, quartiles=quartiles, persons=persons,
    )  # fmt: skip


def _days(waited: timedelta | int) -> int:
    return waited.days if isinstance(waited, timedelta) else int(waited)


def _nth(days: Sequence[tuple[int, int]], index: int) -> int:
    """The `index`-th (from 0) of the numbers of days, each repeated as many times as it was counted."""
    for value, count in days:
        if index < count:
            return value
        index -= count
    raise IndexError(index)


def _median(days: Sequence[tuple[int, int]], persons: int) -> float:
    """statistics.median of the expanded list."""
    middle = persons // 2
    if persons % 2:
        return _nth(days, middle)
    return (_nth(days, middle - 1) + _nth(days, middle)) / 2


def _quartiles(days: Sequence[tuple[int, int]], persons: int) -> tuple[float, float]:
    """The first and third of statistics.quantiles(n=4) (its "exclusive" method) of the expanded list."""
    result = []
    for i in (1, 3):
        j = min(max(i * (persons + 1) // 4, 1), persons - 1)
        delta = i * (persons + 1) - j * 4
        result.append((_nth(days, j - 1) * (4 - delta) + _nth(days, j) * delta) / 4)
    return result[0], result[1]


def visits_on_time(cases: QuerySet[Case], today: date) -> VisitsOnTime:
    done = Q(status=VisitStatus.DONE, done_on__isnull=False)
    in_time = Q(done_on__lte=ExpressionWrapper(F("due_on") + Value(GRACE), output_field=DateField()))
    counts = (
        Visit.objects.using(cases.db)
        .filter(case__in=cases)
        .aggregate(
            on_time=Count("id", filter=done & in_time),
            late=Count("id", filter=done & ~in_time),
            not_possible=Count("id", filter=~done & Q(status=VisitStatus.NOT_POSSIBLE)),
            missed=Count("id", filter=~done & ~Q(status=VisitStatus.NOT_POSSIBLE) & Q(due_on__lt=today - GRACE)),
        )
    )
    on_time, late, not_possible, missed = (counts[name] for name in ("on_time", "late", "not_possible", "missed"))
    return VisitsOnTime(on_time + late + not_possible + missed, on_time, late, not_possible, missed)


def score_distribution(cases: QuerySet[Case]) -> tuple[list[Bar], int]:
    """The latest composite score of every case with a visit done, in tenths: the visits done with a
    score that no later such visit of the same case follows, counted by tenth."""
    scored = Visit.objects.using(cases.db).filter(status=VisitStatus.DONE, composite__isnull=False)
    later = scored.filter(case=OuterRef("case")).filter(
        Q(done_on__gt=OuterRef("done_on")) | Q(done_on=OuterRef("done_on"), id__gt=OuterRef("id"))
        | Q(done_on__isnull=True, id__gt=OuterRef("id"))
    )  # fmt: skip
    band = Least(Cast(Floor(F("composite") * SCORE_BANDS), IntegerField()), Value(SCORE_BANDS - 1))
    counted = scored.filter(case__in=cases).exclude(Exists(later)).values(band=band).annotate(visits=Count("id")).order_by()
    bands = {row["band"]: row["visits"] for row in counted}
    bars = [Bar(f"{b / SCORE_BANDS:.1f}–{(b + 1) / SCORE_BANDS:.1f}", bands.get(b, 0)) for b in range(SCORE_BANDS)]
    return bars, sum(bands.values())
