"""Reading the audit trail, and writing the entries that record reads and refusals.

Who may read the trail follows the roles (policy.reads_audit: supervisors, focal points,
auditors) and the reach of their memberships; entries are shown with field names only, as stored.
"""

from dataclasses import dataclass
from datetime import date, datetime, time

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from pristan.cases.models import Case
from pristan.core.audit import audit_record
from pristan.core.http import client_ip
from pristan.core.models import AuditEntry, Membership, Scope
from pristan.core.policy import policy


def audit_offices(user: User | AnonymousUser) -> tuple[bool, set[int]]:
    """(every office?, office ids) whose trail the user may read."""
    if not user.is_authenticated or not user.is_active:
        return False, set()
    offices: set[int] = set()
    for membership in Membership.objects.filter(user_id=user.pk):
        if not policy(membership.role).reads_audit:
            continue
        if membership.scope == Scope.GLOBAL:
            return True, set()
        offices.add(membership.office_id)
        if membership.scope == Scope.REGION:
            offices |= set(membership.region_offices.values_list("pk", flat=True))
    return False, offices


def can_read_trail(user: User | AnonymousUser) -> bool:
    everything, offices = audit_offices(user)
    return everything or bool(offices)


@dataclass(frozen=True)
class TrailFilters:
    actor: str = ""
    action: str = ""
    office: str = ""
    reference: str = ""
    since: date | None = None
    until: date | None = None


def trail_search(*, user: User, filters: TrailFilters) -> QuerySet[AuditEntry]:
    """Entries of the offices the user audits, and sign-ins of the people who work there."""
    everything, offices = audit_offices(user)
    entries = AuditEntry.objects.select_related("actor", "office", "case")
    if not everything:
        staff = Membership.objects.filter(office_id__in=offices).values("user_id")
        entries = entries.filter(Q(office_id__in=offices) | Q(office__isnull=True, actor_id__in=staff))
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
        AuditEntry.objects.filter(case=case, action=AuditEntry.Action.VIEW, actor__isnull=False)
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
    """Every read of a case is an entry: who, when, from where, which section."""
    with transaction.atomic():
        audit_record(
            actor=request.user, action=AuditEntry.Action.VIEW, obj=case, case=case, fields=[section], ip=client_ip(request)
        )


def record_refusal(request: HttpRequest, *, target: str) -> None:
    """A refused or unknown object asked for by URL: who asked for what (a reference, not a name)."""
    user = request.user
    if not isinstance(user, User):
        return
    with transaction.atomic():
        audit_record(actor=user, action=AuditEntry.Action.DENIED, obj=user, detail=target[:200], ip=client_ip(request))
