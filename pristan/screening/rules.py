"""Combination rule of the ILO/EC operational indicators (2009).

A dimension is positive when its selected indicators reach one of:

* at least two strong indicators;
* one strong indicator and at least one medium or weak indicator;
* at least three medium indicators;
* two medium indicators and at least one weak indicator.

A person is a presumed victim of trafficking when:

* adults: at least one recruitment dimension (deceptive, coercive, abuse of
  vulnerability) is positive, *and* exploitation is positive, *and* coercion
  at destination or abuse of vulnerability at destination is positive;
* children: the "means" element is not required, so a positive recruitment
  dimension and a positive exploitation dimension suffice.

This is a screening aid, not a legal determination.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from types import MappingProxyType
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pristan.cases.models import Case
from pristan.core import vocabularies
from pristan.screening.indicators import (
    RECRUITMENT_DIMENSIONS,
    Dimension,
    Indicator,
    IndicatorList,
    Strength,
    indicators_for,
)
from pristan.screening.models import Screening

__all__ = [
    "SCREENING_FIELDS",
    "Assessment",
    "DimensionResult",
    "assess",
    "dimension_positive",
    "screening_new",
    "screening_values",
]

SCREENING_FIELDS = ["indicator_list", "indicators", "decision", "deciding_body", "reason"]  # what its audit entry names
_CHILD_LISTS: frozenset[IndicatorList] = frozenset({IndicatorList.CHILD_LABOUR, IndicatorList.CHILD_SEXUAL})
_DESTINATION_MEANS: frozenset[Dimension] = frozenset({Dimension.COERCION_DESTINATION, Dimension.VULNERABILITY_DESTINATION})


@dataclass(frozen=True)
class DimensionResult:
    dimension: Dimension
    strong: int
    medium: int
    weak: int
    positive: bool


@dataclass(frozen=True)
class Assessment:
    indicator_list: IndicatorList
    dimensions: tuple[DimensionResult, ...]  # all six, in Dimension order
    presumed_victim: bool

    @property
    def positive_dimensions(self) -> tuple[Dimension, ...]:
        return tuple(result.dimension for result in self.dimensions if result.positive)


def dimension_positive(*, strong: int, medium: int, weak: int) -> bool:
    """Whether a dimension with these counts of selected indicators is positive."""
    if strong < 0 or medium < 0 or weak < 0:
        raise ValueError("indicator counts cannot be negative")
    if strong >= 2:
        return True
    if strong == 1:
        return medium + weak >= 1
    if medium >= 3:
        return True
    return medium == 2 and weak >= 1


@cache
def _index(indicator_list: IndicatorList) -> Mapping[str, Indicator]:
    return MappingProxyType({indicator.key: indicator for indicator in indicators_for(indicator_list)})


def assess(indicator_list: IndicatorList, keys: Iterable[str]) -> Assessment:
    """Apply the combination rule to the selected indicator keys of one list.

    Raises ``ValidationError`` for a key that is not in ``indicator_list``.
    A key given more than once counts once.
    """
    indicator_list = IndicatorList(indicator_list)
    index = _index(indicator_list)
    selected: dict[str, Indicator] = {}
    for key in keys:
        indicator = index.get(key)
        if indicator is None:
            raise ValidationError(
                _("“%(key)s” is not an indicator of the selected list."),
                code="unknown_indicator",
                params={"key": key},
            )
        selected[key] = indicator

    counts: dict[Dimension, dict[Strength, int]] = {dimension: dict.fromkeys(Strength, 0) for dimension in Dimension}
    for indicator in selected.values():
        counts[indicator.dimension][indicator.strength] += 1

    results = tuple(
        DimensionResult(
            dimension=dimension,
            strong=by_strength[Strength.STRONG],
            medium=by_strength[Strength.MEDIUM],
            weak=by_strength[Strength.WEAK],
            positive=dimension_positive(
                strong=by_strength[Strength.STRONG],
                medium=by_strength[Strength.MEDIUM],
                weak=by_strength[Strength.WEAK],
            ),
        )
        for dimension, by_strength in counts.items()
    )
    positive = {result.dimension for result in results if result.positive}

    recruitment = bool(positive & RECRUITMENT_DIMENSIONS)
    exploitation = Dimension.EXPLOITATION in positive
    if indicator_list in _CHILD_LISTS:
        presumed = recruitment and exploitation
    else:
        presumed = recruitment and exploitation and bool(positive & _DESTINATION_MEANS)

    return Assessment(
        indicator_list=indicator_list,
        dimensions=results,
        presumed_victim=presumed,
    )


@lru_cache(maxsize=1024)  # imports record the same few selections (none, mostly) thousands of times
def _assessed(indicator_list: IndicatorList, keys: tuple[str, ...]) -> Assessment:
    return assess(indicator_list, keys)


def screening_new(
    *, case: Case, indicator_list: str, indicators: Iterable[str], decision: str, reason: str, deciding_body: str,
    screened_on: date, actor: User,
) -> Screening:  # fmt: skip
    """A screening to record, not saved yet (screening_values)."""
    values = screening_values(
        indicator_list=indicator_list, indicators=indicators, decision=decision, reason=reason,
        deciding_body=deciding_body, screened_on=screened_on, actor=actor,
    )  # fmt: skip
    return Screening(case=case, **values)


def screening_values(
    *, indicator_list: str, indicators: Iterable[str], decision: str, reason: str, deciding_body: str,
    screened_on: date, actor: User,
) -> dict[str, Any]:  # fmt: skip
    """A screening's values but its case, by field name, with the suggestion its indicators make;
    raises ValidationError where the decision, who decided, the reason, the date or an indicator is
    not valid. Bulk writers store them as they are (no model instance made)."""
    errors: dict[str, object] = {}
    if indicator_list not in IndicatorList.values:
        raise ValidationError({"indicator_list": gettext_lazy("Choose an indicator list.")})
    if decision not in vocabularies.code_set("vic_TraffickingStatus"):
        errors["decision"] = gettext_lazy("Record the decision: possible, actual or not a victim of trafficking.")
    if deciding_body and deciding_body not in vocabularies.code_set("vic_TraffickingStatusDecisionMakingOrg"):
        errors["deciding_body"] = gettext_lazy("Choose who decided from the list.")
    if not reason.strip():
        errors["reason"] = gettext_lazy("Explain why you decided so, especially where it differs from the suggestion.")
    if screened_on > timezone.localdate():
        errors["screened_on"] = gettext_lazy("The screening cannot be dated in the future.")
    if errors:
        raise ValidationError(errors)
    keys = sorted(set(indicators))
    assessment = _assessed(IndicatorList(indicator_list), tuple(keys))  # raises ValidationError on unknown keys
    return {
        "indicator_list": indicator_list,
        "indicators": keys,
        "positive_dimensions": [str(dimension) for dimension in assessment.positive_dimensions],
        "suggested_victim": assessment.presumed_victim,
        "decision": decision,
        "deciding_body": deciding_body,
        "reason": reason.strip(),
        "screened_on": screened_on,
        "screened_by": actor,
    }
