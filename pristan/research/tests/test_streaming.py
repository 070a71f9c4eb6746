"""The research file made in bounded memory is the file the code before it made, byte for byte.

The functions below are copies of anonymity.py as it was before k-anonymity was decided from counts
(anonymity.plan) and the file streamed (services.ctdc_export_stream): the expected output comes
from them, on the same generated data. And the parts of the stream keep memory flat: the rows are
read a chunk at a time, the sort holds one run, whatever the number of cases."""

import csv
import io
import random
from collections import Counter
from collections.abc import Callable, Sequence

import pytest

from pristan.core.models import Office, Role
from pristan.core.services import membership_grant
from pristan.core.tests.memory import traced_peak
from pristan.demo.generate import generate
from pristan.keystore.services import key_scope, preload_for
from pristan.research import ctdc, services, spill
from pristan.research.anonymity import (
    DEFAULT_K,
    QUASI_IDENTIFIERS,
    Anonymised,
    AnonymityReport,
    Generalisation,
    Node,
    QuasiIdentifier,
    Row,
    Values,
    k_anonymise,
    nodes,
    plan,
    quasi_key,
)
from pristan.research.selectors import research_candidates, research_sources

# --- anonymity.py before this change (copied unchanged but for the names) ---


def _old_recode(
    levels: Sequence[Sequence[Sequence[Values]]], *, k: int, order: Sequence[Node]
) -> tuple[dict[int, Node], list[int]]:
    """The algorithm of the module's docstring, over each record's values at every level: the node
    each published record is published at, and the records suppressed. For `k_anonymise` and its
    tests only: the suppressed records are never reported."""

    def key(record: int, node: Node) -> tuple[Values, ...]:
        return tuple(levels[record][q][level] for q, level in enumerate(node))

    group_size: Counter[tuple[Values, ...]] = Counter()  # published groups: each 0 or at least k
    placed: dict[int, Node] = {}
    waiting = list(range(len(levels)))
    for node in order:
        if not waiting:
            break
        keys = {record: key(record, node) for record in waiting}
        candidates = Counter(keys.values())
        left = []
        for record in waiting:
            if group_size[keys[record]] + candidates[keys[record]] >= k:
                placed[record] = node
            else:
                left.append(record)
        group_size.update(keys[record] for record in waiting if record in placed and placed[record] == node)
        waiting = left
    suppressed = []
    for record in waiting:  # only an existing group can take a leftover record (see the module's docstring)
        found = next((node for node in order if group_size[key(record, node)] >= k), None)
        if found is None:
            suppressed.append(record)
            continue
        placed[record] = found
        group_size[key(record, found)] += 1
    return placed, suppressed


def _old_k_anonymise(
    rows: Sequence[Row], *, k: int = DEFAULT_K, qis: Sequence[QuasiIdentifier] = QUASI_IDENTIFIERS
) -> Anonymised:
    """The rows that may be published, generalised, and a report in counts."""
    if k < 1:
        raise ValueError("k must be at least 1.")
    levels = [[qi.levels(row) for qi in qis] for row in rows]  # record -> quasi-identifier -> level -> values
    placed, suppressed = _old_recode(levels, k=k, order=nodes(qis))
    published = [_old_generalised(rows[record], levels[record], node, qis) for record, node in placed.items()]
    published.sort(key=lambda row: tuple(row.values()))
    changes: Counter[tuple[int, int]] = Counter()
    generalised_records = 0
    for record, node in placed.items():
        changed = [(q, level) for q, level in enumerate(node) if level and levels[record][q][level] != levels[record][q][0]]
        changes.update(changed)
        generalised_records += bool(changed)
    report = AnonymityReport(
        k=k, considered=len(rows), published=len(published), suppressed=len(suppressed),
        groups=len({quasi_key(row, qis) for row in published}), generalised_records=generalised_records,
        generalisations=tuple(
            Generalisation(qi.name, qi.step_names[level - 1], changes[(q, level)])
            for q, qi in enumerate(qis) for level in range(1, len(qi.steps) + 1) if changes[(q, level)]
        ),
        quasi_identifiers=tuple(qi.name for qi in qis),
    )  # fmt: skip
    return Anonymised(rows=published, report=report)


def _old_generalised(row: Row, levels: list[list[Values]], node: Node, qis: Sequence[QuasiIdentifier]) -> Row:
    out = dict(row)
    for q, (qi, level) in enumerate(zip(qis, node, strict=True)):
        if not level:
            continue
        out |= dict(zip(qi.columns, levels[q][level], strict=True))
        if level == len(qi.steps):
            out |= dict.fromkeys(qi.blanked, ctdc.MISSING)
    return out


def _old_csv(actor: object, k: int) -> bytes:
    """services.ctdc_export and CtdcResult.csv_bytes before this change."""
    cases = list(research_sources(research_candidates(user=actor)))  # type: ignore[arg-type]
    with key_scope():
        preload_for([case.person for case in cases])
        rows = [ctdc.ctdc_row(case) for case in cases]
    anonymised = _old_k_anonymise(rows, k=k)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(ctdc.COLUMNS)
    writer.writerows([row[column] for column in ctdc.COLUMNS] for row in anonymised.rows)
    return buffer.getvalue().encode("utf-8")


