"""Weighted choices for synthetic data, and the HTCDS codes they draw from.

Every table of HTCDS codes is declared with the picklist it comes from, so `check_vocabularies`
can prove before anything is written that the generator never invents a code.
"""

from __future__ import annotations

import random
from collections.abc import Hashable, Mapping, Sequence
from typing import Generic, TypeVar

from django.core.exceptions import ImproperlyConfigured

from pristan.core import vocabularies

__all__ = ["Weighted", "between", "check_vocabularies", "htcds", "pick"]

T = TypeVar("T", bound=Hashable)
S = TypeVar("S")


def pick(rng: random.Random, items: Sequence[S]) -> S:
    """A uniform choice; a third of the cost of ``rng.choice``, which matters a hundred times per case."""
    return items[int(rng.random() * len(items))]


def between(rng: random.Random, low: int, high: int) -> int:
    """A whole number from ``low`` to ``high`` inclusive, like ``rng.randint`` at a third of the cost."""
    return low + int(rng.random() * (high - low + 1))


class Weighted(Generic[T]):
    """A weighted choice stored as a lookup table, so a pick costs one ``random()``.

    Weights are small whole numbers (a value with weight 3 fills three slots).
    """

    __slots__ = ("_table", "values")

    def __init__(self, weights: Mapping[T, int]) -> None:
        if not weights or any(weight < 1 for weight in weights.values()):
            raise ValueError("weights must be positive whole numbers")
        self.values: tuple[T, ...] = tuple(weights)
        self._table: tuple[T, ...] = tuple(value for value, weight in weights.items() for _ in range(weight))

    def pick(self, rng: random.Random) -> T:
        return self._table[int(rng.random() * len(self._table))]

    def sample(self, rng: random.Random, count: int) -> list[T]:
        """Up to ``count`` distinct values, likelier ones likelier to be among them."""
        count = min(count, len(self.values))
        chosen: dict[T, None] = {}
        for _attempt in range(count * 20):  # bounded: rare values may never come up
            chosen[self.pick(rng)] = None
            if len(chosen) == count:
                break
        return list(chosen)


_HTCDS_TABLES: list[tuple[str, Weighted[str]]] = []


def htcds(picklist: str, weights: Mapping[str, int]) -> Weighted[str]:
    """A weighted choice of codes of one HTCDS picklist (checked by `check_vocabularies`)."""
    table = Weighted(weights)
    _HTCDS_TABLES.append((picklist, table))
    return table


def check_vocabularies() -> None:
    """Fail if any declared table holds a code its picklist does not have."""
    for picklist, table in _HTCDS_TABLES:
        unknown = sorted(set(table.values) - set(vocabularies.codes(picklist)))
        if unknown:
            raise ImproperlyConfigured(f"Demo data would store codes that are not in {picklist}: {', '.join(unknown)}")
