"""Tests for the ILO/EC indicator lists and their combination rule (no database)."""

from __future__ import annotations

import re
from collections import Counter

import django
import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from hypothesis import given
from hypothesis import strategies as st

from pristan.screening.indicators import (
    RECRUITMENT_DIMENSIONS,
    Dimension,
    Indicator,
    IndicatorList,
    Strength,
    indicator_list_for,
    indicators_for,
)
from pristan.screening.rules import Assessment, assess, dimension_positive

if not settings.configured:
    settings.configure(USE_I18N=True, INSTALLED_APPS=[])
    django.setup()


ADULT_LISTS = (IndicatorList.ADULT_LABOUR, IndicatorList.ADULT_SEXUAL)
CHILD_LISTS = (IndicatorList.CHILD_LABOUR, IndicatorList.CHILD_SEXUAL)


def pick(indicator_list: IndicatorList, dimension: Dimension, strength: Strength, n: int) -> list[str]:
    """The keys of the first ``n`` indicators of a dimension with a strength."""
    keys = [i.key for i in indicators_for(indicator_list) if i.dimension == dimension and i.strength == strength]
    assert len(keys) >= n, (indicator_list, dimension, strength, n)
    return keys[:n]


def positive_keys(indicator_list: IndicatorList, dimension: Dimension) -> list[str]:
    """A minimal selection that makes the dimension positive in this list."""
    strong = [i.key for i in indicators_for(indicator_list) if i.dimension == dimension and i.strength == Strength.STRONG]
    if strong:
        return (
            strong[:1]
            + [i.key for i in indicators_for(indicator_list) if i.dimension == dimension and i.strength != Strength.STRONG][:1]
        )
    return pick(indicator_list, dimension, Strength.MEDIUM, 3)


def positive(assessment: Assessment, dimension: Dimension) -> bool:
    return dimension in assessment.positive_dimensions


# --- the dimension rule -----------------------------------------------------


@pytest.mark.parametrize(
    ("strong", "medium", "weak", "expected"),
    [
        # (a) two strong
        (2, 0, 0, True),
        (3, 0, 0, True),
        # (b) one strong plus at least one medium or weak
        (1, 1, 0, True),
        (1, 0, 1, True),
        (1, 0, 0, False),
        # (c) three medium
        (0, 3, 0, True),
        (0, 2, 0, False),
        # (d) two medium plus at least one weak
        (0, 2, 1, True),
        (0, 1, 1, False),
        (0, 1, 5, False),
        # weak alone never suffices
        (0, 0, 10, False),
        (0, 0, 0, False),
    ],
)
def test_dimension_rule(strong: int, medium: int, weak: int, expected: bool) -> None:
    assert dimension_positive(strong=strong, medium=medium, weak=weak) is expected


def test_dimension_rule_rejects_negative_counts() -> None:
    with pytest.raises(ValueError):
        dimension_positive(strong=-1, medium=3, weak=0)


def test_assess_counts_per_dimension() -> None:
    lst = IndicatorList.ADULT_LABOUR
    dim = Dimension.COERCION_DESTINATION
    keys = pick(lst, dim, Strength.MEDIUM, 2) + pick(lst, dim, Strength.WEAK, 1)
    result = assess(lst, keys)
    [coercion] = [r for r in result.dimensions if r.dimension == dim]
    assert (coercion.strong, coercion.medium, coercion.weak) == (0, 2, 1)
    assert coercion.positive
    assert result.positive_dimensions == (dim,)


def test_one_strong_alone_is_negative_in_assessment() -> None:
    lst = IndicatorList.ADULT_LABOUR
    keys = pick(lst, Dimension.DECEPTIVE_RECRUITMENT, Strength.STRONG, 1)
    assert assess(lst, keys).positive_dimensions == ()


def test_assessment_lists_all_six_dimensions_in_order() -> None:
    for lst in IndicatorList:
        result = assess(lst, [])
        assert [r.dimension for r in result.dimensions] == list(Dimension)
        assert result.positive_dimensions == ()
        assert not result.presumed_victim
        assert result.indicator_list == lst


# --- adults need the means element, children do not -------------------------


@pytest.mark.parametrize("lst", ADULT_LISTS)
@pytest.mark.parametrize("recruitment", sorted(RECRUITMENT_DIMENSIONS))
def test_adult_needs_means_at_destination(lst: IndicatorList, recruitment: Dimension) -> None:
    base = positive_keys(lst, recruitment) + positive_keys(lst, Dimension.EXPLOITATION)
    without_means = assess(lst, base)
    assert positive(without_means, recruitment)
    assert positive(without_means, Dimension.EXPLOITATION)
    assert not without_means.presumed_victim

    for means in (Dimension.COERCION_DESTINATION, Dimension.VULNERABILITY_DESTINATION):
        assert assess(lst, base + positive_keys(lst, means)).presumed_victim


