"""The matching model: Fellegi–Sunter with Splink 5 on an in-memory DuckDB, over names folded by
Pristan's own cross-script folding (core/names.py) before Splink sees them.

Each record becomes one row of an Arrow table (`records_table`), held in memory only. Five
comparisons, each with its own agreement levels (their codes are those of types.LEVEL_LABELS, the
reasons a reviewer reads), are written once as SQL for DuckDB (`COMPARISONS`); levels.py computes
the same levels in Python for registration, where a person is typing and a DuckDB pipeline per
keystroke would be too slow. m is estimated by expectation–maximisation, u by random sampling and
the prior by deterministic rules (`train`); `predict` yields the pairs above a threshold with their
reasons.

DuckDB is hardened (`connection`): no temporary directory (it fails rather than spill plaintext to
disk), a memory limit from PRISTAN_DUPLICATES_MEMORY, and no extension is loaded or installed.
"""

from __future__ import annotations

import json
import logging
import math
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

import duckdb
import pyarrow as pa  # type: ignore[import-untyped]
from django.conf import settings as django_settings
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink.blocking_rule_library import CustomRule
from splink.internals.blocking_rule_creator import BlockingRuleCreator

from pristan.core.names import search_tokens
from pristan.duplicates.types import LEVEL_LABELS, Pair, PersonData, Reason

__all__ = [
    "COMPARISONS",
    "DEFAULT_PRIOR",
    "Level",
    "Model",
    "connection",
    "default_model",
    "predict",
    "records_table",
    "train",
]

logger = logging.getLogger(__name__)
logging.getLogger("splink").setLevel(logging.WARNING)  # its progress would fill the worker's log

UNKNOWN_GENDERS = frozenset({"", "NonSpecifiedUnknown"})
MIN_DELETION = 5  # as keys.MIN_DELETION: family name parts whose one-letter deletions block
MIN_PART = 3  # as keys.MIN_PART: the name parts counted (shorter ones have no match key to count)
# Below this many records random pairs are too few to estimate u from (the planted duplicates of a
# fresh demo or a test would make agreement look common), and below the second EM has too few
# blocked pairs to estimate m from: the model keeps the starting values written in COMPARISONS.
MIN_RECORDS_FOR_U = 1000
MIN_RECORDS_FOR_EM = 2000
U_SAMPLE_PAIRS = 5_000_000
SEED = 14
DEFAULT_PRIOR = 1e-4  # the chance that two records picked at random are one person


@dataclass(frozen=True)
class Level:
    """One agreement level: its code (types.LEVEL_LABELS), the SQL that decides it, and the m and u
    the model starts from. The starting values are what a model trained on too little data keeps
    (MIN_RECORDS_FOR_EM): set from what offices' registers look like (a duplicate's name mostly
    folds to the same; a date of birth is missing or estimated in about a tenth of records)."""

    code: str
    sql: str
    m: float
    u: float
    by_frequency: bool = False  # weighed by how common the name is (Splink's term-frequency adjustment)


def _jw(left: str, right: str) -> str:
    return f"jaro_winkler_similarity({left}, {right})"


def _both_parts(at_least: float) -> str:
    straight = f"({_jw('given_l', 'given_r')} >= {at_least} AND {_jw('family_l', 'family_r')} >= {at_least})"
    crossed = f"({_jw('given_l', 'family_r')} >= {at_least} AND {_jw('family_l', 'given_r')} >= {at_least})"
    return f"({straight} OR {crossed})"


_ONE_PART = " OR ".join(
    f"({same_l} = {same_r} AND {_jw(other_l, other_r)} >= 0.80)"
    for same_l, same_r, other_l, other_r in (
        ("given_l", "given_r", "family_l", "family_r"),
        ("family_l", "family_r", "given_l", "given_r"),
        ("given_l", "family_r", "family_l", "given_r"),
        ("family_l", "given_r", "given_l", "family_r"),
    )
)
_ESTIMATED = "(dob_estimated_l OR dob_estimated_r)"

