"""The geometry of the scores chart: one line per dimension and the composite, x the date of
the visit, y the score from 0 to 1. The template draws it as inline SVG (no script; colours come
from classes in the stylesheet, which the Content-Security-Policy allows, not from style attributes)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from pristan.reintegration.selectors import ScoreRow

WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 48, 48, 16, 44  # room for the labels of the axes
SERIES: tuple[tuple[str, StrOrPromise], ...] = (
    ("economic", _("Economic")),
    ("social", _("Social")),
    ("psychosocial", _("Psychosocial")),
    ("composite", _("Composite")),
)


def _coordinate(value: float) -> str:
    return f"{value:.1f}"  # SVG wants a full stop whatever the language


@dataclass(frozen=True)
class Point:
    x: str
    y: str
    on: date
    value: float


@dataclass(frozen=True)
class Series:
    key: str
    label: StrOrPromise
    points: tuple[Point, ...]

    @property
    def polyline(self) -> str:
        return " ".join(f"{point.x},{point.y}" for point in self.points)


@dataclass(frozen=True)
class Tick:
    position: str
    value: float | date


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    right: int  # the x of the plot's right edge
    top: int
    bottom: int  # the y of the plot's bottom edge
    series: tuple[Series, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    threshold_y: str
    threshold: float


def _x(on: date, first: date, last: date) -> float:
    span = (last - first).days
    width = WIDTH - LEFT - RIGHT
    return LEFT + width / 2 if span == 0 else LEFT + width * (on - first).days / span


def _y(value: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - min(1.0, max(0.0, value)))


def score_chart(rows: Sequence[ScoreRow], *, threshold: float) -> Chart | None:
    """The chart of a person's scores over time; None before any visit is scored."""
    if not rows:
        return None
    first, last = rows[0].on, rows[-1].on
    series = tuple(
        Series(key, label, tuple(
            Point(_coordinate(_x(row.on, first, last)), _coordinate(_y(value)), row.on, value)
            for row in rows if (value := getattr(row, key)) is not None
        ))
        for key, label in SERIES
    )  # fmt: skip
    dates = sorted({row.on for row in rows})
    return Chart(
        width=WIDTH, height=HEIGHT, left=LEFT, right=WIDTH - RIGHT, top=TOP, bottom=HEIGHT - BOTTOM,
        series=series,
        x_ticks=tuple(Tick(_coordinate(_x(on, first, last)), on) for on in dates),
        y_ticks=tuple(Tick(_coordinate(_y(value)), value) for value in (0.0, 0.25, 0.5, 0.75, 1.0)),
        threshold_y=_coordinate(_y(threshold)), threshold=threshold,
    )  # fmt: skip
