"""Horizontal bar charts drawn as SVG on the server: no script, no inline style (the CSP allows
neither); lengths are SVG attributes. Each chart is shown beside a table of the same figures."""

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 100.0  # the longest bar, in the viewBox's units
ROW = 8.0  # the height of one row
BARS_FROM = 55.0  # room for the labels on the left


@dataclass(frozen=True)
class ChartBar:
    label: str
    count: int
    length: str  # SVG numbers
    y: str
    text_y: str
    count_x: str


@dataclass(frozen=True)
class BarChart:
    bars: list[ChartBar]
    height: str


def bar_chart(rows: Sequence[tuple[str, int]]) -> BarChart | None:
    if not rows or not any(count for _label, count in rows):
        return None
    most = max(count for _label, count in rows)
    bars = [
        ChartBar(
            label,
            count,
            length=f"{WIDTH * count / most:.2f}",
            y=f"{index * ROW + 1:.1f}",
            text_y=f"{index * ROW + 6:.1f}",
            count_x=f"{BARS_FROM + WIDTH * count / most + 2:.2f}",
        )
        for index, (label, count) in enumerate(rows)
    ]
    return BarChart(bars, f"{len(rows) * ROW:.0f}")
