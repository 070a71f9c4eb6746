"""Reintegration scores from a survey's answers: pure functions, no database.

Every answer option scores 0–1 (higher is better). A dimension's score is the weighted mean of
the scores of its answered items; the composite is the weighted mean of the dimensions that have
a score. Items left unanswered ("don't know / refused") are left out of the means and reported.
"""

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

DIMENSIONS = ("economic", "social", "psychosocial")


@dataclass(frozen=True)
class Option:
    key: str
    label: str
    score: float


@dataclass(frozen=True)
class Item:
    key: str
    question: str
    weight: float
    options: tuple[Option, ...]

    def option(self, key: str) -> Option:
        for option in self.options:
            if option.key == key:
                return option
        raise KeyError(key)


@dataclass(frozen=True)
class Dimension:
    key: str
    label: str
    weight: float
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Scores:
    dimensions: Mapping[str, float | None]  # None: no item of the dimension was answered
    composite: float | None
    unanswered: tuple[str, ...]  # item keys, in the survey's order


def weighted_mean(pairs: Iterable[tuple[float, float]]) -> float | None:
    """The mean of (weight, score) pairs weighted by weight; None when there are none. Held within
    0–1, which rounding could otherwise leave by a hair."""
    pairs = list(pairs)
    total = math.fsum(weight for weight, _score in pairs)
    if not pairs or total <= 0:
        return None
    return min(1.0, max(0.0, math.fsum(weight * score for weight, score in pairs) / total))


def score(dimensions: Sequence[Dimension], answers: Mapping[str, str | None]) -> Scores:
    """The scores of one visit's answers (item key → option key, or None / absent when unanswered).
    An option key that the item does not offer is a KeyError: validate answers before scoring."""
    by_dimension: dict[str, float | None] = {}
    unanswered: list[str] = []
    for dimension in dimensions:
        answered: list[tuple[float, float]] = []
        for item in dimension.items:
            chosen = answers.get(item.key)
            if chosen is None or chosen == "":
                unanswered.append(item.key)
            else:
                answered.append((item.weight, item.option(chosen).score))
        by_dimension[dimension.key] = weighted_mean(answered)
    composite = weighted_mean(
        (dimension.weight, value) for dimension in dimensions if (value := by_dimension[dimension.key]) is not None
    )
    return Scores(dimensions=by_dimension, composite=composite, unanswered=tuple(unanswered))