# The comparisons, each a null level ("missing") first, then its levels from the strongest
# agreement down to "different" (the else level). Order matters: a pair takes the first level whose
# condition holds, and levels.py must follow the same order.
COMPARISONS: dict[str, tuple[Level, ...]] = {
    "name": (
        Level("missing", "name_l IS NULL OR name_r IS NULL", 0, 0),
        Level("exact", "given_l = given_r AND family_l = family_r", 0.55, 0.0005, by_frequency=True),
        Level("swapped", "given_l = family_r AND family_l = given_r", 0.04, 0.00001, by_frequency=True),
        # The parts of one name among the other's (a second family name, a name added): weighed by
        # how common the shorter name is, the larger frequency of the two (another person carries
        # Борислав Николов far more often than Борислав-Атанас Николов).
        Level(
            "same_parts",
            "list_has_all(parts_r, gf_parts_l) OR list_has_all(parts_l, gf_parts_r)",
            0.08,
            0.0002,
            by_frequency=True,
        ),
        Level("similar", _both_parts(0.94), 0.15, 0.001),
        # One part the same and the other similar comes before both parts merely similar: a typo
        # leaves the other part as it was, where two persons' names that are both only close
        # (Marija Petrović, Marina Petrovič) are as often namesakes of a kind as one person.
        Level("one_part", _ONE_PART, 0.08, 0.005),
        Level("close", _both_parts(0.88), 0.05, 0.01),
        Level("different", "ELSE", 0.05, 0.9833),
    ),
    "date_of_birth": (
        Level("missing", "dob_days_l IS NULL OR dob_days_r IS NULL", 0, 0),
        Level("exact", "dob_days_l = dob_days_r AND NOT dob_estimated_l AND NOT dob_estimated_r", 0.72, 0.0001),
        Level("estimated", "dob_days_l = dob_days_r", 0.05, 0.00003),
        Level(
            "transposed",
            "dob_year_l = dob_year_r AND dob_month_l = dob_day_r AND dob_day_l = dob_month_r",
            0.03,
            0.00001,
        ),
        Level(
            "year_slip",
            f"dob_month_l = dob_month_r AND dob_day_l = dob_day_r AND abs(dob_year_l - dob_year_r) = 1 AND NOT {_ESTIMATED}",
            0.05,
            0.0001,
        ),
        Level("same_year_estimated", f"dob_year_l = dob_year_r AND {_ESTIMATED}", 0.05, 0.002),
        Level("year_apart", "abs(dob_days_l - dob_days_r) <= 366", 0.06, 0.006),
        Level("within_five_estimated", f"abs(dob_year_l - dob_year_r) <= 5 AND {_ESTIMATED}", 0.03, 0.01),
        Level("different", "ELSE", 0.06, 0.98),
    ),
    "gender": (
        Level("missing", "gender_l IS NULL OR gender_r IS NULL", 0, 0),
        Level("same", "gender_l = gender_r", 0.97, 0.5),
        Level("different", "ELSE", 0.03, 0.5),
    ),
    "citizenship": (
        Level("missing", "citizenships_l IS NULL OR citizenships_r IS NULL", 0, 0),
        Level("shared", "list_has_any(citizenships_l, citizenships_r)", 0.95, 0.4),
        Level("different", "ELSE", 0.05, 0.6),
    ),
    "document": (
        Level("missing", "document_l IS NULL OR document_r IS NULL", 0, 0),
        Level("exact", "list_has_any(documents_l, documents_r)", 0.9, 0.00001),
        Level("one_off", "damerau_levenshtein(document_l, document_r) <= 1", 0.04, 0.0001),
        Level("different", "ELSE", 0.06, 0.99989),
    ),
}
# The codes a reviewer reads reasons by (types.LEVEL_LABELS) are exactly these.
assert {field: {level.code for level in levels} for field, levels in COMPARISONS.items()} == {
    field: set(labels) for field, labels in LEVEL_LABELS.items()
}


def _comparison(field: str, levels: Sequence[Level], *, by_frequency: bool) -> dict[str, Any]:
    out = []
    for index, level in enumerate(levels):
        entry: dict[str, Any] = {"sql_condition": level.sql, "label_for_charts": level.code}
        if index == 0:
            entry["is_null_level"] = True
        else:
            entry["m_probability"] = level.m
            entry["u_probability"] = level.u
        if level.by_frequency and by_frequency:
            # The same name weighs by how common it is: log2(u / frequency) is added, the frequency
            # being the share of records with these name parts (the larger of the two sides).
            entry |= {"tf_adjustment_column": FREQUENCY_COLUMN, "tf_adjustment_weight": 1.0}
            entry["disable_tf_exact_match_detection"] = True
        out.append(entry)
    return {"output_column_name": field, "comparison_description": field, "comparison_levels": out}


FREQUENCY_COLUMN = "name_sorted"

