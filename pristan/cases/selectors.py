"""Reading cases: lists, search, consent in force, what is due."""

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser, User
from django.db import connections
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
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
    return cases


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
        """The cases after it in the list's order (older, or as old with a lower id). The first
        condition is redundant but gives an index its range."""
        return Q(opened_on__lte=self.opened_on) & (Q(opened_on__lt=self.opened_on) | Q(pk__lt=self.pk))

    def before(self) -> Q:
        return Q(opened_on__gte=self.opened_on) & (Q(opened_on__gt=self.opened_on) | Q(pk__gt=self.pk))


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


def case_list_page(*, user: User | AnonymousUser, filters: CaseFilters, page: PageRequest, per_page: int) -> CasePage:
    """One page of the cases the user may see that match the filters, newest first, by position
    ("keyset" paging: page 200 costs what page 1 costs), and how many match, up to COUNT_LIMIT.
    Only the page's cases are loaded (their people, offices and caseworkers with them). A constant
    number of queries, each driven by indexes (access.case_parts_for), whatever the number of cases."""
    parts = [_filtered(part, filters, user=user) for part in access.case_parts_for(user)]
    if not parts:
        return CasePage([], 1, 0, False, per_page, has_next=False, has_previous=False)
    order = LIST_ORDER if page.forward else tuple(field.removeprefix("-") for field in LIST_ORDER)
    bounded = parts
    if page.position is not None:
        condition = page.position.after() if page.forward else page.position.before()
        bounded = [part.filter(condition) for part in parts]
    by_matches = bool(query_words(filters.query, MAX_SEARCH_WORDS)) and not REFERENCE_RE.fullmatch(filters.query.strip())
    ids = [pk for pk, *_ in _combined(bounded, per_page + 1, order, "pk", "opened_on", by_matches=by_matches)]
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
