"""Reading referrals and transfers: a case's own, those waiting for a user's answer, the directory."""

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet

from pristan.assistance.models import ServiceKind
from pristan.cases.models import Case
from pristan.core import access
from pristan.core.access import AnyUser
from pristan.core.fields import has_code
from pristan.core.models import Organisation
from pristan.referrals.models import Referral, ReferralStatus, Transfer, TransferStatus


def referrals_of(*, user: AnyUser, case: Case) -> QuerySet[Referral]:
    """A case's referrals that the user sees: without those of services in sections they are not
    granted, unless they receive that referral (access.visible_in_sections)."""
    referrals = case.referrals.select_related("organisation", "office", "service", "created_by", "decided_by")
    return access.visible_in_sections(user, case, referrals).order_by("-referred_on", "-id")


def transfers_of(case: Case) -> QuerySet[Transfer]:
    return case.transfers.select_related("from_office", "to_office", "requested_by", "decided_by").order_by("-requested_at")


def referrals_awaiting(user: User, *, limit: int | None = None) -> list[Referral]:
    """Referrals in progress that the user answers for (their partner organisation or their office),
    and sees: exactly those whose page opens for them (access.may_see, as access.case_object_for).
    With `limit`, only the oldest `limit` referrals in progress are checked (a start page's count)."""
    waiting = (
        Referral.objects.filter(status=ReferralStatus.IN_PROGRESS, case__in=access.cases_for(user))
        .select_related("case", "case__person", "case__office", "organisation", "office", "service")
        .order_by("referred_on", "id")
    )
    if limit is not None:
        waiting = waiting[:limit]
    return [referral for referral in waiting if access.receives_referral(user, referral) and access.may_see(user, referral)]


def transfers_awaiting(user: User) -> list[Transfer]:
    waiting = (
        Transfer.objects.filter(status=TransferStatus.REQUESTED, case__in=access.cases_for(user))
        .select_related("case", "case__person", "from_office", "to_office")
        .order_by("requested_at")
    )
    return [transfer for transfer in waiting if access.supervises_office(user, transfer.to_office)]


def partner_directory(*, name: str = "", service: str = "", country: str = "", city: str = "") -> QuerySet[Organisation]:
    """Partner organisations and what they offer (no personal data: open to everyone signed in)."""
    partners = Organisation.objects.filter(is_operator=False)
    if name:
        partners = partners.filter(name__icontains=name)
    if service in ServiceKind.values:
        partners = partners.filter(**has_code("service_kinds", service))
    if country:
        partners = partners.filter(country=country)
    if city:
        partners = partners.filter(Q(city__iexact=city.strip()))
    return partners.order_by("name")
