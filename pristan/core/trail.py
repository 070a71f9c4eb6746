"""Reading the audit trail, and writing the entries that record reads and refusals.

Who may read the trail follows the roles (policy.reads_audit: supervisors, focal points,
auditors) and the reach of their memberships; entries are shown with field names only, as stored.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from pristan.cases.models import Case
from pristan.core.access import membership_offices
from pristan.core.audit import audit_record_many_nowait, audit_record_nowait, audit_values_for
from pristan.core.http import client_ip
from pristan.core.models import AuditEntry, Membership, Scope
from pristan.core.policy import policy


@dataclass(frozen=True)
class AuditReach:
    everything: bool  # every office
    offices: frozenset[int]
    children_everywhere: bool
    children_in: frozenset[int]  # offices where the reader may also see entries of children's cases

    @property
    def any(self) -> bool:
        return self.everything or bool(self.offices)


def audit_reach(user: User | AnonymousUser) -> AuditReach:
    """Whose trail the user may read: which offices, and where children's cases are included."""
    everything, children_everywhere = False, False
    offices: set[int] = set()
    children: set[int] = set()
    if user.is_authenticated and user.is_active:
        for membership in Membership.objects.filter(user_id=user.pk):
            if not policy(membership.role).reads_audit:
                continue
            reach = membership_offices(membership)
            everything |= membership.scope == Scope.GLOBAL
            children_everywhere |= membership.scope == Scope.GLOBAL and membership.child_clearance
            offices |= reach
            if membership.child_clearance:
                children |= reach
    return AuditReach(everything, frozenset(offices), children_everywhere, frozenset(children))


def can_read_trail(user: User | AnonymousUser) -> bool:
    return audit_reach(user).any


@dataclass(frozen=True)
class TrailFilters:
    actor: str = ""
    action: str = ""
    office: str = ""
    reference: str = ""
    since: date | None = None
    until: date | None = None


def trail_search(*, user: User, filters: TrailFilters) -> QuerySet[AuditEntry]:
    """Entries of the offices the user audits, and sign-ins of the people who work there. Entries
    about children's cases are left out for readers without child-protection clearance there."""
    reach = audit_reach(user)
    entries = AuditEntry.objects.select_related("actor", "office", "case")
    if not reach.everything:
        staff = Membership.objects.filter(office_id__in=reach.offices).values("user_id")
        entries = entries.filter(Q(office_id__in=reach.offices) | Q(office__isnull=True, actor_id__in=staff))
    if not reach.children_everywhere:
        not_a_child = Q(case__isnull=True) | Q(case__minor_at_registration=False, case__minor_at_exploitation=False)
        entries = entries.filter(not_a_child | Q(office_id__in=reach.children_in))
    if filters.actor:
        entries = entries.filter(actor__username__iexact=filters.actor.strip())
    if filters.action:
        entries = entries.filter(action=filters.action)
    if filters.office:
        entries = entries.filter(office__code=filters.office)
    if filters.reference:
        entries = entries.filter(case__reference=filters.reference.strip())
    if filters.since:
        entries = entries.filter(at__gte=timezone.make_aware(datetime.combine(filters.since, time.min)))
    if filters.until:
        entries = entries.filter(at__lt=timezone.make_aware(datetime.combine(filters.until, time.max)))
    return entries.order_by("-sequence")


@dataclass(frozen=True)
class Viewer:
    username: str
    name: str
    times: int
    last_seen: datetime


def viewers_of(case: Case) -> list[Viewer]:
    """Who has seen this record, how often, and when last: for the person's right to know."""
    rows = (
        AuditEntry.objects.filter(case=case, action__in=[AuditEntry.Action.VIEW, AuditEntry.Action.PRINT], actor__isnull=False)
        .values("actor__username", "actor__first_name", "actor__last_name")
        .annotate(times=Count("id"), last_seen=Max("at"))
        .order_by("-last_seen")
    )
    return [
        Viewer(
            username=row["actor__username"],
            name=f"{row['actor__first_name']} {row['actor__last_name']}".strip() or row["actor__username"],
            times=row["times"],
            last_seen=row["last_seen"],
        )
        for row in rows
    ]


