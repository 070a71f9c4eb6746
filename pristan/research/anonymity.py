"""k-anonymity for research rows: generalise where that saves a record, suppress what is left.

**Quasi-identifiers** (what someone who knows a person could know of them, and look for in the
data): the year of registration, gender, age (the band, whether a minor at registration and when
exploited, as one quasi-identifier because each tells something of the others), citizenship, the
country of exploitation, and the type of exploitation (the is* flags together). The other columns
(means of control, recruiter relationship, the kind of labour or sexual exploitation) are treated
as the sensitive attributes the dataset exists to publish; they are not generalised, and nothing
here promises that they vary within a group (l-diversity).

Each quasi-identifier has a hierarchy of generalisation steps, from the value as recorded to -99:

| quasi-identifier | step 1 | step 2 |
| --- | --- | --- |
| yearOfRegistration | -99 | |
| gender | -99 | |
| age | ageBroad -99 (majority kept) | all three -99 |
| citizenship | its UN M49 region | -99 |
| CountryOfExploitation | its UN M49 region | -99 |
| type of exploitation | every is* flag -99, with the typeOfLabour* and typeOfSex* columns that would tell it | |

A *node* is one level per quasi-identifier (6 × … = 216 nodes). Nodes are tried from the least to the
most information lost: their cost is the sum of the costs of their steps (`STEP_COSTS`: a country
becomes its region first; the type of exploitation, what the dataset is for, goes last), ties in
a fixed order.

**The algorithm** (greedy local recoding, then suppression):

1. For each node in that order, map every record not yet published to its values at that node. A
   record whose group — the records already published with exactly those values, plus the
   unpublished records that map to them at this node — holds at least k records is published with
   those values. Node 0 changes nothing, so a record already in a group of k or more is published
   exactly as recorded: nothing is generalised unless that saves it.
2. A record left over is published if, at some node, its values equal those of a group already
   published (that group only grows); otherwise it is suppressed.

**Guarantees** (tests/test_anonymity.py checks them on random populations):

* every combination of quasi-identifier values that is published occurs at least k times;
* a record is published at the first node, in the fixed order, where it can join a group of k;
* suppression is minimal for these hierarchies: no suppressed record, and no set of suppressed
  records together, could be published at any node without a group smaller than k. (Were some
  set of them to share values at some nodes, they would share them at the node joining those
  nodes too, because a value found at two levels of a hierarchy is left as it is by the steps
  between them; at that node they were all unpublished and counted together, and fewer than k.)

-99 means "missing or withheld" alike, as in CTDC's own file.
"""

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import product

from pristan.research import ctdc
from pristan.research.regions import region_of

Row = dict[str, str]
Values = tuple[str, ...]
MISSING = ctdc.MISSING
DEFAULT_K = 11  # as CTDC publishes


def _to_missing(values: Values) -> Values:
    return tuple(MISSING for _value in values)


def _band_removed(values: Values) -> Values:
    return (MISSING, *values[1:])


def _to_region(values: Values) -> Values:
    return tuple(MISSING if value == MISSING else region_of(value) or MISSING for value in values)


@dataclass(frozen=True)
class QuasiIdentifier:
    name: str  # as the report names it
    columns: tuple[str, ...]
    steps: tuple[Callable[[Values], Values], ...]  # each applied to the result of the one before
    step_names: tuple[str, ...]  # what each step does, for the report
    costs: tuple[int, ...]  # of each step: nodes are tried from the cheapest
    blanked: tuple[str, ...] = ()  # other columns that would tell the value: -99 once it is fully generalised

    def levels(self, row: Row) -> list[Values]:
        """The values of this quasi-identifier in `row` at every level, from as recorded to -99."""
        values = [tuple(row[column] for column in self.columns)]
        for step in self.steps:
            values.append(step(values[-1]))
        return values


