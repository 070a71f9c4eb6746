"""Reading cases: lists, search, consent in force, what is due."""

import re
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django_stubs_ext import StrOrPromise

from pristan.assistance.models import ServiceStatus
from pristan.cases.models import Case, ConsentEvent, ConsentPurpose, Stage, Task
from pristan.core import access, paging, vocabularies
from pristan.core.audit import entry_field_labels, object_type_label
from pristan.core.blind_index import query_hashes, query_words
from pristan.core.fields import has_code
from pristan.core.models import AuditEntry
from pristan.keystore.services import keyring
from pristan.movements.models import MovementStage
from pristan.people.models import NameToken
from pristan.referrals.models import ReferralStatus, TransferStatus

MAX_SEARCH_WORDS = 8  # a name has a few words; more would only make the query heavy
M = TypeVar("M", bound=Model)

REFERENCE_RE = re.compile(r"[A-Za-z]{3,8}-\d{4}-\d{1,9}")  # SOF-2026-00042: a case reference, not a name


@dataclass(frozen=True)
class CaseFilters:
    query: str = ""
    status: str = ""
    stage: str = ""
    office: str = ""
    exploitation: str = ""
    minors: bool = False


def case_search(*, user: User | AnonymousUser, filters: CaseFilters) -> QuerySet[Case]:
    """Cases the user may see that match the filters. A query shaped like a case reference finds
    that case; otherwise every query word must match the person's names through the blind index
    (both scripts, any case or diacritics, prefixes, one typo; see core/blind_index.py)."""
    cases = access.cases_for(user).select_related("person", "office", "owner")
    query = filters.query.strip()
    if REFERENCE_RE.fullmatch(query):
        cases = cases.filter(reference__iexact=query)
    else:  # each word through the token index; no OR, so the index drives the search
        ring = keyring()
        for word in query_words(query, MAX_SEARCH_WORDS):
            cases = cases.filter(person_id__in=NameToken.objects.filter(token__in=query_hashes(ring, word)).values("person_id"))
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
    return cases.order_by("-opened_on", "-id")


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
        **dict(Stage.choices), **dict(ServiceStatus.choices), **dict(ConsentPurpose.choices),
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
