"""Reading for erasure: pending requests, the persons the retention schedule has reached, erasures
left unfinished, and the exports that already took a person's data out of Pristan."""

import operator
from datetime import date
from functools import reduce

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Exists, OuterRef, Q, QuerySet

from pristan.cases.models import Case, Stage
from pristan.core import access
from pristan.core.models import Membership, Office, Role, Scope
from pristan.erasure.models import ErasureRequest, ErasureStatus
from pristan.exports.models import ExportRecord
from pristan.exports.selectors import exports_containing
from pristan.keystore.models import DataKey
from pristan.people.models import Person


def pending_request_of(person: Person) -> ErasureRequest | None:
    """The person's request awaiting a decision (there is at most one)."""
    pending = ErasureRequest.objects.filter(person=person, status=ErasureStatus.REQUESTED)
    return pending.select_related("case", "requested_by").first()


def requests_of(*, user: User | AnonymousUser, person: Person) -> QuerySet[ErasureRequest]:
    """Every request about the person made from a case the user sees, newest first."""
    return (
        ErasureRequest.objects.filter(person=person, case__in=access.cases_for(user))
        .select_related("case", "requested_by", "decided_by")
        .order_by("-requested_at", "-id")
    )


def pending_requests_for(*, user: User | AnonymousUser) -> QuerySet[ErasureRequest]:
    """The requests the user is to decide: of cases they see, in offices where they decide erasure."""
    return (
        ErasureRequest.objects.filter(
            status=ErasureStatus.REQUESTED,
            case__in=access.cases_for(user),
            case__office__in=access.erasure_offices(user),
        )
        .select_related("case", "case__office", "requested_by")
        .order_by("requested_at", "id")
    )


def exports_including(person: Person) -> QuerySet[ExportRecord]:
    """Every export that held one of the person's cases: copies outside Pristan that erasure cannot reach."""
    return exports_containing(person=person)


def years_before(day: date, years: int) -> date:
    """The same date `years` earlier (28 February for a 29 February that year does not have)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def retention_due(*, today: date) -> QuerySet[Person]:
    """Persons not yet erased all of whose cases are closed (with a closing date) for longer than
    the retention period of each case's office. An office without a period keeps its cases, and
    so keeps the person of any of them."""
    expired_in = [
        Q(office_id=office.pk, closed_on__lt=years_before(today, office.retention_years))
        for office in Office.objects.filter(retention_years__isnull=False)
        if office.retention_years
    ]
    if not expired_in:
        return Person.objects.none()
    expired = Q(stage=Stage.CLOSED, closed_on__isnull=False) & reduce(operator.or_, expired_in)
    kept = Case.objects.filter(person=OuterRef("pk")).exclude(expired)
    return (
        Person.objects.filter(erased_at__isnull=True)
        .filter(Exists(Case.objects.filter(person=OuterRef("pk"))))
        .exclude(Exists(kept))
        .select_related("office")
        .order_by("pk")
    )


def retention_due_for(*, user: User | AnonymousUser, today: date) -> QuerySet[Person]:
    """The persons due under retention that the user sees in the offices where they decide erasure."""
    visible = access.cases_for(user).filter(office__in=access.erasure_offices(user))
    return retention_due(today=today).filter(Exists(visible.filter(person=OuterRef("pk"))))


def erasures_unfinished(persons: QuerySet[Person] | None = None) -> QuerySet[Person]:
    """Erased persons whose data key still exists: the case database committed the erasure but the
    key store did not destroy the key (a crash in between). `pristan retention` finishes them."""
    erased = (Person.objects.all() if persons is None else persons).filter(erased_at__isnull=False)
    keys = list(erased.order_by("pk").values_list("pk", "key_id"))
    unfinished: list[int] = []
    for start in range(0, len(keys), 500):  # the key store is another database: no join, one query per batch
        batch = dict(keys[start : start + 500])
        present = set(DataKey.objects.filter(id__in=[key for key in batch.values() if key]).values_list("id", flat=True))
        unfinished += [pk for pk, key in batch.items() if key in present]
    return Person.objects.filter(pk__in=unfinished).select_related("office").order_by("pk")


def retention_offices_for(user: User | AnonymousUser) -> QuerySet[Office]:
    """The offices whose retention period the user sets: where they are an office administrator."""
    if not user.is_authenticated or not user.is_active:
        return Office.objects.none()
    ids: set[int] = set()
    for membership in Membership.objects.filter(user_id=user.pk, role=Role.OFFICE_ADMIN):
        if membership.scope == Scope.GLOBAL:
            return Office.objects.all()
        ids |= access.membership_offices(membership)
    return Office.objects.filter(pk__in=sorted(ids))
