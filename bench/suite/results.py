"""The one shape every measurement of `make bench` returns, its verdict, the table and the JSON files.

A `Result` is one line of the table: what was measured (`name`), its median and 95th percentile
(`p50`, `p95`, in `unit`) over `n` samples, or a single `value` (rows/s, MiB) for measurements that
are one run; the lower bound measured beside it in the same run (`bound`, with `bound_name` saying
what it is); the `targets` it must meet; and the `verdict` with, when missed, by how much.
"""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

MET, MISSED, NO_TARGET, SKIPPED = "met", "missed", "no target", "skipped"

# What a target limits: the 95th percentile, the ratio of the p95 to the bound's p95, or a value.
TargetKind = Literal["p95_max", "ratio_max", "value_min", "value_max", "errors_max"]


@dataclass(frozen=True)
class Target:
    kind: TargetKind
    limit: float

    def describe(self, unit: str) -> str:
        return {
            "p95_max": f"p95 ≤ {self.limit:g} {unit}",
            "ratio_max": f"p50 ≤ {self.limit:g}× its bound",
            "value_min": f"≥ {self.limit:,g} {unit}",
            "value_max": f"≤ {self.limit:,g} {unit}",
            "errors_max": f"≤ {self.limit:g} errors",
        }[self.kind]


def p95_at_most(limit: float) -> Target:
    return Target("p95_max", limit)


def ratio_at_most(limit: float) -> Target:
    return Target("ratio_max", limit)


def at_least(limit: float) -> Target:
    return Target("value_min", limit)


def at_most(limit: float) -> Target:
    return Target("value_max", limit)


@dataclass
class Result:
    name: str
    unit: str = "ms"
    p50: float | None = None
    p95: float | None = None
    n: int = 0
    value: float | None = None  # a single figure (rows/s, MiB) where p50/p95 do not apply
    bound: float | None = None  # the lower bound's median (or value), same unit, same run
    bound_name: str = ""
    targets: list[Target] = field(default_factory=list)
    verdict: str = NO_TARGET
    misses: list[str] = field(default_factory=list)  # "p95 212 ms: 62 ms (41%) over the 150 ms target"
    note: str = ""
    plan_problems: list[str] | None = None  # PostgreSQL plans of its queries (bench/suite/plans.py); None: not checked
    extra: dict[str, Any] = field(default_factory=dict)  # anything else worth keeping (rows found, plans …)

    @property
    def ratio(self) -> float | None:
        """Median against the bound's median: on a shared machine medians are what compare."""
        figure = self.p50 if self.p50 is not None else self.value
        if figure is None or not self.bound:
            return None
        return figure / self.bound

    def judge(self) -> Result:
        """Sets `verdict` and `misses` from the targets; returns itself."""
        if self.verdict == SKIPPED:
            return self
        self.misses = [miss for target in self.targets if (miss := _miss(self, target))]
        self.misses += [f"plan: {problem}" for problem in self.plan_problems or []]
        self.verdict = MISSED if self.misses else MET if self.targets or self.plan_problems is not None else NO_TARGET
        return self

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["targets"] = [{"kind": t.kind, "limit": t.limit, "text": t.describe(self.unit)} for t in self.targets]
        data["ratio"] = None if self.ratio is None else round(self.ratio, 2)
        return data


def skipped(name: str, why: str) -> Result:
    return Result(name=name, verdict=SKIPPED, note=why)


def _over(figure: float, limit: float, unit: str, label: str) -> str:
    excess = figure - limit
    share = f" ({excess / limit:.0%})" if limit else ""
    return f"{label} {figure:,.1f} {unit}: {excess:,.1f} {unit}{share} over the {limit:,g} {unit} target"


