"""k-anonymity over random small populations: what is published is k-anonymous, and what is
suppressed could not be published (pristan/research/anonymity.py states the guarantees)."""

from collections import Counter
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pristan.research import ctdc
from pristan.research.anonymity import (
    QUASI_IDENTIFIERS,
    AnonymityReport,
    k_anonymise,
    nodes,
    quasi_key,
    recode,
)

MISSING = ctdc.MISSING
AGES = [("9--17", "Minor", "Minor"), ("18--20", "Adult", "Minor"), ("18--20", "Adult", "Adult"), ("30--38", "Adult", "Adult"),
        (MISSING, "Adult", MISSING), (MISSING, MISSING, MISSING)]  # fmt: skip
EXPLOITATIONS = ["ForcedLabour", "SexualExploitation", "ForcedMarriage", None]


def make_row(
    year: str, gender: str, age: tuple[str, str, str], citizenship: str, country: str, exploitation: str | None
) -> dict[str, str]:
    row = dict.fromkeys(ctdc.COLUMNS, MISSING)
    row |= {"yearOfRegistration": year, "gender": gender, "citizenship": citizenship, "CountryOfExploitation": country}
    row |= dict(zip(("ageBroad", "majorityStatus", "majorityStatusAtExploit"), age, strict=True))
    if exploitation:
        row |= ctdc._exploitation([exploitation], "F_Construction" if exploitation == "ForcedLabour" else "", ["Prostitution"])
    return row


rows_strategy = st.lists(
    st.builds(
        make_row,
        st.sampled_from(["2024", "2025", "2026"]),
        st.sampled_from(["Female", "Male", MISSING]),
        st.sampled_from(AGES),
        st.sampled_from(["BG", "RO", "UA", "MD", "SY", "NG", MISSING]),
        st.sampled_from(["BG", "DE", "IT", "TR", MISSING]),
        st.sampled_from(EXPLOITATIONS),
    ),
    max_size=60,
)


def _levels(rows: list[dict[str, str]]) -> list[list[list[tuple[str, ...]]]]:
    return [[qi.levels(row) for qi in QUASI_IDENTIFIERS] for row in rows]


def _key(levels: list[list[list[tuple[str, ...]]]], record: int, node: tuple[int, ...]) -> tuple[tuple[str, ...], ...]:
    return tuple(levels[record][q][level] for q, level in enumerate(node))


@settings(max_examples=150, deadline=None)
@given(rows=rows_strategy, k=st.integers(min_value=1, max_value=7))
def test_no_published_combination_occurs_fewer_than_k_times(rows, k):
    result = k_anonymise(rows, k=k)
    counts = Counter(quasi_key(row) for row in result.rows)
    assert all(count >= k for count in counts.values())
    assert result.report.published + result.report.suppressed == len(rows) == result.report.considered
    assert result.report.groups == len(counts)


@settings(max_examples=150, deadline=None)
@given(rows=rows_strategy, k=st.integers(min_value=2, max_value=7))
def test_no_suppressed_record_could_be_restored_without_breaking_k(rows, k):
    levels, order = _levels(rows), nodes()
    placed, suppressed = recode(levels, k=k, order=order)
    assert sorted([*placed, *suppressed]) == list(range(len(rows)))
    published = Counter(_key(levels, record, node) for record, node in placed.items())
    for node in order:
        leftover = Counter(_key(levels, record, node) for record in suppressed)
        for key, count in leftover.items():
            assert key not in published, "a suppressed record fits a published group"
            assert count < k, "suppressed records could have formed a group of k together"


@settings(max_examples=100, deadline=None)
@given(rows=rows_strategy, k=st.integers(min_value=2, max_value=7))
def test_a_record_already_in_a_group_of_k_is_published_as_recorded(rows, k):
    levels, order = _levels(rows), nodes()
    placed, _suppressed = recode(levels, k=k, order=order)
    as_recorded = Counter(quasi_key(row) for row in rows)
    for record, row in enumerate(rows):
        if as_recorded[quasi_key(row)] >= k:
            assert placed[record] == order[0] == (0,) * len(QUASI_IDENTIFIERS)


@settings(max_examples=100, deadline=None)
@given(rows=rows_strategy, k=st.integers(min_value=2, max_value=7))
def test_published_rows_are_the_records_generalised_never_invented(rows, k):
    """Each published row is some record at some node: nothing but quasi-identifiers (and the columns
    that would tell the type of exploitation) is changed."""
    result = k_anonymise(rows, k=k)
    untouched = [c for c in ctdc.COLUMNS if c not in {c for qi in QUASI_IDENTIFIERS for c in (*qi.columns, *qi.blanked)}]
    remaining = Counter(tuple(row[c] for c in untouched) for row in rows)
    for row in result.rows:
        values = tuple(row[c] for c in untouched)
        assert remaining[values] > 0
        remaining[values] -= 1