# Blocking: the pairs compared are those of one block. A common name puts hundreds of persons in one
# block at a million (the most common full name 934 times, a given name with 1 January 1,467 times),
# and the pairs of a block grow as its square: so a block of more than BLOCK_AT_MOST records is
# narrowed (`_BLOCKS`: by the birth year, or the day and month, or the family name's initial).
# What that leaves out are pairs that agree on a common name and on nothing else strong; the
# name's frequency makes such a pair weigh far too little to be proposed (Splink's term-frequency
# adjustment: about log2(0.55 * 1,000,000 / 30) = 14.2 bits at most, against a prior near 2^-23).
# Measured on the synthetic million (bench/duplicates.py, 96,000 planted pairs): 30.5 million
# pairs compared at 100 records, 20.8 million at 50 and 13.2 million at 30, where the unnarrowed
# rules (more than 100 million) did not fit in 4 GB; of the 94,862 planted pairs the old rules
# blocked, 643, 1,466 and 2,433 are not blocked, nearly all with the date of birth missing and no
# document in common; the pairs found at 0.8 were 68,172, 68,171 and 68,170. The rules as written
# when the model was trained are replaced by these at prediction (`predict`): blocking is not trained.
BLOCK_AT_MOST = 30
BLOCKING_RULES: list[BlockingRuleCreator | dict[str, Any]] = [
    block_on("name_block"),  # the same name parts, in either order (swapped names too)
    block_on("initials_block"),  # the first given and family name: compound names, a name added
    block_on("family_block"),  # the family name and birth year: the given name spelt otherwise
    block_on("given_block"),  # the given name and day and month: the family name spelt otherwise, or the year wrong
    block_on("family_md_block"),  # the family name and day and month: the given name spelt otherwise and the year wrong
    block_on("documents", arrays_to_explode=["documents"]),
    # A typo in the family name: a one-letter deletion in common with the birth year (`_TYPO_BLOCKS`),
    # and family names that differ (pairs with the same family name are the third rule's; without
    # this condition every pair of Jovanović born in one year would be joined once per deletion:
    # 234 million at a million persons).
    CustomRule("l.typo_blocks = r.typo_blocks AND l.family <> r.family", arrays_to_explode=["typo_blocks"]),
]
# The block columns: the block's key, narrowed when more than BLOCK_AT_MOST records share it (DuckDB's
# || gives NULL without a date: such a record then joins no large block). The given name with day
# and month stands for a family name spelt otherwise or a year wrong: narrowed by the family name's
# initial (typos and transliterations rarely change it), not by the year.
_BLOCKS = {
    "name_block": ("name_sorted", "dob_year"),
    "initials_block": ("given_first || ':' || family_first", "dob_year"),
    "family_block": ("family || ':' || dob_year", "dob_md"),
    "given_block": ("given || ':' || dob_md", "substr(family, 1, 1)"),
    "family_md_block": ("family || ':' || dob_md", "substr(given, 1, 1)"),
}


_BLOCKED_COLUMNS = ("name_sorted", "given_first", "family_first", "family", "given", "dob_year", "dob_md", "family_deletions")


def _with_blocks(con: duckdb.DuckDBPyConnection, table: pa.Table) -> pa.Table:
    """``table`` with the block columns of BLOCKING_RULES."""
    if "name_block" in table.column_names:
        return table
    numbered = table.select([*_BLOCKED_COLUMNS])
    numbered = numbered.append_column("row_number", pa.array(range(table.num_rows), pa.int64()))
    columns = ", ".join(
        f"CASE WHEN count(*) OVER (PARTITION BY {key}) <= {BLOCK_AT_MOST} THEN {key} ELSE {key} || ':' || {narrower} END"
        f" AS {name}"
        for name, (key, narrower) in _BLOCKS.items()
    )
    con.register("records_to_block", numbered)
    try:
        # Our own SQL over our own column names: nothing from a record is in it.
        blocks = con.sql(f"SELECT {columns} FROM records_to_block ORDER BY row_number").to_arrow_table()  # noqa: S608 # nosec B608
        typos = con.sql(_TYPO_BLOCKS.format(at_most=int(BLOCK_AT_MOST))).to_arrow_table()
    finally:
        con.unregister("records_to_block")
    for name in _BLOCKS:
        table = table.append_column(name, blocks.column(name).cast(pa.string()))
    return table.append_column("typo_blocks", typos.column("typo_blocks").cast(pa.list_(pa.string())))


# Each one-letter deletion of the family name with the birth year, narrowed by day and month where
# more than BLOCK_AT_MOST records share it (Ivanov and Ivanova are one letter apart: hundreds a year).
# Counted per family name and year first: the records of one family share all their deletions.
_TYPO_BLOCKS = """
    WITH families AS (
        SELECT family, dob_year, any_value(family_deletions) AS deletions, count(*) AS records FROM records_to_block
        WHERE dob_year IS NOT NULL AND len(family_deletions) > 0 GROUP BY family, dob_year
    ), deletions AS (
        SELECT family, dob_year, unnest(deletions) AS deletion, records FROM families
    ), sized AS (
        SELECT family, dob_year, deletion, sum(records) OVER (PARTITION BY deletion, dob_year) > {at_most} AS narrow
        FROM deletions
    ), listed AS (
        SELECT family, dob_year, list({{'deletion': deletion, 'narrow': narrow}}) AS entries FROM sized
        GROUP BY family, dob_year
    )
    SELECT list_transform(entries, lambda entry: CASE WHEN entry.narrow
        THEN entry.deletion || ':' || r.dob_year || ':' || r.dob_md ELSE entry.deletion || ':' || r.dob_year END
    ) AS typo_blocks
    FROM records_to_block AS r LEFT JOIN listed USING (family, dob_year) ORDER BY r.row_number
"""


DETERMINISTIC_RULES: list[str | BlockingRuleCreator] = [
    "l.document = r.document",
    "l.given = r.given AND l.family = r.family AND l.dob_days = r.dob_days",
]


