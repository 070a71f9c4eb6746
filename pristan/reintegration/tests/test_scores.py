"""Scores from answers: always within 0–1, all best answers 1, all worst 0, weights relative."""

import math

from hypothesis import given
from hypothesis import strategies as st

from pristan.reintegration.scores import DIMENSIONS, Dimension, Item, Option, score, weighted_mean
from pristan.reintegration.survey import DEFAULT_FILE, dimensions_of, parse_file

weights = st.floats(min_value=0.01, max_value=100, allow_nan=False, allow_infinity=False)
factors = st.floats(min_value=0.001, max_value=1000, allow_nan=False, allow_infinity=False)


@st.composite
def items(draw: st.DrawFn, key: str) -> Item:
    # No subnormal scores (5e-324): multiplied by a weight they underflow to 0, and no survey scale has them.
    middle = draw(st.lists(st.floats(min_value=0, max_value=1, allow_nan=False, allow_subnormal=False), max_size=4))
    scores = [0.0, 1.0, *middle]  # every scale has a worst (0) and a best (1) answer, as the survey file requires
    options = tuple(Option(f"o{number}", f"Option {number}", value) for number, value in enumerate(draw(st.permutations(scores))))
    return Item(key, f"Question {key}?", draw(weights), options)


@st.composite
def surveys(draw: st.DrawFn) -> tuple[Dimension, ...]:
    dimensions = []
    for key in DIMENSIONS:
        count = draw(st.integers(min_value=1, max_value=5))
        dimensions.append(Dimension(key, key.title(), draw(weights), tuple(draw(items(f"{key}_{n}")) for n in range(count))))
    return tuple(dimensions)


@st.composite
def answered(draw: st.DrawFn) -> tuple[tuple[Dimension, ...], dict[str, str | None]]:
    survey = draw(surveys())
    answers = {
        item.key: draw(st.one_of(st.none(), st.sampled_from([option.key for option in item.options])))
        for dimension in survey
        for item in dimension.items
    }
    return survey, answers


def _pick(survey: tuple[Dimension, ...], best: bool) -> dict[str, str | None]:
    choose = max if best else min
    return {
        item.key: choose(item.options, key=lambda option: option.score).key for dimension in survey for item in dimension.items
    }


def _scaled(survey: tuple[Dimension, ...], item_factor: float, dimension_factor: float) -> tuple[Dimension, ...]:
    return tuple(
        Dimension(dimension.key, dimension.label, dimension.weight * dimension_factor,
                  tuple(Item(item.key, item.question, item.weight * item_factor, item.options) for item in dimension.items))
        for dimension in survey
    )  # fmt: skip


@given(answered())
def test_scores_are_always_within_0_and_1(case):
    survey, answers = case
    result = score(survey, answers)
    for value in [*result.dimensions.values(), result.composite]:
        assert value is None or 0 <= value <= 1
    assert set(result.unanswered) == {key for key, value in answers.items() if value is None}


@given(surveys())
def test_all_best_answers_give_1_and_all_worst_give_0(survey):
    best, worst = score(survey, _pick(survey, best=True)), score(survey, _pick(survey, best=False))
    assert best.composite == 1
    assert set(best.dimensions.values()) == {1}
    assert worst.composite == 0
    assert set(worst.dimensions.values()) == {0}
    assert best.unanswered == worst.unanswered == ()


def _same(a: float | None, b: float | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12))


@given(answered(), factors, factors)
def test_only_the_ratios_of_weights_matter(case, item_factor, dimension_factor):
    survey, answers = case
    plain, scaled = score(survey, answers), score(_scaled(survey, item_factor, dimension_factor), answers)
    for key in DIMENSIONS:
        assert _same(plain.dimensions[key], scaled.dimensions[key])
    assert _same(plain.composite, scaled.composite)


@given(surveys())
def test_unanswered_items_are_left_out_and_reported(survey):
    only = survey[0].items[0]
    chosen = only.options[0]
    result = score(survey, {only.key: chosen.key})
    assert math.isclose(result.dimensions[survey[0].key] or 0, chosen.score)  # the one answer is its dimension's score
    assert result.dimensions[survey[1].key] is None
    assert result.dimensions[survey[2].key] is None
    assert math.isclose(result.composite or 0, chosen.score)  # a dimension without answers is left out of the composite
    assert len(result.unanswered) == sum(len(dimension.items) for dimension in survey) - 1
    nothing = score(survey, {})
    assert nothing.composite is None
    assert set(nothing.dimensions.values()) == {None}


def test_the_weighted_mean_of_nothing_is_nothing():
    assert weighted_mean([]) is None
    assert weighted_mean([(2.0, 1.0), (1.0, 0.0)]) == 2 / 3


def test_the_default_survey_scores_as_its_weights_say():
    survey = dimensions_of(parse_file(DEFAULT_FILE))
    economic = {item.key: item for item in survey[0].items}
    # Income (weight 2) answered best, debt (weight 1) answered worst: (2·1 + 1·0) / 3.
    result = score(survey, {"income": economic["income"].options[0].key, "debt": "unpayable"})
    assert math.isclose(result.dimensions["economic"] or 0, 2 / 3)
    assert math.isclose(result.composite or 0, 2 / 3)
    assert "food_security" in result.unanswered
