"""Choosing plausible ILO/EC indicators for a screening.

For persons the office presumes to be victims, the indicators usually meet the combination rule
of `screening.rules` (a positive recruitment dimension, exploitation and, for adults, coercion or
abuse of vulnerability at destination); sometimes they do not, and the caseworker's judgement
overrides the suggestion, as the screening form allows. For persons found not to be victims, a few
medium and weak indicators. `rules.assess` then computes the suggestion from whatever was chosen.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, cached_property

from pristan.demo.weights import between, pick
from pristan.screening.indicators import RECRUITMENT_DIMENSIONS, Dimension, IndicatorList, Strength, indicators_for

__all__ = ["choose_indicators"]

# Share of presumed victims whose indicators do not meet the rule: the caseworker's judgement wins.
JUDGEMENT_OVERRIDES_RULE = 0.12


# The ways a dimension can be made positive (see `rules.dimension_positive`).
_STRONG_AND_ANOTHER, _THREE_MEDIUM, _TWO_MEDIUM_AND_WEAK = "strong+1", "3 medium", "2 medium+weak"


@dataclass(frozen=True)
class _Grades:
    """The indicators of one dimension of one list, by strength, and how it can become positive."""

    strong: tuple[str, ...]
    medium: tuple[str, ...]
    weak: tuple[str, ...]

    @cached_property
    def every(self) -> tuple[str, ...]:
        return (*self.strong, *self.medium, *self.weak)

    @cached_property
    def recipes(self) -> tuple[str, ...]:
        recipes = []
        if self.strong and len(self.every) >= 2:
            recipes.append(_STRONG_AND_ANOTHER)
        if len(self.medium) >= 3:
            recipes.append(_THREE_MEDIUM)
        if len(self.medium) >= 2 and self.weak:
            recipes.append(_TWO_MEDIUM_AND_WEAK)
        return tuple(recipes)


@dataclass(frozen=True)
class _Catalogue:
    """One ILO/EC list, arranged once for picking."""

    keys: tuple[str, ...]
    weaker_keys: tuple[str, ...]  # medium and weak: for persons the office finds are not victims
    grades: Mapping[Dimension, _Grades]
    recruitment: tuple[Dimension, ...]  # the recruitment dimensions that can be positive in this list
    needs_means: bool  # adults: coercion or abuse of vulnerability at destination is required too


@cache
def _catalogue(indicator_list: IndicatorList) -> _Catalogue:
    indicators = indicators_for(indicator_list)
    keys: dict[Dimension, dict[Strength, list[str]]] = defaultdict(lambda: defaultdict(list))
    for indicator in indicators:
        keys[indicator.dimension][indicator.strength].append(indicator.key)
    grades = {
        dimension: _Grades(*(tuple(keys[dimension][strength]) for strength in (Strength.STRONG, Strength.MEDIUM, Strength.WEAK)))
        for dimension in Dimension
    }
    return _Catalogue(
        keys=tuple(indicator.key for indicator in indicators),
        weaker_keys=tuple(indicator.key for indicator in indicators if indicator.strength != Strength.STRONG),
        grades=grades,
        recruitment=tuple(
            dimension for dimension in Dimension if dimension in RECRUITMENT_DIMENSIONS and grades[dimension].recipes
        ),
        needs_means=indicator_list in (IndicatorList.ADULT_LABOUR, IndicatorList.ADULT_SEXUAL),
    )


def _positive_picks(rng: random.Random, grades: _Grades) -> list[str]:
    """Indicators that make one dimension positive, or [] if this list cannot make it so."""
    recipes = grades.recipes
    if not recipes:
        return []
    recipe = pick(rng, recipes)
    if recipe == _STRONG_AND_ANOTHER:
        first = second = pick(rng, grades.strong)
        while second == first:
            second = pick(rng, grades.every)
        return [first, second]
    if recipe == _THREE_MEDIUM:
        return rng.sample(grades.medium, 3)
    return [*rng.sample(grades.medium, 2), pick(rng, grades.weak)]


def _victim_indicators(rng: random.Random, catalogue: _Catalogue) -> list[str]:
    """4-10 indicators meeting the rule: recruitment and exploitation, and for adults the means."""
    dimensions = [pick(rng, catalogue.recruitment), Dimension.EXPLOITATION]
    if catalogue.needs_means:
        dimensions.append(pick(rng, (Dimension.COERCION_DESTINATION, Dimension.VULNERABILITY_DESTINATION)))
    chosen = dict.fromkeys(key for dimension in dimensions for key in _positive_picks(rng, catalogue.grades[dimension]))
    wanted = max(between(rng, 4, 10), len(chosen))
    while len(chosen) < wanted:
        chosen[pick(rng, catalogue.keys)] = None
    return list(chosen)


def choose_indicators(rng: random.Random, indicator_list: IndicatorList, *, presumed_victim: bool) -> list[str]:
    catalogue = _catalogue(indicator_list)
    if presumed_victim and rng.random() >= JUDGEMENT_OVERRIDES_RULE:
        return _victim_indicators(rng, catalogue)
    pool = catalogue.keys if presumed_victim else catalogue.weaker_keys
    return rng.sample(pool, between(rng, 4, 10 if presumed_victim else 6))
