from datetime import date

import pytest

from pristan.demo import synthetic_persons as synthetic
from pristan.duplicates import levels, matching
from pristan.duplicates.types import LEVEL_LABELS, Pair, PersonData


def _pairs(records: list[tuple[int, PersonData]], threshold: float = 0.8) -> dict[tuple[int, int], Pair]:
    table = matching.records_table(records)
    return {(pair.a, pair.b): pair for pair in matching.predict(table, matching.train(table), threshold=threshold)}


def _levels(pair: Pair) -> dict[str, str]:
    return {reason.field: reason.level for reason in pair.reasons}


BORN = date(1990, 3, 4)
NOBODY = [
    (10, PersonData(given_name="Марко", family_name="Марковић", date_of_birth=date(1975, 11, 20), gender="Masculine")),
    (11, PersonData(given_name="Elena", family_name="Popescu", date_of_birth=date(2001, 6, 30), gender="Feminine")),
]


def test_the_same_person_in_both_scripts_with_day_and_month_swapped_is_found_with_its_reasons() -> None:
    found = _pairs(
        [
            (
                1,
                PersonData(
                    given_name="Ђорђе", family_name="Јовановић", date_of_birth=BORN, gender="Masculine", citizenships=("RS",)
                ),
            ),
            (2, PersonData(given_name="Djordje", family_name="Jovanovic", date_of_birth=date(1990, 4, 3), gender="Masculine")),
            *NOBODY,
        ]
    )
    assert list(found) == [(1, 2)]
    assert _levels(found[1, 2]) == {
        "name": "exact", "date_of_birth": "transposed", "gender": "same", "citizenship": "missing", "document": "missing",
    }  # fmt: skip


def test_swapped_names_and_a_typo_are_levels_of_their_own() -> None:
    found = _pairs(
        [
            (1, PersonData(given_name="Yordan", family_name="Petrov", date_of_birth=BORN)),
            (2, PersonData(given_name="Петров", family_name="Йордан", date_of_birth=BORN)),
            (
                3,
                PersonData(
                    given_name="Ana", family_name="Stojanovska", date_of_birth=date(1985, 1, 1), date_of_birth_estimated=True
                ),
            ),
            (4, PersonData(given_name="Ana", family_name="Stojanovksa", date_of_birth=date(1985, 8, 9))),
            *NOBODY,
        ],
        threshold=0.1,
    )
    assert _levels(found[1, 2])["name"] == "swapped"
    assert _levels(found[3, 4])["name"] in {"similar", "close"}
    assert _levels(found[3, 4])["date_of_birth"] == "same_year_estimated"
    assert (10, 11) not in found


def test_a_year_typed_wrong_and_a_ukrainian_h_are_levels_of_their_own() -> None:
    found = _pairs(
        [
            (1, PersonData(given_name="Ганна", family_name="Гук", date_of_birth=date(1991, 5, 17), gender="Feminine")),
            (2, PersonData(given_name="Hanna", family_name="Huk", date_of_birth=date(1992, 5, 17), gender="Feminine")),
            # Born within a year of her, on another day: no slip of the year.
            (3, PersonData(given_name="Hanna", family_name="Huk", date_of_birth=date(1991, 12, 2), gender="Feminine")),
            *NOBODY,
        ],
        threshold=0.01,
    )
    assert _levels(found[1, 2]) == {
        "name": "exact", "date_of_birth": "year_slip", "gender": "same", "citizenship": "missing", "document": "missing",
    }  # fmt: skip
    assert _levels(found[1, 3])["date_of_birth"] == "year_apart"
    assert found[1, 2].match_weight > found[1, 3].match_weight


def test_a_returning_person_does_not_make_her_own_name_common() -> None:
    """Two records carrying one name may be one person or two namesakes: how often its parts meet
    decides (rare parts, a rare name; common parts, one other record); a name many records carry
    weighs as often as they carry it."""
    counts = {"rare": 2, "unusual": 2, "middling": 41, "ordinary": 41, "common": 400, "frequent": 300}

    def frequency(parts: list[str], carrying: int) -> float:
        return matching.name_frequency(parts=parts, carrying=carrying, part_counts=counts, records=10_000, independence=5)

    assert frequency(["rare", "unusual"], 2) == matching.RAREST_NAME / 10_000
    assert frequency(["common", "frequent"], 2) == pytest.approx(1 / 10_000)  # at most the others carrying it
    assert frequency(["middling", "ordinary"], 2) == pytest.approx(5 * 40 * 40 / 10_000**2)  # a quarter of a record
    assert frequency(["rare", "unusual"], 40) == pytest.approx(38 / 10_000)  # at least the others less one duplicate