QUASI_IDENTIFIERS = (
    QuasiIdentifier("yearOfRegistration", ("yearOfRegistration",), (_to_missing,), ("-99",), (2,)),
    QuasiIdentifier("gender", ("gender",), (_to_missing,), ("-99",), (4,)),
    QuasiIdentifier(
        "age",
        ("ageBroad", "majorityStatus", "majorityStatusAtExploit"),
        (_band_removed, _to_missing),
        ("ageBroad -99", "-99"),
        (2, 4),
    ),
    QuasiIdentifier("citizenship", ("citizenship",), (_to_region, _to_missing), ("region", "-99"), (1, 3)),
    QuasiIdentifier("CountryOfExploitation", ("CountryOfExploitation",), (_to_region, _to_missing), ("region", "-99"), (1, 3)),
    QuasiIdentifier(
        "typeOfExploitation", ctdc.EXPLOITATION_COLUMNS, (_to_missing,), ("-99",), (6,), blanked=ctdc.EXPLOITATION_DETAIL_COLUMNS
    ),
)

Node = tuple[int, ...]  # a level per quasi-identifier


def nodes(qis: Sequence[QuasiIdentifier] = QUASI_IDENTIFIERS) -> list[Node]:
    """Every combination of levels, from the least to the most information lost."""

    def cost(node: Node) -> int:
        return sum(sum(qi.costs[:level]) for qi, level in zip(qis, node, strict=True))

    every = product(*(range(len(qi.steps) + 1) for qi in qis))
    return sorted(every, key=lambda node: (cost(node), node))


@dataclass(frozen=True)
class Generalisation:
    quasi_identifier: str
    step: str  # what was done ("region", "-99" …)
    records: int  # published records whose value it changed


@dataclass(frozen=True)
class AnonymityReport:
    """What k-anonymisation did, in counts only: never which records."""

    k: int
    considered: int
    published: int
    suppressed: int
    groups: int  # distinct published combinations of quasi-identifiers
    generalised_records: int  # published records with at least one value generalised
    generalisations: tuple[Generalisation, ...] = field(default=())
    quasi_identifiers: tuple[str, ...] = field(default=tuple(qi.name for qi in QUASI_IDENTIFIERS))


@dataclass(frozen=True)
class Anonymised:
    rows: list[Row]  # the published rows, generalised, in a canonical order (never the order of the cases)
    report: AnonymityReport


def quasi_key(row: Row, qis: Sequence[QuasiIdentifier] = QUASI_IDENTIFIERS) -> Values:
    """The combination of quasi-identifier values a row is published with."""
    return tuple(row[column] for qi in qis for column in qi.columns)


def recode(
    levels: Sequence[Sequence[Sequence[Values]]], *, k: int, order: Sequence[Node], weights: Sequence[int] | None = None
) -> tuple[dict[int, Node], list[int]]:
    """The algorithm of the module's docstring, over each record's values at every level: the node
    each published record is published at, and the records suppressed. With `weights`, each entry
    stands for that many records with the same values (`plan`): they are published at the same node
    or suppressed together, as they would be one by one, since records with the same values have
    the same key at every node, and in step 2 a record only joins a group already of k or more, so
    what step 2 finds does not depend on the order of the records. For `plan` and the tests only:
    the suppressed records are never reported."""

    def key(record: int, node: Node) -> tuple[Values, ...]:
        return tuple(levels[record][q][level] for q, level in enumerate(node))

    weight = weights or [1] * len(levels)
    group_size: Counter[tuple[Values, ...]] = Counter()  # published groups: each 0 or at least k
    placed: dict[int, Node] = {}
    waiting = list(range(len(levels)))
    for node in order:
        if not waiting:
            break
        keys = {record: key(record, node) for record in waiting}
        candidates: Counter[tuple[Values, ...]] = Counter()
        for record in waiting:
            candidates[keys[record]] += weight[record]
        left = []
        for record in waiting:
            if group_size[keys[record]] + candidates[keys[record]] >= k:
                placed[record] = node
            else:
                left.append(record)
        for record in waiting:
            if record in placed and placed[record] == node:
                group_size[keys[record]] += weight[record]
        waiting = left
    suppressed = []
    for record in waiting:  # only an existing group can take a leftover record (see the module's docstring)
        found = next((node for node in order if group_size[key(record, node)] >= k), None)
        if found is None:
            suppressed.append(record)
            continue
        placed[record] = found
        group_size[key(record, found)] += weight[record]
    return placed, suppressed