@pytest.mark.parametrize("lst", ADULT_LISTS)
def test_adult_needs_recruitment_and_exploitation(lst: IndicatorList) -> None:
    recruitment = positive_keys(lst, Dimension.DECEPTIVE_RECRUITMENT)
    exploitation = positive_keys(lst, Dimension.EXPLOITATION)
    means = positive_keys(lst, Dimension.COERCION_DESTINATION)
    assert not assess(lst, exploitation + means).presumed_victim
    assert not assess(lst, recruitment + means).presumed_victim
    assert assess(lst, recruitment + exploitation + means).presumed_victim


@pytest.mark.parametrize("lst", CHILD_LISTS)
@pytest.mark.parametrize("recruitment", sorted(RECRUITMENT_DIMENSIONS))
def test_child_does_not_need_means(lst: IndicatorList, recruitment: Dimension) -> None:
    keys = positive_keys(lst, recruitment) + positive_keys(lst, Dimension.EXPLOITATION)
    result = assess(lst, keys)
    assert not positive(result, Dimension.COERCION_DESTINATION)
    assert not positive(result, Dimension.VULNERABILITY_DESTINATION)
    assert result.presumed_victim


@pytest.mark.parametrize("lst", CHILD_LISTS)
def test_child_still_needs_recruitment_and_exploitation(lst: IndicatorList) -> None:
    recruitment = positive_keys(lst, Dimension.COERCIVE_RECRUITMENT)
    exploitation = positive_keys(lst, Dimension.EXPLOITATION)
    means = positive_keys(lst, Dimension.COERCION_DESTINATION)
    assert not assess(lst, exploitation + means).presumed_victim
    assert not assess(lst, recruitment + means).presumed_victim


# --- input handling ---------------------------------------------------------


def test_unknown_key_is_rejected() -> None:
    with pytest.raises(ValidationError) as excinfo:
        assess(IndicatorList.ADULT_LABOUR, ["exploitation.no_such_indicator"])
    error = excinfo.value
    assert error.code == "unknown_indicator"
    assert error.params == {"key": "exploitation.no_such_indicator"}
    assert "exploitation.no_such_indicator" in error.messages[0]


def test_key_from_another_list_is_rejected() -> None:
    # Deception about conditions of prostitution is only in the sexual lists.
    key = "deceptive_recruitment.deceived_conditions_of_prostitution"
    assert key in {i.key for i in indicators_for(IndicatorList.ADULT_SEXUAL)}
    with pytest.raises(ValidationError):
        assess(IndicatorList.ADULT_LABOUR, [key])


def test_bare_code_without_dimension_is_rejected() -> None:
    with pytest.raises(ValidationError):
        assess(IndicatorList.ADULT_LABOUR, ["violence_on_victim"])


def test_duplicates_count_once() -> None:
    lst = IndicatorList.ADULT_LABOUR
    [strong] = pick(lst, Dimension.COERCIVE_RECRUITMENT, Strength.STRONG, 1)
    result = assess(lst, [strong, strong, strong])
    [coercive] = [r for r in result.dimensions if r.dimension == Dimension.COERCIVE_RECRUITMENT]
    assert coercive.strong == 1
    assert not coercive.positive


def test_keys_may_be_any_iterable() -> None:
    lst = IndicatorList.CHILD_LABOUR
    keys = positive_keys(lst, Dimension.EXPLOITATION)
    assert assess(lst, iter(keys)) == assess(lst, tuple(keys))


# --- the data ---------------------------------------------------------------


@pytest.mark.parametrize("lst", list(IndicatorList))
def test_every_list_covers_all_six_dimensions(lst: IndicatorList) -> None:
    dimensions = {i.dimension for i in indicators_for(lst)}
    assert dimensions == set(Dimension)


@pytest.mark.parametrize("lst", list(IndicatorList))
def test_every_dimension_can_be_positive(lst: IndicatorList) -> None:
    for dimension in Dimension:
        keys = [i.key for i in indicators_for(lst) if i.dimension == dimension]
        assert positive(assess(lst, keys), dimension)


@pytest.mark.parametrize("lst", list(IndicatorList))
def test_all_indicators_make_a_presumed_victim(lst: IndicatorList) -> None:
    result = assess(lst, [i.key for i in indicators_for(lst)])
    assert result.positive_dimensions == tuple(Dimension)
    assert result.presumed_victim


@pytest.mark.parametrize("lst", list(IndicatorList))
def test_keys_unique_per_list(lst: IndicatorList) -> None:
    keys = Counter(i.key for i in indicators_for(lst))
    assert [k for k, n in keys.items() if n > 1] == []


