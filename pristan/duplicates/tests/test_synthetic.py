"""The synthetic truth the quality test and the benchmark measure against: deterministic, every kind
planted as described, and the CSV files round-trip."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from rapidfuzz.distance import DamerauLevenshtein

from pristan.demo.synthetic_persons import (
    KINDS,
    NEGATIVE_KINDS,
    PERSONS_COLUMNS,
    Synthetic,
    evaluate,
    generate,
    read_persons_csv,
    read_truth_csv,
    script_of,
    transliterate,
    write_csv,
)


@pytest.fixture(scope="module")
def synthetic() -> Synthetic:
    return generate(persons=3000, seed=7, duplicate_share=0.3)


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data(synthetic: Synthetic) -> None:
    again = generate(persons=3000, seed=7, duplicate_share=0.3)
    assert again.records == synthetic.records
    assert again.truth == synthetic.truth
    assert again.negatives == synthetic.negatives
    other = generate(persons=3000, seed=8, duplicate_share=0.3)
    assert other.records != synthetic.records


def test_every_kind_is_planted_and_the_truth_pairs_are_ordered_and_apart(synthetic: Synthetic) -> None:
    planted = Counter(kind for _a, _b, kind in synthetic.truth)
    assert set(planted) == set(KINDS)
    assert min(planted.values()) >= 5
    ids = [record_id for record_id, _data, _office in synthetic.records]
    assert len(set(ids)) == len(ids)
    # Shuffled: neither the order nor the ids tell which records belong together.
    gaps = sorted(int(b[1:]) - int(a[1:]) for a, b, _kind in synthetic.truth)
    assert gaps[len(gaps) // 2] > 300
    known = set(ids)
    seen: set[str] = set()
    for a, b, _kind in synthetic.truth:
        assert a < b
        assert a in known
        assert b in known
        assert a not in seen
        assert b not in seen
        seen |= {a, b}
    assert len(synthetic.records) == 3000 + len(synthetic.truth)
    assert round(3000 * 0.96 * 0.3) - 10 <= len(synthetic.truth) <= round(3000 * 0.96 * 0.3)


def test_the_hard_negatives_are_planted_and_never_in_the_truth(synthetic: Synthetic) -> None:
    truth = {(a, b) for a, b, _kind in synthetic.truth}
    assert {kind for _a, _b, kind in synthetic.negatives} == set(NEGATIVE_KINDS)
    data = {record_id: values for record_id, values, _office in synthetic.records}
    for a, b, kind in synthetic.negatives:
        assert a < b
        assert (a, b) not in truth
        if kind == "namesake":
            assert (data[a].given_name, data[a].family_name) == (data[b].given_name, data[b].family_name)
            assert data[a].date_of_birth != data[b].date_of_birth
        else:
            assert data[a].given_name != data[b].given_name
            assert data[a].date_of_birth != data[b].date_of_birth


def test_each_kind_varies_what_it_says(synthetic: Synthetic) -> None:
    data = {record_id: values for record_id, values, _office in synthetic.records}
    office = {record_id: code for record_id, _values, code in synthetic.records}
    for a, b, kind in synthetic.truth:
        one, two = data[a], data[b]
        if kind in ("cyr_to_lat", "lat_to_cyr"):
            assert script_of(one) != script_of(two)
        elif kind == "typo":
            distance = DamerauLevenshtein.distance(one.given_name, two.given_name) + DamerauLevenshtein.distance(
                one.family_name, two.family_name
            )
            assert distance == 1
        elif kind == "swapped":
            assert (one.given_name, one.family_name) == (two.family_name, two.given_name)
        elif kind == "dob_missing":
            assert (one.date_of_birth is None) != (two.date_of_birth is None)
        elif kind == "dob_estimated":
            estimated = one if one.date_of_birth_estimated else two
            exact = two if estimated is one else one
            assert estimated.date_of_birth is not None
            assert exact.date_of_birth is not None
            assert (estimated.date_of_birth.day, estimated.date_of_birth.month) in ((1, 1), (1, 7))
            assert estimated.date_of_birth.year == exact.date_of_birth.year
        elif kind == "dob_transposed":
            assert one.date_of_birth is not None
            assert two.date_of_birth is not None
            assert (one.date_of_birth.day, one.date_of_birth.month) == (two.date_of_birth.month, two.date_of_birth.day)
        elif kind == "dob_year_off":
            assert one.date_of_birth is not None
            assert two.date_of_birth is not None
            assert abs(one.date_of_birth.year - two.date_of_birth.year) == 1
        elif kind == "other_office":
            assert office[a] != office[b]
            assert (one.given_name, one.family_name, one.date_of_birth) == (
                two.given_name,
                two.family_name,
                two.date_of_birth,
            )
        if kind != "other_office" and "other_office" not in kind:
            assert office[a] == office[b]


def test_only_the_kinds_asked_for_are_planted() -> None:
    synthetic = generate(persons=500, seed=1, duplicate_share=0.2, kinds=["swapped", "cyr_to_lat+typo"])
    assert {kind for _a, _b, kind in synthetic.truth} == {"swapped", "cyr_to_lat+typo"}
    with pytest.raises(ValueError, match="unknown kinds: misspelt"):
        generate(persons=10, seed=1, kinds=["misspelt"])


@pytest.mark.parametrize(
    ("name", "language", "scheme", "written"),
    [
        ("Ђорђевић", "sr", "national", "Đorđević"),
        ("Ђорђевић", "sr", "english", "Djordjevic"),
        ("Ђорђевић", "sr", "d_variant", "Dzordzević"),
        ("Йордан", "bg", "national", "Yordan"),
        ("Йордан", "bg", "unidecode", "Iordan"),
        ("Щерев", "bg", "national", "Shterev"),
        ("Мария", "bg", "national", "Maria"),
        ("Ѓорѓи", "mk", "national", "Gjorgji"),
        ("Ѓорѓи", "mk", "iso9", "Ǵorǵi"),
        ("Юлія", "uk", "national", "Yuliia"),
        ("Hadžić", "bs", "national", "Hadžić"),
        ("Hadžić", "bs", "cyrillic", "Хаџић"),
        ("Berisha", "sq", "cyrillic", "Бериша"),
        ("Đorđe", "hr", "no_diacritics", "Dorde"),
    ],
)
def test_transliteration_schemes(name: str, language: str, scheme: str, written: str) -> None:
    variant = 1 if scheme == "d_variant" else 0
    assert transliterate(name, language=language, scheme=scheme, variant=variant) == written


def test_the_csv_files_round_trip(synthetic: Synthetic, tmp_path: Path) -> None:
    persons, truth = tmp_path / "PERSONS.csv", tmp_path / "truth.csv"
    write_csv(synthetic, persons, truth)
    assert persons.read_text(encoding="utf-8").splitlines()[0] == ",".join(PERSONS_COLUMNS)
    read = read_persons_csv(persons)
    # The file has no column for the estimated flag: everything else comes back as it was.
    assert read == [
        (record_id, data.__class__(**{**data.__dict__, "date_of_birth_estimated": False}))
        for record_id, data, _office in synthetic.records
    ]
    assert read_truth_csv(truth) == synthetic.truth
    assert {data.gender for _id, data in read} <= {
        "Feminine",
        "Masculine",
        "TransgenderFeminine",
        "TransgenderMasculine",
        "NonConforming",
        "NonSpecifiedUnknown",
    }


def test_scores_count_pairs_per_kind_and_across_scripts() -> None:
    synthetic = generate(persons=400, seed=3, duplicate_share=0.25, kinds=["cyr_to_lat", "swapped"])
    found = [(a, b) for a, b, kind in synthetic.truth if kind == "cyr_to_lat"]
    sibling = next((a, b) for a, b, kind in synthetic.negatives if kind == "sibling")
    scores = evaluate(synthetic, [*found, sibling])
    assert scores["cyr_to_lat"].recall == 1.0
    assert scores["cyr_to_lat"].precision == 1.0
    assert scores["swapped"].recall == 0.0
    assert scores["cross_script"].true_positives == len(found)
    assert scores["negative:sibling"].false_positives == 1
    assert scores["overall"].false_positives == 1
    assert scores["overall"].false_negatives == sum(kind == "swapped" for _a, _b, kind in synthetic.truth)
    assert 0 < scores["overall"].f1 < 1


def test_a_child_is_a_third_of_the_persons(synthetic: Synthetic) -> None:
    born = [data.date_of_birth for _id, data, _office in synthetic.records if data.date_of_birth]
    children = sum(day > date(2008, 6, 30) for day in born)
    assert 0.28 < children / len(born) < 0.39
