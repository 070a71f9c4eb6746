"""Reading cases: lists, search, consent in force, what is due."""

import operator
import re
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import reduce
from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser, User
from django.db import connections
from django.db.models import Case as DbCase
from django.db.models import Exists, F, Model, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_stubs_ext import StrOrPromise

from pristan.assistance.models import ServiceStatus
from pristan.cases.models import FLAG_SECTIONS, Case, CaseFlag, ConsentEvent, ConsentPurpose, FlagKind, Stage, Task
from pristan.core import access, paging, vocabularies
from pristan.core.audit import entry_field_labels, object_type_label
from pristan.core.blind_index import query_hashes, query_words
from pristan.core.fields import has_code
from pristan.core.models import AuditEntry
from pristan.core.sections import Section
from pristan.keystore.services import keyring
from pristan.movements.models import MovementStage
from pristan.people.models import NameToken
from pristan.referrals.models import ReferralStatus, TransferStatus

MAX_SEARCH_WORDS = 8  # a name has a few words; more would only make the query heavy
M = TypeVar("M", bound=Model)

REFERENCE_RE = re.compile(r"[A-Za-z]{3,8}-\d{4}-\d{1,9}")  # SOF-2026-00042: a case reference, not a name
# The case list counts up to this many cases and then says "more than": counting every case of a
# million would cost more than the page itself, and nobody pages through ten thousand.
COUNT_LIMIT = 10_000
LIST_ORDER = ("-opened_on", "-id")  # newest first; the id makes the order total, so a position is exact


@dataclass(frozen=True)
class CaseFilters:
    query: str = ""
    status: str = ""
    stage: str = ""
    office: str = ""
    exploitation: str = ""
    minors: bool = False
    flag: str = ""  # a kind of flag in force (offered only as access.flag_kinds_to_filter allows)
    owner: str = ""  # a caseworker's id, or UNASSIGNED: cases whose owner may no longer own them
    opened_from: date | None = None
    opened_to: date | None = None
    unchanged_since: date | None = None  # nothing changed in the case itself since that day
    selected: tuple[int, ...] = ()  # the cases ticked on the list (a bulk export): ids, never names


UNASSIGNED = "none"


def _filtered(cases: QuerySet[Case], filters: CaseFilters, *, user: User | AnonymousUser) -> QuerySet[Case]:
    """A query shaped like a case reference finds that case; otherwise every query word must match
    the person's names through the blind index (both scripts, any case or diacritics, prefixes, one
    typo; see core/blind_index.py)."""
    query = filters.query.strip()
    if REFERENCE_RE.fullmatch(query):
        cases = cases.filter(reference__iexact=query)
    elif words := query_words(query, MAX_SEARCH_WORDS):
        # Each word through the token index (no OR, so the index drives the search); the persons
        # every word matches are found first (INTERSECT), so a common first name costs nothing
        # more than a rare one: only the few persons matching the whole query lead to their cases.
        ring = keyring()
        matches = [NameToken.objects.filter(token__in=query_hashes(ring, word)).values("person_id") for word in words]
        cases = cases.filter(person_id__in=matches[0].intersection(*matches[1:]) if len(matches) > 1 else matches[0])
    if filters.status:
        cases = cases.filter(status=filters.status)
    if filters.stage:
        cases = cases.filter(stage=filters.stage)
    if filters.office:
        cases = cases.filter(office__code=filters.office)
    if filters.exploitation:
        cases = cases.filter(**has_code("experience__types_of_exploitation", filters.exploitation))
    if filters.minors:
        cases = cases.filter(Q(minor_at_registration=True) | Q(minor_at_exploitation=True))
    if filters.flag:
        in_force = CaseFlag.in_force_q(timezone.localdate())
        cases = cases.filter(Exists(CaseFlag.objects.filter(in_force, case_id=OuterRef("pk"), kind=filters.flag)))
        if FLAG_SECTIONS.get(filters.flag, Section.SUMMARY) != Section.SUMMARY:
            cases = cases.filter(access.listed_sections_q(user))
    if filters.owner == UNASSIGNED:
        cases = cases.filter(access.ownerless_q())
    elif filters.owner.isdigit():
        cases = cases.filter(owner_id=int(filters.owner))
    if filters.opened_from:
        cases = cases.filter(opened_on__gte=filters.opened_from)
    if filters.opened_to:
        cases = cases.filter(opened_on__lte=filters.opened_to)
    if filters.unchanged_since:
        cases = cases.filter(updated_at__lt=_start_of(filters.unchanged_since))
    if filters.selected:
        cases = cases.filter(pk__in=sorted(filters.selected))
    return cases


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def case_search(*, user: User | AnonymousUser, filters: CaseFilters) -> QuerySet[Case]:
    """Cases the user may see that match the filters (see `_filtered`), newest first."""
    return _filtered(access.cases_for(user), filters, user=user).select_related("person", "office", "owner").order_by(*LIST_ORDER)