@pytest.mark.parametrize("lst", list(IndicatorList))
def test_indicators_are_well_formed(lst: IndicatorList) -> None:
    for indicator in indicators_for(lst):
        assert re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", indicator.code)
        assert indicator.key == f"{indicator.dimension.value}.{indicator.code}"
        assert isinstance(indicator.dimension, Dimension)
        assert isinstance(indicator.strength, Strength)


@pytest.mark.parametrize("lst", list(IndicatorList))
def test_indicators_in_dimension_then_strength_order(lst: IndicatorList) -> None:
    dim_order = list(Dimension)
    strength_order = list(Strength)
    positions = [(dim_order.index(i.dimension), strength_order.index(i.strength)) for i in indicators_for(lst)]
    assert positions == sorted(positions)


def test_children_lists_have_no_weak_indicators() -> None:
    for lst in CHILD_LISTS:
        assert all(i.strength != Strength.WEAK for i in indicators_for(lst))


def test_same_indicator_can_differ_in_strength_between_lists() -> None:
    def strength(lst: IndicatorList, key: str) -> Strength:
        [indicator] = [i for i in indicators_for(lst) if i.key == key]
        return indicator.strength

    key = "deceptive_recruitment.deceived_education"
    assert strength(IndicatorList.ADULT_LABOUR, key) == Strength.WEAK
    assert strength(IndicatorList.CHILD_LABOUR, key) == Strength.STRONG


def all_indicators() -> list[Indicator]:
    return [i for lst in IndicatorList for i in indicators_for(lst)]


def test_every_label_is_a_lazy_translation() -> None:
    for indicator in all_indicators():
        assert isinstance(indicator.label, Promise), indicator.key
        assert str(indicator.label).strip(), indicator.key
    for choices in (Dimension, Strength, IndicatorList):
        for label in choices.labels:
            assert isinstance(label, Promise)


def test_one_wording_per_code() -> None:
    """The same code has the same (single msgid) label everywhere."""
    by_code: dict[str, set[str]] = {}
    by_wording: dict[str, set[str]] = {}
    for indicator in all_indicators():
        by_code.setdefault(indicator.code, set()).add(str(indicator.label))
        by_wording.setdefault(str(indicator.label), set()).add(indicator.code)
    assert all(len(w) == 1 for w in by_code.values())
    assert all(len(c) == 1 for c in by_wording.values())


def test_indicator_list_for() -> None:
    assert indicator_list_for(is_child=False, sexual=False) == "adult_labour"
    assert indicator_list_for(is_child=False, sexual=True) == "adult_sexual"
    assert indicator_list_for(is_child=True, sexual=False) == "child_labour"
    assert indicator_list_for(is_child=True, sexual=True) == "child_sexual"


def test_enum_values() -> None:
    assert [d.value for d in Dimension] == [
        "deceptive_recruitment",
        "coercive_recruitment",
        "vulnerability_recruitment",
        "exploitation",
        "coercion_destination",
        "vulnerability_destination",
    ]
    assert set(RECRUITMENT_DIMENSIONS) == {
        Dimension.DECEPTIVE_RECRUITMENT,
        Dimension.COERCIVE_RECRUITMENT,
        Dimension.VULNERABILITY_RECRUITMENT,
    }
    assert [s.value for s in Strength] == ["strong", "medium", "weak"]


# --- properties -------------------------------------------------------------

counts = st.integers(min_value=0, max_value=6)


@given(strong=counts, medium=counts, weak=counts, extra=st.sampled_from(Strength))
def test_dimension_rule_is_monotone(strong: int, medium: int, weak: int, extra: Strength) -> None:
    before = dimension_positive(strong=strong, medium=medium, weak=weak)
    after = dimension_positive(
        strong=strong + (extra == Strength.STRONG),
        medium=medium + (extra == Strength.MEDIUM),
        weak=weak + (extra == Strength.WEAK),
    )
    assert after or not before


@st.composite
def nested_selections(
    draw: st.DrawFn,
) -> tuple[IndicatorList, frozenset[str], frozenset[str]]:
    lst = draw(st.sampled_from(IndicatorList))
    keys = [i.key for i in indicators_for(lst)]
    larger = draw(st.frozensets(st.sampled_from(keys)))
    smaller = draw(st.frozensets(st.sampled_from(sorted(larger)))) if larger else larger
    return lst, smaller, larger


@given(nested_selections())
def test_assessment_is_monotone_in_the_keys(
    selection: tuple[IndicatorList, frozenset[str], frozenset[str]],
) -> None:
    lst, smaller, larger = selection
    before = assess(lst, smaller)
    after = assess(lst, larger)
    assert set(before.positive_dimensions) <= set(after.positive_dimensions)
    assert after.presumed_victim or not before.presumed_victim