def settings_creator(*, by_frequency: bool = True) -> SettingsCreator:
    """The model before training; ``by_frequency``: whether an agreement on a name weighs by how
    common it is (not in a small table, where every name is rare or every name is common)."""
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[_comparison(field, levels, by_frequency=by_frequency) for field, levels in COMPARISONS.items()],
        blocking_rules_to_generate_predictions=BLOCKING_RULES,
        probability_two_random_records_match=DEFAULT_PRIOR,
        retain_matching_columns=True,  # with them Splink keeps the gamma columns: the reasons
        retain_intermediate_calculation_columns=False,
        additional_columns_to_retain=[],
    )


# --- The records as Splink reads them ---------------------------------------------------------


@lru_cache(maxsize=65536)
def _parts(text: str) -> tuple[str, ...]:
    """The folded parts of one name field: names repeat (a Zipf distribution), so each distinct
    field is folded once."""
    return tuple(search_tokens(text)) if text else ()


def _deletions(part: str) -> list[str]:
    return [part, *(part[:index] + part[index + 1 :] for index in range(len(part)))]


_EPOCH = date(1970, 1, 1)
_COLUMNS = (
    "unique_id", "given", "family", "name", "name_sorted", "given_first", "family_first", "gf_parts", "parts",
    "family_deletions", "dob_days", "dob_year", "dob_month", "dob_day", "dob_md", "dob_estimated", "gender",
    "citizenships", "document", "documents",
)  # fmt: skip


def record_row(uid: int, data: PersonData) -> dict[str, Any]:
    """One record's compared values, as Splink (and levels.py) read them. The row shares the lists
    it holds with other rows of the same names (cached): read them, never change them."""
    from pristan.duplicates.keys import normalised_document

    documents = [number for number in dict.fromkeys(map(normalised_document, data.document_numbers)) if number]
    return {
        "unique_id": uid,
        **_name_columns(data.given_name, data.family_name, data.other_names, data.aliases),
        **_date_columns(data.date_of_birth),
        "dob_estimated": bool(data.date_of_birth_estimated),
        "gender": None if data.gender in UNKNOWN_GENDERS else data.gender,
        "citizenships": sorted(data.citizenships) or None,
        "document": documents[0] if documents else None,
        "documents": documents or None,
    }


def _name_columns(given_name: str, family_name: str, other_names: str, aliases: str) -> dict[str, Any]:
    """The columns drawn from the names alone."""
    given_parts = _parts(given_name)
    family_parts, family_deletions = _family(family_name)
    gf_parts = list(dict.fromkeys((*given_parts, *family_parts)))
    other = (*_parts(other_names), *_parts(aliases)) if other_names or aliases else ()
    given, family = " ".join(given_parts), " ".join(family_parts)
    return {
        "given": given,
        "family": family,
        "name": f"{given} {family}".strip() or None,
        "name_sorted": " ".join(sorted(gf_parts)) or None,
        "given_first": given_parts[0] if given_parts else None,
        "family_first": family_parts[0] if family_parts else None,
        "gf_parts": gf_parts,
        "parts": list(dict.fromkeys((*gf_parts, *other))) if other else list(gf_parts),
        "family_deletions": family_deletions,
    }


@lru_cache(maxsize=1 << 16)
def _family(family_name: str) -> tuple[tuple[str, ...], list[str]]:
    """A family name's folded parts and their one-letter deletions (a shared list: never changed)."""
    parts = _parts(family_name)
    return parts, sorted({variant for part in parts if len(part) >= MIN_DELETION for variant in _deletions(part)})


@lru_cache(maxsize=1 << 16)
def _date_columns(born: date | None) -> dict[str, Any]:
    if born is None:
        return dict.fromkeys(("dob_days", "dob_year", "dob_month", "dob_day", "dob_md"))
    return {
        "dob_days": (born - _EPOCH).days,
        "dob_year": born.year,
        "dob_month": born.month,
        "dob_day": born.day,
        "dob_md": min(born.day, born.month) * 100 + max(born.day, born.month),
    }


_SCHEMA = pa.schema(
    [
        ("unique_id", pa.int64()),
        ("given", pa.string()),
        ("family", pa.string()),
        ("name", pa.string()),
        ("name_sorted", pa.string()),
        ("given_first", pa.string()),
        ("family_first", pa.string()),
        ("gf_parts", pa.list_(pa.string())),
        ("parts", pa.list_(pa.string())),
        ("family_deletions", pa.list_(pa.string())),
        ("dob_days", pa.int32()),
        ("dob_year", pa.int32()),
        ("dob_month", pa.int32()),
        ("dob_day", pa.int32()),
        ("dob_md", pa.int32()),
        ("dob_estimated", pa.bool_()),
        ("gender", pa.string()),
        ("citizenships", pa.list_(pa.string())),
        ("document", pa.string()),
        ("documents", pa.list_(pa.string())),
    ]
)