@dataclass(frozen=True)
class Position:
    """Where a page of the case list starts or ends: a case's opening date and id (never a name)."""

    opened_on: date
    pk: int

    def __str__(self) -> str:
        return f"{self.opened_on.isoformat()}_{self.pk}"

    @classmethod
    def parse(cls, text: str) -> "Position | None":
        day, _, pk = text.partition("_")
        try:
            return cls(date.fromisoformat(day), int(pk))
        except ValueError:
            return None

    def after(self) -> Q:
        """The cases after it in the default order (older, or as old with a lower id)."""
        return _beyond(Sort.parse(DEFAULT_SORT).columns(forward=True), {"opened_on": self.opened_on, "id": self.pk})

    def before(self) -> Q:
        return _beyond(Sort.parse(DEFAULT_SORT).columns(forward=False), {"opened_on": self.opened_on, "id": self.pk})


# The columns the list sorts by, each with the columns that break its ties (the id last, so that
# the order is total and a position exact) and whether a tie-breaker runs against the sort (within
# a stage or a caseworker, newest first). Only what an index serves or a short sort of one office's
# cases does; never the person's name, which is sealed (the database holds no name to sort by).
SORTS: dict[str, tuple[tuple[str, bool], ...]] = {
    "opened": (("opened_on", False), ("id", False)),
    "reference": (("reference", False),),
    "stage": (("stage_rank", False), ("opened_on", True), ("id", True)),
    "caseworker": (("owner_last", False), ("owner_first", False), ("owner_username", False), ("opened_on", True), ("id", True)),
}
DEFAULT_SORT = "-opened"
SORT_CHOICES = [f"{sign}{key}" for key in SORTS for sign in ("", "-")]
_SORT_KEYS: dict[str, Any] = {
    "stage_rank": DbCase(*(When(stage=stage, then=Value(rank)) for rank, stage in enumerate(Stage.values)), default=Value(99)),
    "owner_last": F("owner__last_name"),
    "owner_first": F("owner__first_name"),
    "owner_username": F("owner__username"),
}


@dataclass(frozen=True)
class Sort:
    """How the case list is ordered: a key of SORTS, ascending or descending ("-opened": newest first)."""

    key: str
    descending: bool

    def __str__(self) -> str:
        return f"{'-' if self.descending else ''}{self.key}"

    @classmethod
    def parse(cls, text: str | None) -> "Sort":
        text = (text or "").strip()
        if text not in SORT_CHOICES:
            text = DEFAULT_SORT
        return cls(text.removeprefix("-"), text.startswith("-"))

    def columns(self, *, forward: bool) -> list[tuple[str, bool]]:
        """Each column of the order and whether it descends: reversed for reading backwards."""
        return [(name, (self.descending != flipped) == forward) for name, flipped in SORTS[self.key]]

    def keys(self) -> dict[str, Any]:
        """The computed columns the order needs (annotations)."""
        return {name: _SORT_KEYS[name] for name, _flipped in SORTS[self.key] if name in _SORT_KEYS}