# --- the tests ---


@pytest.fixture
def analyst_and_cases(django_user_model):
    generate(cases=300, offices=2, seed=11, progress=False)
    analyst = django_user_model.objects.create_user("lidia")
    membership_grant(actor=None, user=analyst, office=Office.objects.order_by("pk")[0], role=Role.ANALYST, child_clearance=True)
    return analyst


@pytest.mark.django_db
@pytest.mark.parametrize("k", [5, DEFAULT_K, 40])
def test_the_streamed_file_is_the_file_made_before(analyst_and_cases, monkeypatch, k):
    expected = _old_csv(analyst_and_cases, k)
    assert expected.count(b"\n") > 10, "generated data should publish something"
    # Small chunks and runs: many chunks of cases, many runs merged, as with a million cases.
    monkeypatch.setattr(services, "CHUNK", 17)
    monkeypatch.setattr(spill, "RUN", 23)
    written = services.ctdc_export_write(actor=analyst_and_cases, k=k)
    assert written.content == expected
    in_memory = services.ctdc_export(actor=analyst_and_cases, k=k)
    assert written.report == in_memory.report == services.ctdc_preview(actor=analyst_and_cases, k=k)
    assert written.report.published == expected.count(b"\n") - 1


def _population(seed: int, size: int) -> list[Row]:
    """Rows whose quasi-identifiers take few values, so that groups form, generalise and suppress."""
    chance = random.Random(seed)
    rows = []
    for _index in range(size):
        row = dict.fromkeys(ctdc.COLUMNS, ctdc.MISSING)
        row["yearOfRegistration"] = chance.choice(["2021", "2022", "2023"])
        row["gender"] = chance.choice(["Female", "Male", ctdc.MISSING])
        row["ageBroad"] = chance.choice(["9--17", "18--20", "30--38"])
        row["majorityStatus"] = "Minor" if row["ageBroad"] == "9--17" else "Adult"
        row["citizenship"] = chance.choice(["BG", "MK", "BA", "UA", "NG", ctdc.MISSING])
        row["CountryOfExploitation"] = chance.choice(["DE", "IT", "BG", "TR", ctdc.MISSING])
        row["isForcedLabour"] = chance.choice([ctdc.YES, ctdc.NO])
        row["typeOfLabourAgriculture"] = chance.choice([ctdc.YES, ctdc.NO])
        rows.append(row)
    return rows


@pytest.mark.parametrize("seed", range(12))
def test_k_anonymity_from_counts_is_k_anonymity_record_by_record(seed):
    rows = _population(seed, 40 + 37 * seed)
    for k in (2, 5, 11):
        new, old = k_anonymise(rows, k=k), _old_k_anonymise(rows, k=k)
        assert new.rows == old.rows
        assert new.report == old.report
        assert plan(Counter(quasi_key(row) for row in rows), k=k).report == old.report


def _peak(work: Callable[[], object]) -> int:
    return traced_peak(work)[1]


@pytest.mark.django_db
def test_the_rows_are_read_in_memory_that_does_not_grow_with_the_cases(django_user_model, monkeypatch):
    monkeypatch.setattr(services, "CHUNK", 20)
    analyst = django_user_model.objects.create_user("lidia")
    generate(cases=100, offices=1, seed=3, progress=False)
    membership_grant(actor=None, user=analyst, office=Office.objects.order_by("pk")[0], role=Role.ANALYST, child_clearance=True)

    def read() -> int:
        return sum(1 for _row in services.ctdc_rows(actor=analyst))

    counted = read()  # also warms: what the first run imports and caches is not the export's
    small = _peak(read)
    generate(cases=300, offices=1, seed=4, progress=False)
    assert read() > 3 * counted
    large = _peak(read)
    # All the rows at once took about 4 times as much for 4 times the cases; a chunk at a time, about
    # the same (the margin: some chunks hold more events than others).
    assert large < small * 1.5, (small, large)


def test_the_sort_holds_one_run_in_memory_whatever_the_number_of_rows(tmp_path, monkeypatch):
    monkeypatch.setattr(spill, "RUN", 200)  # 20 runs and 80: more than FAN_IN, merged FAN_IN at a time
    rows = [tuple(ctdc.COLUMNS[(index * 7 + column) % 60] for column in range(20)) for index in range(16000)]

    def sort(count: int) -> None:
        with spill.spills(tmp_path) as spilled:
            ordered = spill.ExternalSort(spilled)
            for row in rows[:count]:
                ordered.add(row)
            previous: tuple[str, ...] = ()
            for row in ordered.sorted():
                assert row >= previous
                previous = row

    sort(4000)
    small = _peak(lambda: sort(4000))
    large = _peak(lambda: sort(16000))
    assert large < small * 1.3, (small, large)
    with spill.spills(tmp_path) as spilled:
        ordered = spill.ExternalSort(spilled)
        for row in rows:
            ordered.add(row)
        assert list(ordered.sorted()) == sorted(rows)
    assert list(tmp_path.iterdir()) == []  # the spills are deleted with their directory