@dataclass(frozen=True)
class Plan:
    """Where each combination of quasi-identifier values (as recorded) is published, from their
    counts alone: what k-anonymisation decides, in memory bounded by the number of distinct
    combinations, whatever the number of records. `publish` then applies it to one row at a time."""

    placed: dict[Values, tuple[Node, list[list[Values]]]]  # combination -> (node, its values at every level)
    report: AnonymityReport
    qis: Sequence[QuasiIdentifier]

    def publish(self, row: Row) -> Row | None:
        """The row as published, generalised; None when it is suppressed."""
        found = self.placed.get(quasi_key(row, self.qis))
        if found is None:
            return None
        node, levels = found
        return _generalised(row, levels, node, self.qis)


def plan(counts: Mapping[Values, int], *, k: int = DEFAULT_K, qis: Sequence[QuasiIdentifier] = QUASI_IDENTIFIERS) -> Plan:
    """k-anonymisation of the records whose quasi-identifier values (`quasi_key`, as recorded) are
    counted in `counts`."""
    if k < 1:
        raise ValueError("k must be at least 1.")
    combinations = list(counts)
    weights = [counts[combination] for combination in combinations]
    columns = [column for qi in qis for column in qi.columns]
    levels = [[qi.levels(dict(zip(columns, combination, strict=True))) for qi in qis] for combination in combinations]
    placed, suppressed = recode(levels, k=k, order=nodes(qis), weights=weights)
    changes: Counter[tuple[int, int]] = Counter()
    generalised_records = 0
    groups: set[tuple[Values, ...]] = set()
    for index, node in placed.items():
        changed = [(q, level) for q, level in enumerate(node) if level and levels[index][q][level] != levels[index][q][0]]
        for change in changed:
            changes[change] += weights[index]
        generalised_records += weights[index] if changed else 0
        groups.add(tuple(levels[index][q][level] for q, level in enumerate(node)))
    published = sum(weights[index] for index in placed)
    report = AnonymityReport(
        k=k, considered=sum(weights), published=published, suppressed=sum(weights[index] for index in suppressed),
        groups=len(groups), generalised_records=generalised_records,
        generalisations=tuple(
            Generalisation(qi.name, qi.step_names[level - 1], changes[(q, level)])
            for q, qi in enumerate(qis) for level in range(1, len(qi.steps) + 1) if changes[(q, level)]
        ),
        quasi_identifiers=tuple(qi.name for qi in qis),
    )  # fmt: skip
    return Plan(
        placed={combinations[index]: (node, levels[index]) for index, node in placed.items()}, report=report, qis=tuple(qis)
    )


def sort_key(row: Row) -> Values:
    """The canonical order of published rows (never the order of the cases): by their values, column by column."""
    return tuple(row.values())


def k_anonymise(rows: Sequence[Row], *, k: int = DEFAULT_K, qis: Sequence[QuasiIdentifier] = QUASI_IDENTIFIERS) -> Anonymised:
    """The rows that may be published, generalised, and a report in counts (`plan` over rows in memory)."""
    decided = plan(Counter(quasi_key(row, qis) for row in rows), k=k, qis=qis)
    published = [row for row in map(decided.publish, rows) if row is not None]
    published.sort(key=sort_key)
    return Anonymised(rows=published, report=decided.report)


def _generalised(row: Row, levels: Sequence[Sequence[Values]], node: Node, qis: Sequence[QuasiIdentifier]) -> Row:
    out = dict(row)
    for q, (qi, level) in enumerate(zip(qis, node, strict=True)):
        if not level:
            continue
        out |= dict(zip(qi.columns, levels[q][level], strict=True))
        if level == len(qi.steps):
            out |= dict.fromkeys(qi.blanked, MISSING)
    return out


NODE_COUNT = len(nodes())