def _beyond(columns: list[tuple[str, bool]], values: dict[str, Any]) -> Q:
    """The rows after `values` in the order of `columns` (a "keyset" condition). The first condition
    is redundant but gives an index its range."""
    ties, alternatives = Q(), []
    for name, descending in columns:
        alternatives.append(ties & Q(**{f"{name}__{'lt' if descending else 'gt'}": values[name]}))
        ties &= Q(**{name: values[name]})
    first, descending = columns[0]
    return Q(**{f"{first}__{'lte' if descending else 'gte'}": values[first]}) & reduce(operator.or_, alternatives)


@dataclass(frozen=True)
class PageRequest:
    """Which page of the case list to show: its number (for display only) and the position it
    follows (`after`) or precedes (`before`); no position: the first page. It travels as one value,
    "3 after 2026-01-31_4711", in the posted form."""

    number: int = 1
    forward: bool = True
    position: Position | None = None

    def __str__(self) -> str:
        return f"{self.number} {'after' if self.forward else 'before'} {self.position}" if self.position else "1"

    @classmethod
    def parse(cls, text: str | None) -> "PageRequest":
        number, _, rest = (text or "").strip().partition(" ")
        direction, _, at = rest.partition(" ")
        position = Position.parse(at)
        if not number.isdigit() or int(number) < 2 or position is None or direction not in ("after", "before"):
            return cls()
        return cls(number=int(number), forward=direction == "after", position=position)


