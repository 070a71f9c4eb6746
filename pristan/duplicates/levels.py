"""The model's agreement levels computed in Python, for registration and imports: a caseworker is
typing, and one Splink pipeline per keystroke costs a DuckDB connection, SQL generation and table
registration before any pair is scored. The scan, training and the model stay in Splink
(matching.py); this module reads the same records (matching.record_row) and the m and u of the saved
model, and follows COMPARISONS level by level: tests/test_matching.py checks that it gives what
Splink gives on a sample."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from pristan.duplicates.matching import COMPARISONS, Model
from pristan.duplicates.types import Reason

__all__ = ["Scorer", "field_levels"]

Row = Mapping[str, Any]


def _jw(left: str, right: str) -> float:
    # DuckDB's jaro_winkler_similarity gives 0 when a side is empty, rapidfuzz 1 for two empties.
    return JaroWinkler.similarity(left, right) if left and right else 0.0


def _both_parts(left: Row, right: Row, at_least: float) -> bool:
    straight = _jw(left["given"], right["given"]) >= at_least and _jw(left["family"], right["family"]) >= at_least
    crossed = _jw(left["given"], right["family"]) >= at_least and _jw(left["family"], right["given"]) >= at_least
    return straight or crossed


def _one_part(left: Row, right: Row) -> bool:
    pairs = (
        ("given", "given", "family", "family"),
        ("family", "family", "given", "given"),
        ("given", "family", "family", "given"),
        ("family", "given", "given", "family"),
    )
    return any(left[a] == right[b] and _jw(left[c], right[d]) >= 0.80 for a, b, c, d in pairs)


def _name(left: Row, right: Row) -> str:
    if left["name"] is None or right["name"] is None:
        return "missing"
    if left["given"] == right["given"] and left["family"] == right["family"]:
        return "exact"
    if left["given"] == right["family"] and left["family"] == right["given"]:
        return "swapped"
    if set(left["gf_parts"]) <= set(right["parts"]) or set(right["gf_parts"]) <= set(left["parts"]):
        return "same_parts"
    if _both_parts(left, right, 0.94):
        return "similar"
    if _one_part(left, right):
        return "one_part"
    if _both_parts(left, right, 0.88):
        return "close"
    return "different"


def _date_of_birth(left: Row, right: Row) -> str:
    if left["dob_days"] is None or right["dob_days"] is None:
        return "missing"
    estimated = left["dob_estimated"] or right["dob_estimated"]
    if left["dob_days"] == right["dob_days"]:
        return "estimated" if estimated else "exact"
    same_year = left["dob_year"] == right["dob_year"]
    if same_year and left["dob_month"] == right["dob_day"] and left["dob_day"] == right["dob_month"]:
        return "transposed"
    if (
        not estimated
        and (left["dob_month"], left["dob_day"]) == (right["dob_month"], right["dob_day"])
        and abs(left["dob_year"] - right["dob_year"]) == 1
    ):
        return "year_slip"
    if same_year and estimated:
        return "same_year_estimated"
    if abs(left["dob_days"] - right["dob_days"]) <= 366:
        return "year_apart"
    if abs(left["dob_year"] - right["dob_year"]) <= 5 and estimated:
        return "within_five_estimated"
    return "different"


def _gender(left: Row, right: Row) -> str:
    if left["gender"] is None or right["gender"] is None:
        return "missing"
    return "same" if left["gender"] == right["gender"] else "different"


def _citizenship(left: Row, right: Row) -> str:
    if left["citizenships"] is None or right["citizenships"] is None:
        return "missing"
    return "shared" if set(left["citizenships"]) & set(right["citizenships"]) else "different"


def _document(left: Row, right: Row) -> str:
    if left["document"] is None or right["document"] is None:
        return "missing"
    if set(left["documents"]) & set(right["documents"]):
        return "exact"
    return "one_off" if DamerauLevenshtein.distance(left["document"], right["document"]) <= 1 else "different"


_LEVELS: dict[str, Callable[[Row, Row], str]] = {
    "name": _name,
    "date_of_birth": _date_of_birth,
    "gender": _gender,
    "citizenship": _citizenship,
    "document": _document,
}
assert list(_LEVELS) == list(COMPARISONS)


def field_levels(left: Row, right: Row) -> tuple[Reason, ...]:
    """The level of each comparison for two records (matching.record_row)."""
    return tuple(Reason(field, level_of(left, right)) for field, level_of in _LEVELS.items())


class Scorer:
    """Scores pairs with a model's match weights: the prior's plus log2(m/u) of each level, plus
    for the levels weighed by the frequency of the name log2(u) − log2(frequency), as Splink's
    term-frequency adjustment adds it."""

    def __init__(self, model: Model) -> None:
        self._weights = model.weights()
        self._by_frequency = model.frequency_levels()
        self._prior = model.prior_weight

    def weighs_by_frequency(self, reasons: tuple[Reason, ...]) -> bool:
        """Whether one of ``reasons`` is a level weighed by how common the name is."""
        return any(reason.level in self._by_frequency.get(reason.field, {}) for reason in reasons)

    def score(self, left: Row, right: Row, *, frequency: float | None = None) -> tuple[float, float, tuple[Reason, ...]]:
        """(probability, match weight, reasons) of a pair; ``frequency``: the share of records
        carrying the pair's name parts (matching.FREQUENCY_COLUMN), when it is known."""
        reasons = field_levels(left, right)
        weight = self._prior + sum(self._weights[reason.field][reason.level] for reason in reasons)
        if frequency:
            for reason in reasons:
                log2_u = self._by_frequency.get(reason.field, {}).get(reason.level)
                if log2_u is not None:
                    weight += log2_u - math.log2(frequency)
        return _probability(weight), weight, reasons


def _probability(weight: float) -> float:
    if weight > 60:
        return 1.0
    odds = math.pow(2.0, weight)
    return odds / (1 + odds)