def record_read(request: HttpRequest, *, case: Case, section: str) -> None:
    """Every read of a case is an entry: who, when, from where, which section. It never waits for
    the audit chain (see pristan.core.audit, "the intake"): reads are not serialised on one lock."""
    with transaction.atomic():
        audit_record_nowait(
            actor=request.user, action=AuditEntry.Action.VIEW, obj=case, case=case, fields=[section], ip=client_ip(request)
        )


def record_print(request: HttpRequest, *, case: Case, sections: Iterable[str]) -> None:
    """A printed summary of a case is a read of every section it printed, and is recorded as one:
    who, when, from where, which sections (a copy on paper leaves Pristan's control)."""
    with transaction.atomic():
        audit_record_nowait(
            actor=request.user, action=AuditEntry.Action.PRINT, obj=case, case=case, fields=sections, ip=client_ip(request)
        )


def record_refusal(request: HttpRequest, *, target: str) -> None:
    """A refused or unknown object asked for by URL: who asked for what (a reference, not a name)."""
    user = request.user
    if not isinstance(user, User):
        return
    with transaction.atomic():
        audit_record_nowait(actor=user, action=AuditEntry.Action.DENIED, obj=user, detail=target[:200], ip=client_ip(request))


LISTED_AT_MOST = 200  # the cases one entry names; a page of a list shows at most 100


def record_listing(request: HttpRequest, *, cases: Iterable[Case], listing: str) -> None:
    """A page of a list or search shows cases, and is a read of them: which cases it showed is
    recorded, never what was searched for (a name stays out of the trail). One entry per office of
    the cases shown, naming their ids (so that each office's auditors see what was shown of theirs),
    all written together in a few queries however many cases the page shows. `listing` names the
    page (its route), never its filters."""
    user = request.user
    if not isinstance(user, User):
        return
    by_office: dict[int | None, set[int]] = {}
    for case in cases:
        by_office.setdefault(case.office_id, set()).add(case.pk)
    if not by_office:  # a page that showed no case read nothing
        return
    ip = client_ip(request)
    entries = []
    for office_id, ids in sorted(by_office.items(), key=lambda item: item[0] or 0):
        shown = sorted(ids)
        for start in range(0, len(shown), LISTED_AT_MOST):
            values = audit_values_for(
                actor=user, action=AuditEntry.Action.LISTED, model=Case, object_id="", detail=listing[:200], ip=ip
            )
            values["office_id"] = office_id
            values["fields"] = [str(pk) for pk in shown[start : start + LISTED_AT_MOST]]  # in the order of ids, not of text
            entries.append(values)
    with transaction.atomic():
        audit_record_many_nowait(entries)


def listed_references(*, user: User, entries: Iterable[AuditEntry]) -> dict[int, list[str]]:
    """For the listing entries among `entries`: the references of the cases each named that the
    reader may audit (their office within reach; children's cases only with clearance there), in
    one query for the whole page of the trail."""
    listed = [entry for entry in entries if entry.action == AuditEntry.Action.LISTED]
    ids = {int(pk) for entry in listed for pk in entry.fields if str(pk).isdigit()}
    if not ids:
        return {}
    reach = audit_reach(user)
    cases = Case.objects.filter(pk__in=ids)
    if not reach.everything:
        cases = cases.filter(office_id__in=reach.offices)
    if not reach.children_everywhere:
        not_a_child = Q(minor_at_registration=False, minor_at_exploitation=False)
        cases = cases.filter(not_a_child | Q(office_id__in=reach.children_in))
    references = dict(cases.values_list("pk", "reference"))
    return {
        entry.pk: sorted(references[int(pk)] for pk in entry.fields if str(pk).isdigit() and int(pk) in references)
        for entry in listed
    }