@dataclass(frozen=True)
class CasePage:
    cases: list[Case]
    number: int
    count: int  # exact up to COUNT_LIMIT
    count_exceeds_limit: bool  # more than COUNT_LIMIT cases match
    per_page: int
    has_next: bool
    has_previous: bool

    @property
    def num_pages(self) -> int | None:
        return None if self.count_exceeds_limit else max(1, -(-self.count // self.per_page))

    @property
    def next_page(self) -> PageRequest:
        if not self.cases:  # a position past every case (altered, or its cases erased since): the first page
            return PageRequest()
        return PageRequest(self.number + 1, forward=True, position=_position(self.cases[-1]))

    @property
    def previous_page(self) -> PageRequest:
        if not self.cases:
            return PageRequest()
        return PageRequest(self.number - 1, forward=False, position=_position(self.cases[0]))


def _position(case: Case) -> Position:
    return Position(case.opened_on, case.pk)


def _combined(
    parts: list[QuerySet[Case]], limit: int, order: tuple[str, ...], *fields: str, by_matches: bool = False
) -> QuerySet[Case, Any]:
    """The first `limit` rows of the disjoint parts together (UNION ALL): on PostgreSQL each part
    is ordered and cut first, so each is read from an index only as far as the page needs.
    `by_matches`: order each part by an expression no index serves, so that the few cases a name
    matches are found first and then sorted; walking the list's index in its order and testing
    each case's person would read the whole index for a name that matches nothing (0.6 s at
    100,000 cases, against 11 ms)."""
    part_order: list[Any] = list(order)
    if by_matches and order:
        part_order = [
            getattr(Coalesce(name.removeprefix("-"), name.removeprefix("-")), "desc" if name.startswith("-") else "asc")()
            for name in order
        ]
    heads = [part.order_by(*part_order).values_list(*fields) for part in parts]
    if len(heads) == 1:
        return heads[0][:limit]
    if connections[parts[0].db].features.supports_slicing_ordering_in_compound:
        heads = [head[:limit] for head in heads]
    else:  # SQLite allows no ORDER BY within a compound query, only after it
        heads = [head.order_by() for head in heads]
    combined = heads[0].union(*heads[1:], all=True)
    return (combined.order_by(*order) if order else combined)[:limit]


def _boundary(user: User | AnonymousUser, sort: Sort, position: Position) -> dict[str, Any] | None:
    """The values of the sort's columns at a position: the position's own for the default order;
    otherwise read from its case (one query by primary key), among the cases the user sees."""
    if not sort.keys() and sort.key == "opened":
        return {"opened_on": position.opened_on, "id": position.pk}
    names = [name for name, _flipped in SORTS[sort.key]]
    return access.cases_for(user).filter(pk=position.pk).annotate(**sort.keys()).values(*names).first()


def case_list_page(
    *, user: User | AnonymousUser, filters: CaseFilters, page: PageRequest, per_page: int, sort: Sort | None = None
) -> CasePage:
    """One page of the cases the user may see that match the filters, in the sort's order (newest
    first unless asked), by position ("keyset" paging: page 200 costs what page 1 costs), and how
    many match, up to COUNT_LIMIT. Only the page's cases are loaded (their people, offices and
    caseworkers with them). A constant number of queries, each driven by indexes
    (access.case_parts_for), whatever the number of cases."""
    sort = sort or Sort.parse(DEFAULT_SORT)
    parts = [_filtered(part, filters, user=user) for part in access.case_parts_for(user)]
    if not parts:
        return CasePage([], 1, 0, False, per_page, has_next=False, has_previous=False)
    columns = sort.columns(forward=page.forward)
    order = tuple(f"{'-' if descending else ''}{name}" for name, descending in columns)
    bounded = [part.annotate(**sort.keys()) for part in parts] if sort.keys() else parts
    boundary = _boundary(user, sort, page.position) if page.position is not None else None
    if page.position is not None and boundary is None:  # a position no longer there: the first page
        page = PageRequest()
        columns = sort.columns(forward=True)
        order = tuple(f"{'-' if descending else ''}{name}" for name, descending in columns)
    if boundary is not None:
        bounded = [part.filter(_beyond(columns, boundary)) for part in bounded]
    by_matches = bool(query_words(filters.query, MAX_SEARCH_WORDS)) and not REFERENCE_RE.fullmatch(filters.query.strip())
    selected = [name for name, _descending in columns if name != "id"]
    ids = [pk for pk, *_ in _combined(bounded, per_page + 1, order, "pk", *selected, by_matches=by_matches)]
    more = len(ids) > per_page
    ids = ids[:per_page] if page.forward else ids[:per_page][::-1]
    found = Case.objects.select_related("person", "office", "owner").in_bulk(ids)
    cases = [found[pk] for pk in ids if pk in found]
    # When the first page holds them all, there is nothing left to count.
    matching = len(ids) if page.position is None and not more else _combined(parts, COUNT_LIMIT + 1, (), "pk").count()
    if page.forward:
        number, has_previous, has_next = page.number, page.position is not None, more
    else:  # back to the first page when nothing precedes, whatever number was asked for
        number, has_previous, has_next = (page.number if more else 1), more, True
    return CasePage(
        cases, number, min(matching, COUNT_LIMIT), matching > COUNT_LIMIT, per_page, has_next=has_next, has_previous=has_previous
    )


def flags_on_cases(*, user: User | AnonymousUser, cases: list[Case], today: date) -> dict[int, list[FlagKind]]:
    """The kinds of flag in force on each of the cases (a page of a list) that the user sees there
    (access.listed_sections), in one query whatever the number of cases."""
    if not cases:
        return {}
    sections = {case.pk: access.listed_sections(user, case) for case in cases}
    found: dict[int, list[FlagKind]] = {}
    in_force = CaseFlag.objects.filter(CaseFlag.in_force_q(today), case_id__in=sorted(sections)).order_by("case_id", "kind")
    for case_id, kind in in_force.values_list("case_id", "kind"):
        if FLAG_SECTIONS.get(kind, Section.SUMMARY) in sections[case_id]:
            found.setdefault(case_id, []).append(FlagKind(kind))
    return found


def flags_in_force(*, user: User | AnonymousUser, case: Case, today: date) -> list[CaseFlag]:
    """The flags in force on the case that the user sees (access.visible_in_sections), newest first."""
    flags = case.flags.filter(CaseFlag.in_force_q(today)).select_related("set_by")
    return list(access.visible_in_sections(user, case, flags).order_by("-set_at", "-id"))


def my_open_cases(*, user: User) -> QuerySet[Case]:
    """The open cases the user owns and still reaches, newest first (the owner index leads)."""
    owned = Case.objects.filter(owner=user).exclude(stage=Stage.CLOSED)
    return _reached(user, owned).select_related("person", "office").order_by("-opened_on", "-id")


def tasks_open_for(*, user: User) -> QuerySet[Task]:
    """The user's open tasks on cases they still reach, soonest due first. The task index
    (assignee, done_at, due_on) leads; reach is checked for each task the page reads, not for
    every case the user reaches."""
    tasks = Task.objects.filter(assignee=user, done_at__isnull=True)
    return _reached(user, tasks, case="case_id").select_related("case", "case__person").order_by("due_on", "id")


def _reached(user: User, rows: QuerySet[M], case: str = "pk") -> QuerySet[M]:
    """`rows` whose case (its id in the column `case`) the user reaches: a semi-join on the case's
    primary key, so that the planner starts from `rows` and looks each case up by its key."""
    return rows.filter(Exists(access.cases_for(user).filter(pk=OuterRef(case))))


def consent_in_force(case: Case, purpose: str) -> bool:
    # The decision recorded last is in force, whatever date it carries: a withdrawal can't be outdated by backdating.
    latest = case.consent_events.filter(purpose=purpose).order_by("-id").first()
    return latest is not None and latest.given


def may_proceed(case: Case, purpose: str) -> bool:
    """Consent for the purpose is in force, or a supervisor recorded why to proceed without it."""
    return consent_in_force(case, purpose) or case.consent_overrides.filter(purpose=purpose).exists()


def consents_for(case: Case) -> dict[str, ConsentEvent | None]:
    """The consent event in force for every purpose (None where nothing was recorded)."""
    in_force: dict[str, ConsentEvent | None] = dict.fromkeys(ConsentPurpose.values)
    for event in case.consent_events.select_related("recorded_by").order_by("-id"):
        if in_force[event.purpose] is None:
            in_force[event.purpose] = event
    return in_force


@dataclass(frozen=True)
class HistoryRow:
    entry: AuditEntry
    object_label: str
    field_labels: list[str]
    detail: str


def _detail(entry: AuditEntry) -> str:
    """Details are stored as codes ("screening → assistance"); show them as labels."""
    vocab: dict[str, StrOrPromise] = {
        **dict(MovementStage.choices), **dict(ReferralStatus.choices), **dict(TransferStatus.choices),
        **dict(Stage.choices), **dict(ServiceStatus.choices), **dict(ConsentPurpose.choices), **dict(FlagKind.choices),
        **dict(vocabularies.choices("vic_TraffickingStatus")),
    }  # fmt: skip
    return " ".join(str(vocab.get(word, word)) for word in entry.detail.split(" "))


HISTORY_PER_PAGE = 50


@dataclass(frozen=True)
class HistoryPage:
    rows: list[HistoryRow]
    newer: int | None  # the sequence to ask `after` for newer entries; None on the newest page
    older: int | None  # the sequence to ask `before` for older entries; None on the oldest page

    @property
    def has_other_pages(self) -> bool:
        return self.newer is not None or self.older is not None


def case_history(
    *, user: User | AnonymousUser, case: Case, before: int | None = None, after: int | None = None,
    size: int | None = None,
) -> HistoryPage:  # fmt: skip
    """What was done in the case, newest first, a page at a time (by the entries' sequence, so a
    page of old entries costs what the newest does). Of a record in a section the reader is not
    granted (access.recorded_sections), they see that something changed, not what: checked only
    for the entries on the page."""
    changes = AuditEntry.objects.filter(case=case).exclude(action=AuditEntry.Action.VIEW).select_related("actor")
    page = paging.keyset_page(changes, key="sequence", size=size or HISTORY_PER_PAGE, before=before, after=after)
    granted = access.visible_sections(user, case)
    recorded = access.recorded_sections([(entry.object_type, entry.object_id) for entry in page.rows])
    rows = [
        HistoryRow(
            entry=entry,
            object_label=object_type_label(entry.object_type),
            field_labels=entry_field_labels(entry) if readable else [],
            detail=_detail(entry) if readable else "",
        )
        for entry in page.rows
        for readable in [recorded[entry.object_type, entry.object_id] <= granted]
    ]
    return HistoryPage(rows=rows, newer=page.newer, older=page.older)


def is_overdue(task: Task, today: date) -> bool:
    return task.done_at is None and task.due_on < today