@given(value=st.sampled_from([*ctdc.GENDERS.values(), "BG", "UA", "SY", "AQ", "2025", MISSING]), other=st.sampled_from(
    ["BG", "UA", "SY", "AQ", "2025", MISSING]))  # fmt: skip
def test_a_value_found_at_two_levels_is_left_as_it_is_by_the_steps_between(value, other):
    """The property the minimality argument rests on, for every hierarchy."""
    for qi in QUASI_IDENTIFIERS:
        width = len(qi.columns)
        for x, y in ((value, other), (other, value)):
            xs = qi.levels(dict.fromkeys(qi.columns, x))
            ys = qi.levels(dict.fromkeys(qi.columns, y))
            for a, b in combinations(range(len(xs)), 2):
                if xs[a] == ys[b]:
                    assert xs[b] == xs[a], (qi.name, x, y, a, b)
        assert all(len(level) == width for level in qi.levels(dict.fromkeys(qi.columns, value)))


def test_the_property_holds_for_ages_as_recorded():
    age = next(qi for qi in QUASI_IDENTIFIERS if qi.name == "age")
    every = [age.levels(dict(zip(age.columns, values, strict=True))) for values in AGES]
    for xs in every:
        for ys in every:
            for a, b in combinations(range(len(xs)), 2):
                if xs[a] == ys[b]:
                    assert xs[b] == xs[a]


def test_the_age_hierarchy_keeps_majority_before_giving_it_up():
    age = next(qi for qi in QUASI_IDENTIFIERS if qi.name == "age")
    levels = age.levels({"ageBroad": "9--17", "majorityStatus": "Minor", "majorityStatusAtExploit": "Minor"})
    assert levels == [("9--17", "Minor", "Minor"), (MISSING, "Minor", "Minor"), (MISSING, MISSING, MISSING)]


def test_a_country_becomes_its_region_then_minus_99():
    citizenship = next(qi for qi in QUASI_IDENTIFIERS if qi.name == "citizenship")
    assert citizenship.levels({"citizenship": "MD"}) == [("MD",), ("Eastern Europe",), (MISSING,)]


def test_generalising_where_it_saves_records_and_suppressing_the_rest():
    """Ten Bulgarians and one Moldovan exploited in Germany: the Moldovan is saved by region only if
    Eastern Europeans make a group of k; with k = 11 they do, and the report counts it."""
    rows = [make_row("2025", "Female", AGES[3], "BG", "DE", "SexualExploitation") for _ in range(10)]
    rows.append(make_row("2025", "Female", AGES[3], "MD", "DE", "SexualExploitation"))
    rows.append(make_row("2025", "Male", AGES[0], "SY", "TR", "ForcedLabour"))  # alone whatever is generalised
    result = k_anonymise(rows, k=11)
    assert result.report.published == 11
    assert result.report.suppressed == 1
    assert {row["citizenship"] for row in result.rows} == {"Eastern Europe"}
    assert [(item.quasi_identifier, item.step, item.records) for item in result.report.generalisations] == [
        ("citizenship", "region", 11)
    ]
    assert result.report.generalised_records == 11


def test_nothing_is_generalised_when_every_group_has_k():
    rows = [make_row("2025", "Female", AGES[3], "BG", "DE", "SexualExploitation") for _ in range(11)]
    result = k_anonymise(rows, k=11)
    assert result.rows == rows
    assert result.report.generalisations == ()
    assert result.report.suppressed == 0


def test_the_type_of_exploitation_given_up_takes_its_detail_with_it():
    rows = [make_row("2025", "Female", AGES[3], "BG", "DE", kind) for kind in ("ForcedLabour", "SexualExploitation")]
    result = k_anonymise(rows * 3, k=6)
    assert result.report.published == 6
    for row in result.rows:
        assert all(row[column] == MISSING for column in ctdc.EXPLOITATION_COLUMNS)
        assert all(row[column] == MISSING for column in ctdc.EXPLOITATION_DETAIL_COLUMNS)


def test_fewer_records_than_k_are_all_suppressed():
    rows = [make_row("2025", "Female", AGES[3], "BG", "DE", "SexualExploitation") for _ in range(4)]
    result = k_anonymise(rows, k=5)
    assert result.rows == []
    assert result.report.suppressed == 4


def test_the_report_holds_counts_only():
    names = set(AnonymityReport.__dataclass_fields__)
    assert names == {"k", "considered", "published", "suppressed", "groups", "generalised_records", "generalisations",
                     "quasi_identifiers"}  # fmt: skip


def test_k_must_be_positive():
    with pytest.raises(ValueError):
        k_anonymise([], k=0)