def records_table(records: Iterable[tuple[int, PersonData]]) -> pa.Table:
    """The records as one in-memory Arrow table (never a file)."""
    columns: dict[str, list[Any]] = {name: [] for name in _COLUMNS}
    appenders = [(name, columns[name].append) for name in _COLUMNS]
    for uid, data in records:
        row = record_row(uid, data)
        for name, append in appenders:
            append(row[name])
    return pa.table(columns, schema=_SCHEMA)


# --- DuckDB, hardened ---------------------------------------------------------------------------


def connection() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB that never writes a file: no temporary directory (it fails with an
    out-of-memory error instead of spilling), at most PRISTAN_DUPLICATES_MEMORY, and no extension
    loaded or installed behind our back (Splink needs none)."""
    return duckdb.connect(
        ":memory:",
        config={
            "memory_limit": django_settings.PRISTAN_DUPLICATES_MEMORY,
            "temp_directory": "",
            "max_temp_directory_size": "0KiB",
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "threads": 2,
        },
    )


# --- The model -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Model:
    """A trained model: Splink's settings with m and u per level and the prior (no record values)."""

    settings: dict[str, Any]

    def splink_settings(self) -> dict[str, Any]:
        """The settings as Splink reads them (without Pristan's own)."""
        return {key: value for key, value in self.settings.items() if key != INDEPENDENCE_KEY}

    @property
    def independence(self) -> float | None:
        """How much more often a given and a family name meet than if they were drawn independently
        (``name_frequency``); None for a model that does not weigh names by frequency."""
        value = self.settings.get(INDEPENDENCE_KEY)
        return None if value is None else float(value)

    def to_json(self) -> str:
        return json.dumps(self.settings, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Model:
        return cls(json.loads(text))

    def weights(self) -> dict[str, dict[str, float]]:
        """log2(m/u) by field and level code (levels.py scores with these)."""
        weights: dict[str, dict[str, float]] = {}
        for comparison in self.settings["comparisons"]:
            field = comparison["output_column_name"]
            weights[field] = {}
            for level in comparison["comparison_levels"]:
                if level.get("is_null_level"):
                    weights[field][level["label_for_charts"]] = 0.0
                    continue
                m, u = level.get("m_probability"), level.get("u_probability")
                weights[field][level["label_for_charts"]] = math.log2(m / u) if m and u else 0.0
        return weights

    def frequency_levels(self) -> dict[str, dict[str, float]]:
        """log2(u) of the levels weighed by the frequency of the name, by field and level code."""
        found: dict[str, dict[str, float]] = {}
        for comparison in self.settings["comparisons"]:
            for level in comparison["comparison_levels"]:
                if level.get("tf_adjustment_column") and level.get("tf_adjustment_weight"):
                    field = comparison["output_column_name"]
                    found.setdefault(field, {})[level["label_for_charts"]] = math.log2(level["u_probability"])
        return found

    @property
    def prior_weight(self) -> float:
        prior = float(self.settings["probability_two_random_records_match"])
        return math.log2(prior / (1 - prior))


def default_model() -> Model:
    """The model before any training: the starting m and u written in COMPARISONS."""
    linker = Linker(_registered(connection(), records_table([])), settings_creator(by_frequency=False), log_level=None)
    return Model(_sane(linker.misc.save_model_to_json()))


def _registered(con: duckdb.DuckDBPyConnection, table: pa.Table) -> Any:
    return DuckDBAPI(con).register(_with_blocks(con, table), dataset_display_name="persons")


def _linker(con: duckdb.DuckDBPyConnection, table: pa.Table, settings: Any, independence: float | None = None) -> Linker:
    """A linker on ``table``; with ``independence``, an agreement on a name weighs by
    ``name_frequency`` rather than by Splink's share of records carrying it."""
    linker = Linker(_registered(con, table), settings, log_level=None)
    if independence is not None:
        lookup = _frequency_lookup(con, table, independence)
        registered = DuckDBAPI(con).register(lookup, dataset_display_name="name_frequencies")
        linker.table_management.register_term_frequency_lookup(registered, FREQUENCY_COLUMN)
    return linker


# --- How common a name is -----------------------------------------------------------------------

assert FREQUENCY_COLUMN == "name_sorted"  # the lookup's columns are written out below

INDEPENDENCE_KEY = "pristan_name_independence"  # kept in Model.settings, taken out before Splink reads them
# Below this share of a register, a name is taken as no rarer: a name met once is not proof by itself.
RAREST_NAME = 0.02


def name_frequency(
    *, parts: Sequence[str], carrying: int, part_counts: Mapping[str, int], records: int, independence: float
) -> float:
    """The share of records that carry a name without being the person: what an agreement on that
    name weighs by (Splink's term-frequency adjustment). The share of records carrying the name
    (``carrying`` of ``records``, the person's own among them) counts her and her duplicates as
    namesakes: a returning person makes her own name look common. So it is the share that would
    carry her name parts if they were drawn independently (``part_counts``: the records carrying
    each part, hers among them; ``independence``: how much more often the parts of one name go
    together, as one language and gender have them), at most the share of the others carrying
    it, at least that share less one duplicate, and at least RAREST_NAME records."""
    if not records:
        return 0.0
    independent = independence
    for part in dict.fromkeys(parts):
        if len(part) >= MIN_PART:
            independent *= max(part_counts.get(part, 1) - 1, 0) / records
    others = max(carrying - 1, 0)
    return max(min(independent, others / records), (others - 1) / records, RAREST_NAME / records)


# Per distinct name: how many records carry it (k) and the share of the others that would carry its
# parts drawn independently (q: the product over its parts of three letters or more of the records
# carrying the part less one, over all records; 0 when a part is the record's own alone). In DuckDB,
# as the scan's other work: a million records' names counted in Python would cost it seconds.
_NAME_STATISTICS = """
WITH part_counts AS (
    SELECT part, count(*) AS carrying FROM (SELECT unnest(parts) AS part FROM pristan_names)
    WHERE length(part) >= {min_part} GROUP BY part
), names AS (
    SELECT name_sorted AS name, count(*) AS k, any_value(gf_parts) AS gf_parts FROM pristan_names
    WHERE name_sorted IS NOT NULL GROUP BY name_sorted
), name_parts AS (
    SELECT name, unnest(list_distinct(gf_parts)) AS part FROM names
)
SELECT names.name, names.k, coalesce(
    (SELECT CASE WHEN bool_or(part_counts.carrying <= 1) THEN 0.0
                 ELSE exp(sum(ln((part_counts.carrying - 1) / {records}::DOUBLE))) END
     FROM name_parts JOIN part_counts USING (part) WHERE name_parts.name = names.name),
    1.0) AS q
FROM names
"""


def _name_statistics(con: duckdb.DuckDBPyConnection, table: pa.Table) -> None:
    """The view ``pristan_name_statistics`` (_NAME_STATISTICS) of ``table``, in memory."""
    con.register("pristan_names", table.select([FREQUENCY_COLUMN, "gf_parts", "parts"]))
    query = _NAME_STATISTICS.format(min_part=MIN_PART, records=max(table.num_rows, 1))
    con.execute(f"CREATE OR REPLACE TEMP VIEW pristan_name_statistics AS {query}")


def _frequency_lookup(con: duckdb.DuckDBPyConnection, table: pa.Table, independence: float) -> pa.Table:
    """``name_frequency`` of each name of ``table``, as Splink's term-frequency lookup of
    FREQUENCY_COLUMN."""
    records = max(table.num_rows, 1)
    _name_statistics(con, table)
    query = (
        "SELECT name AS name_sorted, greatest(least($independence * q, (k - 1) / $records), (k - 2) / $records,"
        " $rarest / $records) AS tf_name_sorted FROM pristan_name_statistics"
    )
    try:
        parameters = {"independence": float(independence), "records": float(records), "rarest": RAREST_NAME}
        return con.sql(query, params=parameters).to_arrow_table()
    finally:
        con.execute("DROP VIEW pristan_name_statistics")
        con.unregister("pristan_names")


def name_frequencies(table: pa.Table, independence: float) -> dict[str, float]:
    """``name_frequency`` of each name of ``table`` (matching.FREQUENCY_COLUMN)."""
    con = connection()
    try:
        lookup = _frequency_lookup(con, table, independence).to_pydict()
    finally:
        con.close()
    return dict(zip(lookup[FREQUENCY_COLUMN], lookup[f"tf_{FREQUENCY_COLUMN}"], strict=True))


def estimate_independence(table: pa.Table) -> float:
    """How many more other records carry the records' names than their parts drawn independently
    would give, over all records (1 when nothing can be said)."""
    con = connection()
    try:
        _name_statistics(con, table)
        rows = con.sql(
            f"SELECT sum(k * (k - 1)), sum(k * q) * {max(table.num_rows, 1)} FROM pristan_name_statistics"  # noqa: S608 # nosec B608
        ).fetchall()
    finally:
        con.close()
    others, independent = (float(value or 0.0) for value in rows[0]) if rows else (0.0, 0.0)
    return max(others / independent, 1.0) if independent and others else 1.0


def train(table: pa.Table, *, population: int | None = None) -> Model:
    """Estimate the model on ``table``: the prior from deterministic rules, u by random sampling,
    m by EM blocked once on the same date of birth (to learn names, gender, citizenship, documents)
    and once on the same rare name, gender and citizenships (to learn dates: on all pairs of one
    name, namesakes of one country and gender outnumber the duplicates, and EM took the agreement
    on citizenship for the mark of one person). The date of birth that blocks is a date not
    estimated on either side: an estimated date is one of a few placeholders (1 January, 1 July),
    and the pairs sharing one were more than twice those sharing a real birthday, nearly all two
    persons; among them EM took persons of one family name born the same day for one person
    (name "one_part" at 0.18 on the million's training sample, where 0.01 of the planted pairs
    have it). Small tables keep the starting m values
    (MIN_RECORDS_FOR_EM). ``population``: how many records ``table`` was sampled from (the
    scan's training sample), for the prior's floor."""
    con = connection()
    try:
        by_frequency = table.num_rows >= MIN_RECORDS_FOR_U
        independence = estimate_independence(table) if by_frequency else None
        linker = _linker(con, _with_rare_names(table), settings_creator(by_frequency=by_frequency), independence)
        trained = False
        if table.num_rows >= MIN_RECORDS_FOR_U:
            try:
                linker.training.estimate_probability_two_random_records_match(DETERMINISTIC_RULES, recall=0.7)
            except Exception:  # no pair agrees deterministically in a small file
                logger.info("The prior was not estimated; keeping %s.", DEFAULT_PRIOR)
            linker.training.estimate_u_using_random_sampling(max_pairs=U_SAMPLE_PAIRS, seed=SEED)
        if table.num_rows >= MIN_RECORDS_FOR_EM:
            settings = linker.misc.save_model_to_json()
            try:
                linker.training.estimate_parameters_using_expectation_maximisation(
                    # The name's and gender's own columns, so that Splink leaves those comparisons out of
                    # this session, and one citizenship list, so that it cannot tell the pairs apart.
                    "l.given = r.given AND l.family = r.family AND l.rare_name AND l.gender = r.gender"
                    " AND l.citizenships = r.citizenships",
                    estimate_without_term_frequencies=True,
                )
                linker.training.estimate_parameters_using_expectation_maximisation(
                    "l.dob_days = r.dob_days AND NOT l.dob_estimated AND NOT r.dob_estimated",
                    estimate_without_term_frequencies=True,
                )
                trained = True
            except Exception:
                logger.warning("EM did not converge; the model keeps its starting m values.", exc_info=True)
                linker = _linker(con, table, settings, independence)
        settings = linker.misc.save_model_to_json()
        if trained:
            prior = _prior_from_recall(con, table, settings)
            if prior is not None:
                settings["probability_two_random_records_match"] = prior
        settings = _sane(settings, records=population or table.num_rows)
        if independence is not None:
            settings[INDEPENDENCE_KEY] = independence
        return Model(settings)
    finally:
        con.close()


RARE_NAME = 3  # records carrying the same name parts, at most
MIN_RECALL = 0.1  # the least share of duplicates taken to agree on name and date alike


def _prior_from_recall(con: duckdb.DuckDBPyConnection, table: pa.Table, settings: dict[str, Any]) -> float | None:
    """The prior once m is estimated: the pairs agreeing on name and date of birth alike, divided by
    the share of duplicates that agree so (the recall of that rule, from the m of name "exact" and
    of the date's "exact" and "estimated", on pairs where both dates are known), over all pairs.
    Before EM the recall of the deterministic rules can only be guessed (0.7); a register where
    duplicates are written otherwise more often than not has a prior that guess understates."""
    m = {
        (comparison["output_column_name"], level["label_for_charts"]): level.get("m_probability") or 0.0
        for comparison in settings["comparisons"]
        for level in comparison["comparison_levels"]
        if not level.get("is_null_level")
    }
    records = table.num_rows
    dated = (records - table.column("dob_days").null_count) / records if records else 0.0
    recall = m["name", "exact"] * (m["date_of_birth", "exact"] + m["date_of_birth", "estimated"]) * dated**2
    if records < 2 or recall < MIN_RECALL:
        return None
    con.register("names_and_dates", table.select(["given", "family", "name", "dob_days"]))
    try:
        rows = con.sql(
            "SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM (SELECT count(*) AS n FROM names_and_dates"
            " WHERE name IS NOT NULL AND dob_days IS NOT NULL GROUP BY given, family, dob_days)"
        ).fetchall()
    finally:
        con.unregister("names_and_dates")
    agreeing = float(rows[0][0]) if rows else 0.0
    if not agreeing:
        return None
    return min(agreeing / recall / (records * (records - 1) / 2), 0.5)


def _with_rare_names(table: pa.Table) -> pa.Table:
    """``table`` with ``rare_name``: whether few records carry its given and family name."""
    names = list(zip(table.column("given").to_pylist(), table.column("family").to_pylist(), strict=True))
    counts = Counter(names)
    return table.append_column("rare_name", pa.array([counts[name] <= RARE_NAME for name in names], pa.bool_()))


# The least share of persons taken to be registered twice. The prior comes from the pairs that agree
# on a document or on name and date alike; in a register with few such pairs it would make every
# duplicate unprovable, although people come back with other documents and other spellings.
RETURNING_SHARE = 0.05
M_FLOOR = 0.001  # no level is taken as impossible for one person: a value can always be mistyped
# Levels that say the same as "exact" of their comparison with the parts rearranged: two persons
# share their name parts as often in one order as in the other, so these weigh no more than "exact"
# (random sampling almost never sees them, and their u alone would make them weigh more).
AS_STRONG_AS_EXACT = {"name": ("swapped", "same_parts")}
# Agreements a namesake shares as often as the person: the name says the language, hence the
# country, and an agreement on a name already weighs by how common the name is among all records.
# Counted again, it would make two persons of one common name in one country a likely pair; it
# counts only when it disagrees. (Gender, which a name says less surely, weighs little either way.)
NAME_IMPLIES = {"citizenship": "shared"}


def _sane(settings: dict[str, Any], *, records: int = 0) -> dict[str, Any]:
    """Levels EM or sampling left without m or u (never seen in a small table) take their starting
    values; m is at least M_FLOOR; a level other than "different" that EM made weigh against a match
    weighs nothing; AS_STRONG_AS_EXACT holds; and the prior is at least
    RETURNING_SHARE's (of ``records``)."""
    if records >= MIN_RECORDS_FOR_U:  # a smaller table keeps DEFAULT_PRIOR
        floor = 2 * RETURNING_SHARE / records
        settings["probability_two_random_records_match"] = max(settings["probability_two_random_records_match"], floor)
    starting = {field: {level.code: level for level in levels} for field, levels in COMPARISONS.items()}
    for comparison in settings["comparisons"]:
        field = comparison["output_column_name"]
        by_code = {}
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            code = level["label_for_charts"]
            by_code[code] = level
            start = starting[field][code]
            if not level.get("m_probability"):
                level["m_probability"] = start.m
            if not level.get("u_probability"):
                level["u_probability"] = start.u
            level["m_probability"] = max(level["m_probability"], M_FLOOR)
            if code != "different" and level["m_probability"] < level["u_probability"]:
                # An agreement that EM found no more common among duplicates than among others
                # (a date within a year once the year slips have a level of their own) counts
                # neither way; its starting values would make it count for.
                level["m_probability"] = level["u_probability"]
        implied = by_code.get(NAME_IMPLIES.get(field, ""))
        if implied is not None and records >= MIN_RECORDS_FOR_U:
            implied["m_probability"] = implied["u_probability"]
        exact = by_code.get("exact")
        for code in AS_STRONG_AS_EXACT.get(field, ()):
            level = by_code[code]
            if exact and level.get("tf_adjustment_column") and exact.get("tf_adjustment_column"):
                # Weighed by how common the name is, a level weighs log2(m / frequency): its own m
                # would make a rare name swapped weigh less than the same name in its order, though
                # another person carries the swapped name more rarely still.
                level["m_probability"], level["u_probability"] = exact["m_probability"], exact["u_probability"]
            elif exact and level["m_probability"] / level["u_probability"] > exact["m_probability"] / exact["u_probability"]:
                level["u_probability"] = level["m_probability"] * exact["u_probability"] / exact["m_probability"]
    return settings


def predict(table: pa.Table, model: Model, *, threshold: float) -> Iterator[Pair]:
    """The pairs of ``table`` the model gives at least ``threshold``, with their reasons."""
    con = connection()
    try:
        settings = {**model.splink_settings(), "blocking_rules_to_generate_predictions": _blocking_rules()}
        linker = _linker(con, table, settings, model.independence)
        result = linker.inference.predict(threshold_match_probability=threshold, warning_mode="never")
        columns = ["unique_id_l", "unique_id_r", "match_probability", "match_weight", *(f"gamma_{f}" for f in COMPARISONS)]
        # Splink's own table of this connection, and column names of our own: nothing from a record.
        query = f"SELECT {', '.join(columns)} FROM {result.physical_name}"  # noqa: S608 # nosec B608
        reader = con.sql(query).to_arrow_reader(100_000)
        codes = _gamma_codes(settings)
        for batch in reader:
            rows = batch.to_pydict()
            for index in range(batch.num_rows):
                a, b = rows["unique_id_l"][index], rows["unique_id_r"][index]
                yield Pair(
                    a=min(a, b),
                    b=max(a, b),
                    probability=float(rows["match_probability"][index]),
                    match_weight=float(rows["match_weight"][index]),
                    reasons=tuple(Reason(field, codes[field][rows[f"gamma_{field}"][index]]) for field in COMPARISONS),
                )
    finally:
        con.close()


def _blocking_rules() -> list[Any]:
    """BLOCKING_RULES as a model's settings hold them."""
    return [
        rule.create_blocking_rule_dict("duckdb") if isinstance(rule, BlockingRuleCreator) else rule for rule in BLOCKING_RULES
    ]


def _gamma_codes(settings: Mapping[str, Any]) -> dict[str, dict[int, str]]:
    """Splink's comparison vector value of each level of the model's ``settings``: -1 for the null
    level, then from the number of other levels less one, down to 0 for the else level. Read from
    the model, not from COMPARISONS: a model trained before the levels were reordered keeps its
    own order until the scan trains another."""
    codes: dict[str, dict[int, str]] = {}
    for comparison in settings["comparisons"]:
        levels = comparison["comparison_levels"]
        field = comparison["output_column_name"]
        codes[field] = {-1: levels[0]["label_for_charts"]}
        rest = levels[1:]
        for index, level in enumerate(rest):
            codes[field][len(rest) - 1 - index] = level["label_for_charts"]
    return codes
