"""The one place that decides who may see and change what.

Every view, list, search and count starts from `cases_for` or `persons_for`, and every object is
loaded through `case_for` or `case_object_for`; sections are checked with `require_section`.

- A membership gives a role in an office and a scope: own and assigned cases, the office, several
  offices, or all. Roles without case content (analyst, auditor, administrators) see no case.
- The cases of children (minor at registration or at exploitation) exist only for users with a
  child-protection clearance in that membership: everyone else cannot find them, even by count.
- A partner organisation's users see cases referred to it, and only while the person's consent
  to referral holds; they see only the partner sections.
- Sensitive sections (health, psychosocial, legal, perpetrators, security risk) are readable and
  writable only by roles granted them (pristan/core/policy.py).

What a user may not see does not exist for them (404); what they may see but not do is refused (403).
"""

import operator
from dataclasses import dataclass
from functools import reduce
from typing import TypeVar

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from pristan.cases.models import Case, ConsentEvent, ConsentPurpose, Task
from pristan.core.models import Membership, Office, PartnerMembership, Scope
from pristan.core.policy import PARTNER_SECTIONS, SERVICE_SECTIONS, Section, policy
from pristan.people.models import Person

AnyUser = User | AnonymousUser
M = TypeVar("M", bound=models.Model)

CANNOT_CHANGE = _("Your role lets you read this case, not change it.")
SECTION_NOT_GRANTED = _("Your role does not include this part of the case.")
SUPERVISORS_ONLY = _("Only a supervisor of this office can do this.")


@dataclass(frozen=True)
class Grant:
    """What one user may do with one case."""

    sections: frozenset[Section]
    writes: bool
    overrides: bool

    def has(self, section: Section) -> bool:
        return section in self.sections


@dataclass(frozen=True)
class _Reach:
    """One membership, resolved: which offices, how far, with which rights."""

    office_ids: frozenset[int] | None  # None: every office
    assigned_only: bool
    children: bool
    grant: Grant


def _reaches(user: AnyUser) -> list[_Reach]:
    """The user's memberships that give case content, remembered on the user for one request."""
    if not user.is_authenticated or not user.is_active:
        return []
    cached: list[_Reach] | None = getattr(user, "_pristan_reaches", None)
    if cached is not None:
        return cached
    reaches = []
    for membership in Membership.objects.filter(user_id=user.pk):
        rules = policy(membership.role)
        if not rules.sections:
            continue
        offices = None if membership.scope == Scope.GLOBAL else membership_offices(membership)
        reaches.append(
            _Reach(
                office_ids=offices,
                assigned_only=membership.scope == Scope.ASSIGNED,
                children=membership.child_clearance,
                grant=Grant(rules.sections, rules.writes, rules.overrides),
            )
        )
    setattr(user, "_pristan_reaches", reaches)  # noqa: B010 - remembered for this request only
    return reaches


def membership_offices(membership: Membership) -> frozenset[int]:
    """The offices a membership reaches short of a global scope: its own, plus a region's others."""
    if membership.scope == Scope.REGION:
        return frozenset({membership.office_id, *membership.region_offices.values_list("pk", flat=True)})
    return frozenset({membership.office_id})


def _partners(user: AnyUser) -> list[PartnerMembership]:
    if not user.is_authenticated or not user.is_active:
        return []
    cached: list[PartnerMembership] | None = getattr(user, "_pristan_partners", None)
    if cached is None:
        cached = list(PartnerMembership.objects.filter(user_id=user.pk))
        setattr(user, "_pristan_partners", cached)  # noqa: B010 - remembered for this request only
    return cached


_NOT_A_CHILD = Q(minor_at_registration=False, minor_at_exploitation=False)


def _referral_consent_in_force() -> Subquery:
    latest = ConsentEvent.objects.filter(case=OuterRef("pk"), purpose=ConsentPurpose.REFERRAL).order_by("-id")
    return Subquery(latest.values("given")[:1])


def _reach_q(user: AnyUser, reach: _Reach) -> Q:
    condition = Q() if reach.office_ids is None else Q(office_id__in=sorted(reach.office_ids))
    if reach.assigned_only:
        assigned = Exists(Task.objects.filter(case=OuterRef("pk"), assignee_id=user.pk))
        condition &= Q(owner_id=user.pk) | Q(assigned)
    if not reach.children:
        condition &= _NOT_A_CHILD
    return condition


def cases_for(user: AnyUser) -> QuerySet[Case]:
    """Every case the user may see at all, whatever the section."""
    conditions = [_reach_q(user, reach) for reach in _reaches(user)]
    if any(not condition for condition in conditions):  # an empty Q: a reach over every case (global, cleared)
        return Case.objects.all()
    cases = Case.objects.all()
    partners = _partners(user)
    if partners:
        cases = cases.alias(referral_consent=_referral_consent_in_force())
        for partner in partners:
            shared = Q(referred_organisation_id=partner.organisation_id, referral_consent=True)
            conditions.append(shared if partner.child_clearance else shared & _NOT_A_CHILD)
    if not conditions:
        return Case.objects.none()
    # Q() is dropped when OR-ed, so the conditions are combined only once none of them is empty.
    return cases.filter(reduce(operator.or_, conditions))


