"""How good the matching is on synthetic persons with planted duplicates (synthetic.py): every kind of
variation is found, the hard negatives are not, and F1 is at the issue's bar. Small and fixed (3,000
persons, one seed), so it is deterministic and takes under a minute; bench/duplicates.py
measures the same at 10,000 to 1,000,000.

The bars are the issue's: F1 at least 0.97 across scripts and 0.95 overall, recall at least 0.9
for each kind that varies one thing and 0.8 for a combination of two. Where the engine was measured
short of a bar, the bar is a strict xfail (it fails once it is reached, so that the floor is
raised) and a floor just under the measurement guards what is reached. A third of the persons are
registered twice here (a tenth in bench/duplicates.py), so that each kind has some 60 pairs.
"""

from __future__ import annotations

import pytest

from pristan.demo.synthetic_persons import COMBINATIONS, SINGLE_KINDS, Score, Synthetic, evaluate, generate
from pristan.duplicates.match_file import link

PERSONS = 3000
SEED = 14
SHARE = 0.3  # about 60 pairs of each single kind, 12-20 of each combination
THRESHOLD = 0.8  # settings.PRISTAN_DUPLICATES_PROPOSE's default

RECALL_FLOOR = 0.9  # the issue's bar for a kind that varies one thing
COMBINATION_FLOOR = 0.8  # 9 to 20 pairs each: one miss costs 5 to 11 points
# Kinds measured short of the bar (bench/README.md has the figures and why), with floors that hold
# what is reached today (the measurement less a pair or two). A missing date leaves the name alone
# to decide (gender and citizenship are what a namesake of one country shares too), and only a
# rare name can: two records of a common name without a date may as well be two persons.
SHORT_FLOORS = {
    "dob_missing": 0.5,  # measured 0.59 (36 of 61)
    "scheme+dob_missing": 0.3,  # 0.40 (6 of 15)
}


def _target(kind: str) -> float:
    return COMBINATION_FLOOR if "+" in kind else RECALL_FLOOR


@pytest.fixture(scope="module")
def measured() -> tuple[Synthetic, dict[str, Score]]:
    synthetic = generate(persons=PERSONS, seed=SEED, duplicate_share=SHARE)
    pairs = link([(record_id, data) for record_id, data, _office in synthetic.records], threshold=THRESHOLD)
    return synthetic, evaluate(synthetic, [(a, b) for a, b, _probability in pairs])


def test_f1_across_scripts(measured: tuple[Synthetic, dict[str, Score]]) -> None:
    _synthetic, scores = measured
    assert scores["cross_script"].f1 >= 0.97, scores["cross_script"]  # measured 0.982
    assert scores["cross_script"].true_positives >= 200  # the row measures something


def test_f1_overall_reaches_the_issue_bar(measured: tuple[Synthetic, dict[str, Score]]) -> None:
    _synthetic, scores = measured
    assert scores["overall"].f1 >= 0.95, scores["overall"]  # measured 0.973


def test_precision_holds(measured: tuple[Synthetic, dict[str, Score]]) -> None:
    """What reaches a reviewer is nearly always one person (measured 820 of 822 pairs)."""
    _synthetic, scores = measured
    assert scores["overall"].precision >= 0.99, scores["overall"]
    assert scores["cross_script"].precision >= 0.99, scores["cross_script"]


@pytest.mark.parametrize("kind", [*SINGLE_KINDS, *COMBINATIONS])
def test_each_kind_is_found(measured: tuple[Synthetic, dict[str, Score]], kind: str) -> None:
    _synthetic, scores = measured
    assert scores[kind].recall >= SHORT_FLOORS.get(kind, _target(kind)), scores[kind]


@pytest.mark.xfail(strict=True, reason="measured short of the bar: see SHORT_FLOORS")
@pytest.mark.parametrize("kind", list(SHORT_FLOORS))
def test_short_kinds_reach_the_bar(measured: tuple[Synthetic, dict[str, Score]], kind: str) -> None:
    """Strict: when the engine finds these as often as the others, this fails, and the kind leaves
    SHORT_FLOORS."""
    _synthetic, scores = measured
    assert scores[kind].recall >= _target(kind), scores[kind]


def test_siblings_are_not_taken_for_one_person_and_namesakes_rarely(
    measured: tuple[Synthetic, dict[str, Score]],
) -> None:
    synthetic, scores = measured
    namesakes = sum(kind == "namesake" for _a, _b, kind in synthetic.negatives)
    assert scores["negative:sibling"].false_positives == 0
    # Same common name, born two or more years apart: at most one in ten may reach a reviewer.
    assert scores["negative:namesake"].false_positives <= namesakes / 10