def _miss(result: Result, target: Target) -> str:
    unit = result.unit
    if target.kind == "p95_max" and result.p95 is not None and result.p95 > target.limit:
        return _over(result.p95, target.limit, unit, "p95")
    if target.kind == "ratio_max" and result.ratio is not None and result.ratio > target.limit:
        excess = result.ratio - target.limit
        return f"p50 {result.ratio:.1f}× its bound: {excess:.1f}× ({excess / target.limit:.0%}) over the {target.limit:g}× target"
    if target.kind == "value_max" and result.value is not None and result.value > target.limit:
        return _over(result.value, target.limit, unit, "")
    if target.kind == "errors_max" and result.value is not None and result.value > target.limit:
        return f"{result.value:,.0f} errors: the target is {target.limit:g}"
    if target.kind == "value_min" and result.value is not None and result.value < target.limit:
        short = target.limit - result.value
        share = short / target.limit
        return f"{result.value:,.1f} {unit}: {short:,.1f} {unit} ({share:.0%}) under the {target.limit:,g} {unit} target"
    if result.p95 is None and result.value is None:
        return "nothing was measured"
    return ""


# --- timing --------------------------------------------------------------------------------------


def percentile(samples: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (no interpolation: a p95 is one of the measured samples)."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


BUDGET_SECONDS = 120.0  # per measurement: a page that takes seconds is not timed forty times
MIN_SAMPLES = 3


def time_each(
    run: Callable[[Any], Any], inputs: Iterable[Any], *, warm_up: int = 2, budget: float = BUDGET_SECONDS
) -> tuple[list[float], list[Any]]:
    """Milliseconds of `run(input)` for each input, after `warm_up` untimed runs of the first inputs
    (the first calls fill caches: Python's imports, the database's buffers, the keyring). Stops
    early, after at least MIN_SAMPLES, once `budget` seconds have gone."""
    items = list(inputs)
    for item in items[:warm_up]:
        run(item)
    timings, outputs = [], []
    deadline = time.perf_counter() + budget
    for item in items:
        started = time.perf_counter()
        outputs.append(run(item))
        timings.append((time.perf_counter() - started) * 1000)
        if len(timings) >= MIN_SAMPLES and time.perf_counter() > deadline:
            break
    return timings, outputs


def timed(name: str, timings: Sequence[float], **fields: Any) -> Result:
    return Result(
        name=name,
        p50=round(statistics.median(timings), 2),
        p95=round(percentile(timings, 0.95), 2),
        n=len(timings),
        **fields,
    )


# --- output --------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    load = os.getloadavg()
    return {
        "cpus": os.cpu_count(),
        "load_average": [round(figure, 2) for figure in load],
        "python": platform.python_version(),
        "system": platform.platform(),
    }


def write_json(path: Path, *, name: str, context: dict[str, Any], results: Sequence[Result]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "name": name,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        **context,
        "machine": machine(),
        "results": [result.to_json() for result in results],
    }
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _figure(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    if unit != "ms":
        return f"{value:,.0f}"
    return f"{value:,.2f}" if value < 10 else f"{value:,.1f}"


def table(results: Sequence[Result]) -> str:
    """The results as a plain-text table, then the misses and notes under it."""
    header = ("measurement", "p50", "p95 / value", "n", "bound", "ratio", "target", "verdict")
    rows = [header]
    for result in results:
        main = result.p95 if result.p95 is not None else result.value
        rows.append((
            result.name,
            _figure(result.p50, result.unit),
            f"{_figure(main, result.unit)} {result.unit}" if main is not None else "",
            str(result.n or ""),
            _figure(result.bound, result.unit),
            f"{result.ratio:.1f}×" if result.ratio is not None else "",
            "; ".join(target.describe(result.unit) for target in result.targets),
            result.verdict,
        ))  # fmt: skip
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    for result in results:
        for miss in result.misses:
            lines.append(f"MISSED  {result.name}: {miss}")
        if result.note:
            lines.append(f"note    {result.name}: {result.note}")
    return "\n".join(lines)


def from_json(data: dict[str, Any]) -> Result:
    """A result read back from a child process's JSON (the inverse of `to_json`)."""
    targets = [Target(target["kind"], target["limit"]) for target in data.get("targets", [])]
    known = {name for name in Result.__dataclass_fields__ if name != "targets"}
    return Result(**{key: value for key, value in data.items() if key in known}, targets=targets)