def test_an_agreement_on_citizenship_counts_only_against(
    trained: tuple[list[tuple[int, PersonData]], matching.Model],
) -> None:
    _records, model = trained
    weights = model.weights()["citizenship"]
    assert weights["shared"] == 0
    assert weights["different"] < 0


def test_every_reason_is_a_level_reviewers_can_read() -> None:
    data = synthetic.generate(persons=300, seed=3)
    records = [(index, values) for index, (_id, values, _office) in enumerate(data.records)]
    for pair in _pairs(records, threshold=0.01).values():
        for reason in pair.reasons:
            assert reason.level in LEVEL_LABELS[reason.field]


def test_a_small_register_keeps_the_starting_values_and_still_finds_its_duplicates() -> None:
    data = synthetic.generate(persons=50, seed=5, kinds=["cyr_to_lat", "swapped", "dob_transposed"])
    records = [(index, values) for index, (_id, values, _office) in enumerate(data.records)]
    table = matching.records_table(records)
    model = matching.train(table)
    assert model.weights() == matching.default_model().weights()
    ids = [record_id for record_id, _values, _office in data.records]
    found = {(ids[pair.a], ids[pair.b]) for pair in matching.predict(table, model, threshold=0.8)}
    truth = {(a, b) for a, b, _kind in data.truth}
    assert truth
    assert {(min(pair), max(pair)) for pair in found} == truth


@pytest.fixture(scope="module")
def trained() -> tuple[list[tuple[int, PersonData]], matching.Model]:
    data = synthetic.generate(persons=2500, seed=11)
    records = [(index, values) for index, (_id, values, _office) in enumerate(data.records)]
    return records, matching.train(matching.records_table(records))


def test_m_and_u_are_estimated_from_the_data(trained: tuple[list[tuple[int, PersonData]], matching.Model]) -> None:
    _records, model = trained
    weights, starting = model.weights(), matching.default_model().weights()
    assert weights["name"]["exact"] != starting["name"]["exact"]  # EM
    assert weights["gender"]["same"] != starting["gender"]["same"]  # sampling
    assert model.settings["probability_two_random_records_match"] != matching.DEFAULT_PRIOR
    # The parts of a name go together (one language, one gender) more often than drawn independently.
    assert model.independence is not None
    assert model.independence > 1
    for _field, by_level in weights.items():  # agreement never counts against, disagreement does
        assert (
            by_level["different"] < 0 <= min(weight for code, weight in by_level.items() if code not in {"different", "missing"})
        )
    assert weights["date_of_birth"]["exact"] > weights["date_of_birth"]["year_slip"] > weights["date_of_birth"]["year_apart"]


def test_python_levels_score_as_splink_does(trained: tuple[list[tuple[int, PersonData]], matching.Model]) -> None:
    records, model = trained
    table = matching.records_table(records)
    rows = {uid: matching.record_row(uid, values) for uid, values in records}
    assert model.independence is not None
    frequencies = matching.name_frequencies(table, model.independence)
    scorer = levels.Scorer(model)
    compared = 0
    for pair in matching.predict(table, model, threshold=0.0):
        left, right = rows[pair.a], rows[pair.b]
        frequency = max(frequencies.get(left["name_sorted"], 0.0), frequencies.get(right["name_sorted"], 0.0))
        probability, weight, reasons = scorer.score(left, right, frequency=frequency)
        assert reasons == pair.reasons
        assert weight == pytest.approx(pair.match_weight, abs=1e-6)
        assert probability == pytest.approx(pair.probability, abs=1e-9)
        compared += 1
    assert compared > 500  # 801 pairs from 2,500 synthetic persons (seed 11) since their surname pools were lengthened


def test_duckdb_never_writes_a_file_nor_loads_an_extension(settings: object) -> None:
    connection = matching.connection()
    setting = dict(connection.sql("SELECT name, value FROM duckdb_settings()").fetchall())
    assert setting["temp_directory"] == ""
    assert setting["max_temp_directory_size"] == "0 bytes"
    assert setting["autoload_known_extensions"] == "false"
    assert setting["autoinstall_known_extensions"] == "false"
    assert setting["memory_limit"] == "3.7 GiB"  # PRISTAN_DUPLICATES_MEMORY: 4GB