def persons_for(user: AnyUser) -> QuerySet[Person]:
    return Person.objects.filter(pk__in=cases_for(user).values("person_id"))


def offices_for(user: AnyUser) -> QuerySet[Office]:
    """Offices where the user works with case content (for filters and registration)."""
    ids: set[int] = set()
    for reach in _reaches(user):
        if reach.office_ids is None:
            return Office.objects.all()
        ids |= reach.office_ids
    return Office.objects.filter(pk__in=sorted(ids))


def _covers(user: AnyUser, reach: _Reach, case: Case) -> bool:
    if reach.office_ids is not None and case.office_id not in reach.office_ids:
        return False
    if case.is_minor and not reach.children:
        return False
    return not reach.assigned_only or case.owner_id == user.pk or case.tasks.filter(assignee_id=user.pk).exists()


def grant_for(user: AnyUser, case: Case) -> Grant | None:
    """The union of what the user's memberships allow on this case; None if they may not see it."""
    grants = [reach.grant for reach in _reaches(user) if _covers(user, reach, case)]
    for partner in _partners(user):
        if case.referred_organisation_id == partner.organisation_id and (partner.child_clearance or not case.is_minor):
            latest = case.consent_events.filter(purpose=ConsentPurpose.REFERRAL).order_by("-id").first()
            if latest is not None and latest.given:
                grants.append(Grant(PARTNER_SECTIONS, writes=False, overrides=False))
    if not grants:
        return None
    return Grant(
        sections=frozenset().union(*(grant.sections for grant in grants)),
        writes=any(grant.writes for grant in grants),
        overrides=any(grant.overrides for grant in grants),
    )


def can_write(user: AnyUser, case: Case, section: Section | None = None) -> bool:
    grant = grant_for(user, case)
    return grant is not None and grant.writes and (section is None or grant.has(section))


def can_override(user: AnyUser, case: Case) -> bool:
    grant = grant_for(user, case)
    return grant is not None and grant.overrides


def can_register_in(user: AnyUser, office: Office) -> bool:
    return any(
        reach.grant.writes
        and Section.SCREENING in reach.grant.sections
        and (reach.office_ids is None or office.pk in reach.office_ids)
        for reach in _reaches(user)
    )


def registration_offices(user: AnyUser) -> QuerySet[Office]:
    return Office.objects.filter(pk__in=[office.pk for office in offices_for(user) if can_register_in(user, office)])


def require_section(user: AnyUser, case: Case, section: Section, *, write: bool = False) -> Grant:
    grant = grant_for(user, case)
    if grant is None:
        raise Http404
    if not grant.has(section):
        raise PermissionDenied(SECTION_NOT_GRANTED)
    if write and not grant.writes:
        raise PermissionDenied(CANNOT_CHANGE)
    return grant


def require_write(user: AnyUser, case: Case, section: Section | None = None) -> None:
    grant = grant_for(user, case)
    if grant is None or not grant.writes:
        raise PermissionDenied(CANNOT_CHANGE)
    if section is not None and not grant.has(section):
        raise PermissionDenied(SECTION_NOT_GRANTED)


def require_override(user: AnyUser, case: Case) -> None:
    if not can_override(user, case):
        raise PermissionDenied(SUPERVISORS_ONLY)


def case_for(user: AnyUser, reference: str, *, section: Section = Section.SUMMARY, write: bool = False) -> Case:
    """A case the user may see, checked for the section the page shows (404 or 403)."""
    try:
        case = cases_for(user).select_related("person", "office", "owner").get(reference=reference)
    except Case.DoesNotExist:
        raise Http404 from None
    require_section(user, case, section, write=write)
    return case


def case_object_for(user: AnyUser, model: type[M], pk: int, *, section: Section, write: bool = False) -> M:
    """An object that belongs to a case (a note, a service, a task …), through its case."""
    try:
        obj = model._default_manager.select_related("case").get(pk=pk, case__in=cases_for(user))
    except model.DoesNotExist:  # type: ignore[attr-defined]
        raise Http404 from None
    own_section = section_of(obj, default=section)
    if own_section not in visible_sections(user, obj.case):  # type: ignore[attr-defined]
        raise Http404  # an object of a section the user is not granted does not exist for them
    require_section(user, obj.case, own_section, write=write)  # type: ignore[attr-defined]
    return obj


def section_of(obj: models.Model, *, default: Section) -> Section:
    """A service of a sensitive kind belongs to that sensitive section."""
    kind = getattr(obj, "kind", None)
    return SERVICE_SECTIONS.get(kind, default) if isinstance(kind, str) else default


def visible_sections(user: AnyUser, case: Case) -> frozenset[Section]:
    grant = grant_for(user, case)
    return grant.sections if grant else frozenset()
