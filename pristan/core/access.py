"""The one place that decides who may see and change what.

Every view, list, search and count starts from `cases_for` or `persons_for`, and every object is
loaded through `case_for` or `case_object_for`; sections are checked with `require_section`.
Every record of a case belongs to sections its model declares (`case_section`, see
pristan/core/sections.py): `sections_of` reads them, `visible_in_sections` is the one filter of
every list of a case's records, and `case_object_for` opens exactly what that filter lists.

- A membership gives a role in an office and a scope: own and assigned cases, the office, several
  offices, or all. Roles without case content (analyst, auditor, administrators) see no case.
- The cases of children (minor at registration or at exploitation) exist only for users with a
  child-protection clearance in that membership: everyone else cannot find them, even by count.
- A partner organisation's users see cases referred to it (a referral in progress or accepted),
  and only while the person's consent to referral holds; they see only the partner sections.
- An office a case is referred to reads its summary and assistance while the referral is open; an
  office a transfer is asked of lets its supervisors read the summary to decide; an office that
  handed a case over keeps reading what its role allows, without changing anything.
- Sensitive sections (health, psychosocial, legal, perpetrators, security risk) are readable and
  writable only by roles granted them (pristan/core/policy.py). A record is seen only by a reader
  granted every section it belongs to: a medical service is assistance and health, a referral of
  it summary and health.
- The receiver of an open referral also reads that referral and the one service it refers,
  whatever their sections: a partner organisation was asked to provide that service, with the
  person's consent to referral, so it must know what it is (and a service of a protected section
  is sent only to a partner that offers that kind of service: referrals.services.referral_send);
  a receiving office, as far as the role of the membership that answers for it is granted. Nothing
  else of those sections: a partner still sees only PARTNER_SECTIONS of the case. So a partner's
  inbox lists only referrals it can open, and it can open every referral sent to it.
- Identifiable data leaves Pristan only through an export by a role that exports (caseworkers,
  supervisors), and only of the cases it sees through that role (`exportable_cases_for`).
- Anonymised research data (pristan/research) is made only by roles with policy.research (analysts,
  supervisors), from the cases their memberships reach (`research_cases_for`), children's cases
  only with clearance; it never shows a case, only k-anonymous rows and counts. Partners never.
- An export job (pristan/exports/jobs.py) and its file exist only for the one who asked for it, and
  only while their role still makes that kind of file (`export_job_for`): for everyone else, 404.
- Nothing more is written in the cases of an erased person; erasure requests are decided only by
  a data-protection focal point whose scope reaches the case's office (`require_erasure_decider`).
- Administration (policy.administers): an office administrator manages the people of the offices
  their membership reaches (`administered_offices`, `administered_users`); a system administrator
  (policy.administers_installation) every office, partner organisations, regions and administrators.
  Nobody grants more than they hold (`require_may_grant`: an office, a scope, a child-protection
  clearance of their own), and nobody changes their own access.
- Caseloads: only a supervisor of the case's office assigns a case's caseworker (`require_assign`),
  and only to someone who may own it there: an active user whose membership of a case-owning role
  (policy.owns_cases: caseworkers, supervisors) reaches the office, with child-protection clearance
  for a child's case (`assignable_people`, `may_be_assigned`). Caseworkers do not take cases
  themselves: an office decides who works on what. Bulk actions on the case list are for
  supervisors (`require_bulk`), and every case in them is checked one by one as above.
- Who is told that something awaits them (pristan/notifications) is decided here too, by the same
  rules: `referral_answerers`, `transfer_deciders`, `erasure_deciders`, `sees_section`.

What a user may not see does not exist for them (404); what they may see but not do is refused (403).
"""

import operator
from dataclasses import dataclass
from functools import reduce
from typing import Any, TypeVar
from uuid import UUID

from django.apps import apps
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from pristan.assistance.models import ServiceItem
from pristan.cases.models import FLAG_SECTIONS, Case, CaseFlag, ConsentEvent, ConsentPurpose, FlagKind, Task
from pristan.core.models import Membership, Office, PartnerMembership, Scope
from pristan.core.policy import ALL_SECTIONS, PARTNER_SECTIONS, POLICIES, SCOPE_RANK, CaseSection, Section, policy
from pristan.duplicates.models import CandidatePair, MergeRecord
from pristan.exports.models import ExportJob
from pristan.people.models import Person
from pristan.referrals.models import OPEN_STATUSES, Referral, Transfer, TransferStatus

AnyUser = User | AnonymousUser
IdQuery = QuerySet[Any, Any]  # a query of case ids, from whichever table reaches them
M = TypeVar("M", bound=models.Model)

CANNOT_CHANGE = _("Your role lets you read this case, not change it.")
SECTION_NOT_GRANTED = _("Your role does not include this part of the case.")
SUPERVISORS_ONLY = _("Only a supervisor of this office can do this.")
EXPORT_NOT_GRANTED = _("Your role does not include exporting identifiable data.")
PERSON_ERASED = _("This person's identifying data was erased: nothing more can be recorded in their cases.")
ERASURE_NOT_GRANTED = _("Only a data-protection focal point of the case's office decides erasure requests.")
RESEARCH_NOT_GRANTED = _("Your role does not include producing anonymised research data.")
ADMINISTRATORS_ONLY = _("Only an office or system administrator can do this.")
SYSTEM_ADMINISTRATORS_ONLY = _("Only a system administrator can do this.")
NOT_YOUR_OWN_ACCESS = _("Nobody changes their own access: ask another administrator.")
OFFICE_NOT_ADMINISTERED = _("You do not administer the office %(office)s.")
ADMINISTRATOR_TARGET = _("Only a system administrator changes the access of an administrator or of a partner's user.")
WORKS_ELSEWHERE = _("This person also works in an office you do not administer: ask a system administrator.")
ROLE_NOT_GRANTABLE = _("Only a system administrator grants an administrator's role.")
REGION_NOT_GRANTABLE = _("Only a system administrator grants the scope 'several offices'.")
SCOPE_NOT_HELD = _("You cannot grant a scope wider than your own in this office.")
ASSIGN_NOT_GRANTED = _("Only a supervisor of the case's office assigns its caseworker.")
BULK_NOT_GRANTED = _("Only supervisors act on several cases at once.")
FLAGS_NOT_GRANTED = _("Only the case's caseworkers and supervisors set or remove its flags.")
CLEARANCE_NOT_HELD = _("You cannot grant a child-protection clearance you do not hold yourself.")


@dataclass(frozen=True)
class Grant:
    """What one user may do with one case."""

    sections: frozenset[Section]
    writes: bool
    overrides: bool
    flags: bool = False  # sets and removes the case's flags

    def has(self, section: Section) -> bool:
        return section in self.sections


@dataclass(frozen=True)
class _Reach:
    """One membership, resolved: which offices, how far, with which rights."""

    office_ids: frozenset[int] | None  # None: every office
    assigned_only: bool
    children: bool
    grant: Grant
    exports: bool = False


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
                grant=Grant(rules.sections, rules.writes, rules.overrides, rules.flags),
                exports=rules.exports,
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
_NOT_A_CHILDS_CASE = Q(case__minor_at_registration=False, case__minor_at_exploitation=False)


def _referral_consent_in_force(case_ref: str = "pk") -> Subquery:
    latest = ConsentEvent.objects.filter(case=OuterRef(case_ref), purpose=ConsentPurpose.REFERRAL).order_by("-id")
    return Subquery(latest.values("given")[:1])


def _assigned_ids(user: AnyUser) -> IdQuery:
    return Task.objects.filter(assignee_id=user.pk).order_by().values("case_id")


def _reach_q(user: AnyUser, reach: _Reach) -> Q:
    """The cases a membership reaches in its own offices (its handed cases aside). The tasks of an
    assigned scope are an IN (subquery), not an EXISTS: under an OR, PostgreSQL hashes the one and
    runs the other once for every case."""
    condition = Q() if reach.office_ids is None else Q(office_id__in=sorted(reach.office_ids))
    if reach.assigned_only:
        condition &= Q(owner_id=user.pk) | Q(pk__in=_assigned_ids(user))
    if not reach.children:
        condition &= _NOT_A_CHILD
    return condition


def _direct_q(user: AnyUser, reach: _Reach) -> Q:
    """What `_reach_q` matches on the case's own columns alone (an assigned scope: the cases the
    user owns), so that an index of the cases drives it."""
    condition = Q() if reach.office_ids is None else Q(office_id__in=sorted(reach.office_ids))
    if reach.assigned_only:
        condition &= Q(owner_id=user.pk)
    return condition if reach.children else condition & _NOT_A_CHILD


def _linked(user: AnyUser, reach: _Reach) -> list[IdQuery]:
    """The ids of the cases a membership reaches through other rows: the tasks of an assigned
    scope; for an office, the referrals to it, the transfers it made and (supervisors) those asked
    of it. Each one a query of case ids, driven by the index of its own table."""
    if reach.office_ids is None:
        return []
    offices = sorted(reach.office_ids)
    sources: list[IdQuery]
    if reach.assigned_only:  # the user's own cases are direct: only tasks in others' cases link one
        sources = [Task.objects.filter(assignee_id=user.pk, case__office_id__in=offices).exclude(case__owner_id=user.pk)]
    else:
        sources = [
            Referral.objects.filter(office_id__in=offices, status__in=OPEN_STATUSES),
            Transfer.objects.filter(from_office_id__in=offices, status=TransferStatus.ACCEPTED),
        ]
        if reach.grant.overrides:
            sources.append(Transfer.objects.filter(to_office_id__in=offices, status=TransferStatus.REQUESTED))
    if not reach.children:
        sources = [source.filter(_NOT_A_CHILDS_CASE) for source in sources]
    return [source.order_by().values("case_id") for source in sources]


def _partner_linked(partner: PartnerMembership) -> IdQuery:
    """The cases referred to a partner organisation (a referral in progress or accepted) whose
    person's consent to referral is in force."""
    referred = Referral.objects.filter(organisation_id=partner.organisation_id, status__in=OPEN_STATUSES)
    if not partner.child_clearance:
        referred = referred.filter(_NOT_A_CHILDS_CASE)
    shared = referred.alias(referral_consent=_referral_consent_in_force("case_id")).filter(referral_consent=True)
    return shared.order_by().values("case_id")


@dataclass(frozen=True)
class CaseReach:
    """Which cases a user sees, in two halves that indexes can drive: `direct`, conditions on the
    case's own columns (office, owner, minor), and `linked`, queries of the ids of cases reached
    through other rows (tasks, referrals, transfers). `everything`: a reach over every case."""

    everything: bool
    direct: Q | None
    linked: tuple[IdQuery, ...]


def case_reach(user: AnyUser) -> CaseReach:
    reaches = _reaches(user)
    direct = [_direct_q(user, reach) for reach in reaches]
    if any(not condition for condition in direct):  # an empty Q: a reach over every case (global, cleared)
        return CaseReach(everything=True, direct=None, linked=())
    linked = [source for reach in reaches for source in _linked(user, reach)]
    linked += [_partner_linked(partner) for partner in _partners(user)]
    # Q() is dropped when OR-ed, so the conditions are combined only once none of them is empty.
    return CaseReach(everything=False, direct=reduce(operator.or_, direct) if direct else None, linked=tuple(linked))


def _union(sources: tuple[IdQuery, ...]) -> IdQuery:
    return sources[0].union(*sources[1:], all=True) if len(sources) > 1 else sources[0]


def cases_for(user: AnyUser) -> QuerySet[Case]:
    """Every case the user may see at all, whatever the section.

    Its shape is chosen for the indexes: the case's own columns, OR its id IN (a UNION of id
    queries), never an EXISTS under an OR (PostgreSQL then runs the subquery once per case; at
    100,000 cases an office's list took 2 s, JIT included). Lists that page through many cases use
    `case_parts_for`, whose parts each an index can drive in the list's order."""
    reach = case_reach(user)
    if reach.everything:
        return Case.objects.all()
    condition = reach.direct
    if reach.linked:
        linked = Q(pk__in=_union(reach.linked))
        condition = linked if condition is None else condition | linked
    return Case.objects.none() if condition is None else Case.objects.filter(condition)


def case_parts_for(user: AnyUser) -> list[QuerySet[Case]]:
    """`cases_for(user)` as disjoint querysets (none, one or two) whose union is exactly it: the
    cases matched on their own columns, then the other cases reached through tasks, referrals or
    transfers. Each can be filtered, ordered and cut by an index of its own, so a list pages by
    combining them (UNION ALL: disjoint, so no case twice, and a count is their sum) instead of
    filtering every case by an OR that no index can serve."""
    reach = case_reach(user)
    if reach.everything:
        return [Case.objects.all()]
    parts = [] if reach.direct is None else [Case.objects.filter(reach.direct)]
    if reach.linked:
        linked = Case.objects.filter(pk__in=_union(reach.linked))
        parts.append(linked if reach.direct is None else linked.exclude(reach.direct))
    return parts


def may_export(user: AnyUser) -> bool:
    """Whether any of the user's memberships lets them export identifiable data (partners never do)."""
    return any(reach.exports for reach in _reaches(user))


def require_export(user: AnyUser) -> None:
    if not may_export(user):
        raise PermissionDenied(EXPORT_NOT_GRANTED)


def exportable_cases_for(user: AnyUser) -> QuerySet[Case]:
    """The cases the user sees through a membership whose role exports, within `cases_for`: the
    cases of their own offices, not those another office only shared with them (a referral, a
    transfer not yet accepted). Whether the person consented to the export is a further condition
    (pristan/exports)."""
    conditions = [_reach_q(user, reach) for reach in _reaches(user) if reach.exports]
    if not conditions:
        return Case.objects.none()
    if any(not condition for condition in conditions):  # an empty Q: a reach over every case
        return cases_for(user)
    # Within cases_for by construction (each reach's own cases are part of it): not filtered by it again.
    return Case.objects.filter(reduce(operator.or_, conditions))


def _research_reaches(user: AnyUser) -> list[_Reach]:
    """The user's memberships whose role produces research data (policy.research), resolved. These
    roles may have no case content at all (analysts): their reach serves only anonymised data."""
    if not user.is_authenticated or not user.is_active:
        return []
    return [
        _Reach(
            office_ids=None if membership.scope == Scope.GLOBAL else membership_offices(membership),
            assigned_only=membership.scope == Scope.ASSIGNED,
            children=membership.child_clearance,
            grant=Grant(frozenset(), writes=False, overrides=False),
        )
        for membership in Membership.objects.filter(user_id=user.pk)
        if policy(membership.role).research
    ]


def may_research(user: AnyUser) -> bool:
    """Whether any of the user's memberships lets them produce anonymised research data (partners never do)."""
    return bool(_research_reaches(user))


def require_research(user: AnyUser) -> None:
    if not may_research(user):
        raise PermissionDenied(RESEARCH_NOT_GRANTED)


def research_cases_for(user: AnyUser) -> QuerySet[Case]:
    """The cases whose anonymised data may go into research data made by the user: those of the
    offices their research memberships reach, children's cases only where that membership has
    child-protection clearance (as everywhere else, even a count of them is withheld otherwise).
    Only for aggregated, k-anonymous output (pristan/research): never to show or link a case.
    Whether the person consented to research use is a further condition (pristan/research)."""
    conditions = [_reach_q(user, reach) for reach in _research_reaches(user)]
    if not conditions:
        return Case.objects.none()
    if any(not condition for condition in conditions):  # an empty Q: a reach over every case (global, cleared)
        return Case.objects.all()
    return Case.objects.filter(reduce(operator.or_, conditions))


def export_job_for(user: AnyUser, job_id: UUID | str) -> ExportJob:
    """An export job, for the one who asked for it while their role still exports (identifiable data)
    or makes research data (the CTDC file); it does not exist for anyone else, nor once they lost that role."""
    job = ExportJob.objects.filter(pk=job_id, actor_id=user.pk).first() if user.is_authenticated else None
    if job is None:
        raise Http404
    if not (may_export(user) if job.kind == ExportJob.Kind.CASES else may_research(user)):
        raise Http404
    return job


def supervised_cases_for(user: AnyUser) -> QuerySet[Case]:
    """The cases a user sees through the memberships in which they supervise (for figures across
    cases: the overview). Children's cases only where that membership has clearance."""
    conditions = [_reach_q(user, reach) for reach in _reaches(user) if reach.grant.overrides]
    if not conditions:
        return Case.objects.none()
    if any(not condition for condition in conditions):  # an empty Q: a reach over every case
        return Case.objects.all()
    return Case.objects.filter(reduce(operator.or_, conditions))


def require_supervisor(user: AnyUser) -> None:
    if not any(reach.grant.overrides for reach in _reaches(user)):
        raise PermissionDenied(SUPERVISORS_ONLY)


def persons_for(user: AnyUser) -> QuerySet[Person]:
    """The persons with a case the user sees; never a record merged into another (pristan/duplicates:
    its cases moved to the survivor, and it is kept only so that an unmerge can restore it)."""
    return Person.objects.filter(pk__in=cases_for(user).values("person_id"), merged_into__isnull=True)


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


# What an office reads of a case it does not own: while a referral to it is open, while its
# supervisors decide a transfer asked of it, and after it handed the case over.
REFERRED_OFFICE_SECTIONS = frozenset({Section.SUMMARY, Section.CONSENT, Section.ASSISTANCE})
TRANSFER_DECISION_SECTIONS = frozenset({Section.SUMMARY, Section.CONSENT})


def _handed_grant(reach: _Reach, case: Case) -> Grant | None:
    if reach.office_ids is None or reach.assigned_only or (case.is_minor and not reach.children):
        return None
    offices = sorted(reach.office_ids)
    sections: frozenset[Section] = frozenset()
    if case.transfers.filter(from_office_id__in=offices, status=TransferStatus.ACCEPTED).exists():
        sections |= reach.grant.sections
    if case.referrals.filter(office_id__in=offices, status__in=OPEN_STATUSES).exists():
        sections |= reach.grant.sections & REFERRED_OFFICE_SECTIONS
    if reach.grant.overrides and case.transfers.filter(to_office_id__in=offices, status=TransferStatus.REQUESTED).exists():
        sections |= reach.grant.sections & TRANSFER_DECISION_SECTIONS
    return Grant(sections, writes=False, overrides=False) if sections else None


def receives_referral(user: AnyUser, referral: Referral) -> bool:
    """Whether the user answers for the receiver of this referral: a partner's user, or someone who
    changes cases in the receiving office (not only their own)."""
    if referral.organisation_id is not None:
        return any(partner.organisation_id == referral.organisation_id for partner in _partners(user))
    return any(_receives_for(reach, referral.office_id, referral.case) for reach in _reaches(user))


def _receives_for(reach: _Reach, office_id: int | None, case: Case) -> bool:
    return (
        reach.grant.writes
        and not reach.assigned_only
        and (reach.office_ids is None or office_id in reach.office_ids)
        and (reach.children or not case.is_minor)
    )


def supervises_office(user: AnyUser, office: Office) -> bool:
    return any(reach.grant.overrides and (reach.office_ids is None or office.pk in reach.office_ids) for reach in _reaches(user))


def grant_for(user: AnyUser, case: Case) -> Grant | None:
    """The union of what the user's memberships allow on this case; None if they may not see it."""
    grants = []
    for reach in _reaches(user):
        if _covers(user, reach, case):
            grants.append(reach.grant)
        elif (handed := _handed_grant(reach, case)) is not None:
            grants.append(handed)
    for partner in _partners(user):
        if not (partner.child_clearance or not case.is_minor):
            continue
        referred = case.referrals.filter(organisation_id=partner.organisation_id, status__in=OPEN_STATUSES).exists()
        if referred:
            latest = case.consent_events.filter(purpose=ConsentPurpose.REFERRAL).order_by("-id").first()
            if latest is not None and latest.given:
                grants.append(Grant(PARTNER_SECTIONS, writes=False, overrides=False))
    if not grants:
        return None
    return Grant(
        sections=frozenset().union(*(grant.sections for grant in grants)),
        writes=any(grant.writes for grant in grants),
        overrides=any(grant.overrides for grant in grants),
        flags=any(grant.flags for grant in grants),
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
    if case.person.erased_at is not None:  # their data key is gone: nothing could be sealed for them
        raise PermissionDenied(PERSON_ERASED)


def erasure_offices(user: AnyUser) -> QuerySet[Office]:
    """The offices whose erasure requests the user decides (roles with policy.decides_erasure)."""
    if not user.is_authenticated or not user.is_active:
        return Office.objects.none()
    ids: set[int] = set()
    for membership in Membership.objects.filter(user_id=user.pk):
        if not policy(membership.role).decides_erasure:
            continue
        if membership.scope == Scope.GLOBAL:
            return Office.objects.all()
        ids |= membership_offices(membership)
    return Office.objects.filter(pk__in=sorted(ids))


def may_decide_erasure(user: AnyUser, office: Office) -> bool:
    return erasure_offices(user).filter(pk=office.pk).exists()


def require_erasure_decider(user: AnyUser, office: Office) -> None:
    if not may_decide_erasure(user, office):
        raise PermissionDenied(ERASURE_NOT_GRANTED)


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


def case_object_for(user: AnyUser, model: type[M], pk: int, *, write: bool = False) -> M:
    """A record of a case (a note, a service, a referral …), loaded through its case and checked
    against the sections it belongs to (`sections_of`): 404 for a record the user may not see,
    403 for one they see but may not change. Lists show exactly what this opens (`visible_in_sections`)."""
    try:
        record = model._default_manager.select_related("case").get(pk=pk, case__in=cases_for(user))
    except model.DoesNotExist:  # type: ignore[attr-defined]
        raise Http404 from None
    if not may_see(user, record):
        raise Http404  # a record of a section the user is not granted does not exist for them
    if write:
        require_write_record(user, record)
    return record


# --- the sections of a record --------------------------------------------------------------------
#
# Every model linked to a case declares the sections its records belong to (`case_section`, a
# `CaseSection`: a section, codes of its fields that add one, a related record whose sections it
# shares). The functions below are the only ones that read the declaration.


def declared_section(model: type[models.Model]) -> CaseSection:
    declared = getattr(model, "case_section", None)
    if not isinstance(declared, CaseSection):
        raise ImproperlyConfigured(f"{model._meta.label} declares no case_section: which section of a case is it?")
    return declared


def sections_of(record: models.Model) -> frozenset[Section]:
    """Every section the record belongs to; a reader needs them all. Works on a record not yet
    saved, so that a service checks the sections of what it is about to write."""
    return frozenset({declared_section(type(record)).section, *_added_sections(record)})


def _added_sections(record: models.Model) -> frozenset[Section]:
    """The sections the codes of the record, and of the record it is about (`through`), add."""
    declared = declared_section(type(record))
    found = declared.for_codes(**{name: getattr(record, name, None) for name in declared.codes}) - {declared.section}
    related = getattr(record, declared.through, None) if declared.through else None
    return found | _added_sections(related) if isinstance(related, models.Model) else found


def possible_sections(model: type[models.Model], *, own: bool = True) -> frozenset[Section]:
    """Every section a record of the model may belong to."""
    declared = declared_section(model)
    found = {section for codes in declared.codes.values() for section in codes.values()}
    if own:
        found.add(declared.section)
    if declared.through:
        found |= possible_sections(_through_model(model, declared.through), own=False)
    return frozenset(found)


def _through_model(model: type[models.Model], name: str) -> type[models.Model]:
    related = model._meta.get_field(name).related_model
    assert isinstance(related, type)
    return related


def _sections_q(model: type[models.Model], granted: frozenset[Section], prefix: str = "", *, own: bool = True) -> Q:
    """The records of `model` all of whose sections are granted, as a condition (`prefix` leads to them;
    `own=False`: only the sections their codes add count, as for the record another is about)."""
    declared = declared_section(model)
    if own and declared.section not in granted:
        return Q(pk__in=[])
    condition = Q()
    for name, codes in declared.codes.items():
        hidden = sorted(code for code, section in codes.items() if section not in granted)
        if hidden:
            condition &= ~Q(**{f"{prefix}{name}__in": hidden})
    if declared.through:
        related = _sections_q(_through_model(model, declared.through), granted, f"{prefix}{declared.through}__", own=False)
        # An empty Q is "every record"; OR-ed with another, Django drops it, which would keep only
        # the records without a `through` (a reader granted every section lost every service under an objective).
        if related:
            condition &= Q(**{f"{prefix}{declared.through}__isnull": True}) | related
    return condition


def _receiver_sections(user: AnyUser, case: Case, referral: Referral) -> frozenset[Section]:
    """What the receiver of an open referral reads of that referral and of the service it refers,
    beyond what it reads of the case: a partner organisation, every section of them (it was asked to
    provide that service, with the person's consent, and a service of a protected section is sent
    only to a partner that offers it: referrals.services.referral_send); a receiving office, what
    the role of the membership that answers for it is granted."""
    if referral.status not in OPEN_STATUSES:
        return frozenset()
    if referral.organisation_id is not None:
        answers = any(
            partner.organisation_id == referral.organisation_id and (partner.child_clearance or not case.is_minor)
            for partner in _partners(user)
        )
        return ALL_SECTIONS if answers else frozenset()
    sections: frozenset[Section] = frozenset()
    for reach in _reaches(user):
        if _receives_for(reach, referral.office_id, case):
            sections |= reach.grant.sections
    return sections


def _received(user: AnyUser, case: Case, model: type[models.Model], granted: frozenset[Section]) -> list[int]:
    """The referrals of the case, or the services they refer, that the user reads as their receiver."""
    if model not in (Referral, ServiceItem) or not granted:
        return []
    found = []
    for referral in case.referrals.filter(status__in=OPEN_STATUSES).select_related("service__objective"):
        record = referral if model is Referral else referral.service
        if record is not None and sections_of(record) <= granted | _receiver_sections(user, case, referral):
            found.append(record.pk)
    return found


def recorded_sections(objects: list[tuple[str, str]]) -> dict[tuple[str, str], frozenset[Section]]:
    """The sections of recorded objects, named as the audit trail names them (type, id): for the
    History of a case. An object no longer there counts in every section its model may have; one of
    a model not linked to a case (the person, the case itself) in the summary."""
    wanted: dict[str, set[str]] = {}
    for object_type, object_id in objects:
        wanted.setdefault(object_type, set()).add(object_id)
    found: dict[tuple[str, str], frozenset[Section]] = {}
    for object_type, ids in wanted.items():
        try:
            model = apps.get_model(object_type)
            declared = declared_section(model)
        except (LookupError, ValueError, ImproperlyConfigured):
            found.update(dict.fromkeys(((object_type, object_id) for object_id in ids), frozenset({Section.SUMMARY})))
            continue
        records: dict[str, models.Model] = {}
        if declared.codes or declared.through:
            path = _through_path(model)
            try:
                chosen = model._default_manager.filter(pk__in=sorted(ids))
                records = {str(record.pk): record for record in (chosen.select_related(path) if path else chosen)}
            except (ValueError, ValidationError):  # an id that is not one of this model's
                records = {}
        for object_id in ids:
            record = records.get(object_id)
            found[object_type, object_id] = sections_of(record) if record is not None else possible_sections(model)
    return found


def _through_path(model: type[models.Model]) -> str:
    """The chain of `through` foreign keys from a model, as select_related takes it."""
    parts = []
    declared = declared_section(model)
    while declared.through:
        parts.append(declared.through)
        model = _through_model(model, declared.through)
        declared = declared_section(model)
    return "__".join(parts)


def visible_in_sections(user: AnyUser, case: Case, records: QuerySet[M]) -> QuerySet[M]:
    """The records (of one case) that the user sees: the one filter every list of a case's records
    goes through, so that a list shows exactly what `case_object_for` opens."""
    granted = visible_sections(user, case)
    condition = _sections_q(records.model, granted)
    if condition and (received := _received(user, case, records.model, granted)):  # empty: every record already
        condition |= Q(pk__in=received)
    return records.filter(condition)


def may_see(user: AnyUser, record: models.Model) -> bool:
    """Whether the user sees this record of a case (for lists that span cases: the inbox)."""
    case: Case = record.case  # type: ignore[attr-defined]
    granted = visible_sections(user, case)
    if not granted:
        return False
    return sections_of(record) <= granted or record.pk in _received(user, case, type(record), granted)


def reads(user: AnyUser, case: Case, model: type[models.Model]) -> bool:
    """Whether the user sees every record of this model in the case (a fit-to-travel clearance,
    a monitoring visit): to decide whether to show a kind of record at all."""
    return possible_sections(model) <= visible_sections(user, case)


def require_write_record(user: AnyUser, record: models.Model) -> None:
    """Refuse (403) writing a record, saved or about to be, unless every section it belongs to is writable."""
    case: Case = record.case  # type: ignore[attr-defined]
    require_write(user, case)
    if not sections_of(record) <= visible_sections(user, case):
        raise PermissionDenied(SECTION_NOT_GRANTED)


def visible_sections(user: AnyUser, case: Case) -> frozenset[Section]:
    grant = grant_for(user, case)
    return grant.sections if grant else frozenset()


# --- administration -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _AdminReach:
    """One administering membership, resolved: which offices it manages, how far and with which clearance."""

    office_ids: frozenset[int] | None  # None: every office
    installation: bool
    children: bool
    scope_rank: int


def _admin_reaches(user: AnyUser) -> list[_AdminReach]:
    if not user.is_authenticated or not user.is_active:
        return []
    reaches = []
    for membership in Membership.objects.filter(user_id=user.pk):
        rules = policy(membership.role)
        if not rules.administers:
            continue
        everywhere = rules.administers_installation or membership.scope == Scope.GLOBAL
        reaches.append(
            _AdminReach(
                office_ids=None if everywhere else membership_offices(membership),
                installation=rules.administers_installation,
                children=membership.child_clearance,
                scope_rank=SCOPE_RANK[Scope(membership.scope)],
            )
        )
    return reaches


def _admin_reaches_of(user: AnyUser, office: Office) -> list[_AdminReach]:
    return [reach for reach in _admin_reaches(user) if reach.office_ids is None or office.pk in reach.office_ids]


def may_administer(user: AnyUser) -> bool:
    """Whether the user administers the people of any office (office and system administrators)."""
    return bool(_admin_reaches(user))


def administers_installation(user: AnyUser) -> bool:
    """Whether the user manages every office, partner organisations, regions and administrators."""
    return any(reach.installation for reach in _admin_reaches(user))


def require_administrator(user: AnyUser) -> None:
    if not may_administer(user):
        raise PermissionDenied(ADMINISTRATORS_ONLY)


def require_installation_administrator(user: AnyUser) -> None:
    if not administers_installation(user):
        raise PermissionDenied(SYSTEM_ADMINISTRATORS_ONLY)


def administered_offices(user: AnyUser) -> QuerySet[Office]:
    """The offices whose people the user manages."""
    ids: set[int] = set()
    for reach in _admin_reaches(user):
        if reach.office_ids is None:
            return Office.objects.all()
        ids |= reach.office_ids
    return Office.objects.filter(pk__in=sorted(ids))


def administers(user: AnyUser, office: Office) -> bool:
    return bool(_admin_reaches_of(user, office))


def require_administers(user: AnyUser, office: Office) -> None:
    if not administers(user, office):
        raise PermissionDenied(OFFICE_NOT_ADMINISTERED % {"office": office.code})


def administered_users(user: AnyUser) -> QuerySet[User]:
    """The people the user may see in administration: everyone for a system administrator; for an
    office administrator, whoever has a membership in an office they administer."""
    if administers_installation(user):
        return User.objects.all()
    if not may_administer(user):
        return User.objects.none()
    offices = administered_offices(user)
    return User.objects.filter(pk__in=Membership.objects.filter(office__in=offices).values("user_id"))


def administered_user(user: AnyUser, pk: int) -> User:
    """A person the user administers, or 404: the people of other offices do not exist for them."""
    try:
        return administered_users(user).get(pk=pk)
    except User.DoesNotExist:
        raise Http404 from None


def is_administrator_or_partner(person: User) -> bool:
    """Whether the person administers anything or works for a partner: only system administrators change their access."""
    roles = Membership.objects.filter(user_id=person.pk).values_list("role", flat=True)
    return any(policy(role).administers for role in roles) or PartnerMembership.objects.filter(user_id=person.pk).exists()


def require_manages_person(user: AnyUser, person: User, *, whole_account: bool) -> None:
    """Whether the user may change the person's access: never their own; an administrator's or a
    partner user's only as a system administrator; with `whole_account` (deactivating, resetting
    the second step), only when every office the person works in is one the user administers."""
    if person.pk == user.pk:
        raise PermissionDenied(NOT_YOUR_OWN_ACCESS)
    if administers_installation(user):
        return
    require_administrator(user)
    if is_administrator_or_partner(person):
        raise PermissionDenied(ADMINISTRATOR_TARGET)
    offices = set(Membership.objects.filter(user_id=person.pk).values_list("office_id", flat=True))
    managed = set(administered_offices(user).values_list("pk", flat=True))
    if not offices & managed or (whole_account and not offices <= managed):
        raise PermissionDenied(WORKS_ELSEWHERE)


def require_may_grant(
    user: AnyUser, *, person: User, office: Office, role: str, scope: str, child_clearance: bool,
    region_offices: list[Office] | None = None,
) -> None:  # fmt: skip
    """Nobody grants more than they hold: an office they administer, a scope no wider than theirs
    there (regions only by system administrators), a child-protection clearance they hold there;
    an administrator's role only by a system administrator; never to themselves."""
    if person.pk == user.pk:
        raise PermissionDenied(NOT_YOUR_OWN_ACCESS)
    reaches = _admin_reaches_of(user, office)
    if not reaches:
        raise PermissionDenied(OFFICE_NOT_ADMINISTERED % {"office": office.code})
    installation = any(reach.installation for reach in reaches)
    if not installation:
        if policy(role).administers:
            raise PermissionDenied(ROLE_NOT_GRANTABLE)
        if scope == Scope.REGION:
            raise PermissionDenied(REGION_NOT_GRANTABLE)
        if is_administrator_or_partner(person):
            raise PermissionDenied(ADMINISTRATOR_TARGET)
    if SCOPE_RANK[Scope(scope)] > max(reach.scope_rank for reach in reaches):
        raise PermissionDenied(SCOPE_NOT_HELD)
    for other in region_offices or []:
        require_administers(user, other)
    if child_clearance and not any(reach.children for reach in reaches):
        raise PermissionDenied(CLEARANCE_NOT_HELD)


def require_may_revoke(user: AnyUser, membership: Membership) -> None:
    if membership.user_id == user.pk:
        raise PermissionDenied(NOT_YOUR_OWN_ACCESS)
    require_administers(user, membership.office)
    if not administers_installation(user) and is_administrator_or_partner(membership.user):
        raise PermissionDenied(ADMINISTRATOR_TARGET)


def require_may_grant_partner(user: AnyUser, *, person: User, child_clearance: bool) -> None:
    """Partner organisations and their users are managed by system administrators only."""
    if person.pk == user.pk:
        raise PermissionDenied(NOT_YOUR_OWN_ACCESS)
    require_installation_administrator(user)
    if child_clearance and not any(reach.children for reach in _admin_reaches(user) if reach.installation):
        raise PermissionDenied(CLEARANCE_NOT_HELD)


# --- who is told: the recipients of notifications (pristan/notifications), by the rules above ---------


def sees_section(user: AnyUser, case: Case, section: Section) -> bool:
    """Whether the user may see this section of the case now."""
    return section in visible_sections(user, case)


def referral_section(referral: Referral) -> Section:
    """The section a notification about a referral is shown under: the summary for the whole case,
    assistance for one service. Its sentence names no kind of service; who is told is decided by
    `may_see`, which knows the referral's own sections (a medical service's is health)."""
    return Section.SUMMARY if referral.service_id is None else Section.ASSISTANCE


def _staff_reaching(office_id: int | None) -> QuerySet[User]:
    """Active users with a membership that may reach the office: in it, over a region holding it,
    or over every office. Only candidates: each is then checked by the rules above."""
    reaching = Q(memberships__office_id=office_id) | Q(memberships__scope=Scope.GLOBAL)
    reaching |= Q(memberships__scope=Scope.REGION, memberships__region_offices__id=office_id)
    return User.objects.filter(reaching, is_active=True).distinct().order_by("pk")


def referral_answerers(referral: Referral) -> list[User]:
    """Who answers this referral for its receiver (`receives_referral`) and sees it: the partner's
    users while the person's consent to referral holds, or those who change cases in the receiving
    office; children's cases only with clearance."""
    if referral.organisation_id is not None:
        candidates = User.objects.filter(is_active=True, partner_memberships__organisation_id=referral.organisation_id)
    else:
        candidates = _staff_reaching(referral.office_id)
    return [
        user for user in candidates.distinct().order_by("pk")
        if receives_referral(user, referral) and may_see(user, referral)
    ]  # fmt: skip


def transfer_deciders(transfer: Transfer) -> list[User]:
    """The supervisors of the receiving office who see the case to decide (children's cases only with clearance)."""
    return [
        user for user in _staff_reaching(transfer.to_office_id)
        if supervises_office(user, transfer.to_office) and sees_section(user, transfer.case, Section.SUMMARY)
    ]  # fmt: skip


def erasure_deciders(case: Case, *, requested_by: User) -> list[User]:
    """The data-protection focal points who may decide an erasure request made from this case: they
    see the case and their scope reaches its office; never the one who asked."""
    return [
        user for user in _staff_reaching(case.office_id)
        if user.pk != requested_by.pk and may_decide_erasure(user, case.office) and grant_for(user, case) is not None
    ]  # fmt: skip


# --- lists of records across cases (pristan/core/paging.py) --------------------------------------


def reads_in_every_reach(user: AnyUser, model: type[models.Model]) -> bool:
    """Whether every membership that gives the user case content grants every section a record of
    the model may belong to: then a list of such records across the cases the user reaches needs no
    check case by case beyond reach (My cases' overdue monitoring visits)."""
    needed = possible_sections(model)
    return not _partners(user) and all(needed <= reach.grant.sections for reach in _reaches(user))


# --- start pages (pristan/start): which panels a user's roles open ------------------------------


def may_register(user: AnyUser) -> bool:
    """Whether the user may register a person in some office (`can_register_in`): the menu offers it only then."""
    return any(reach.grant.writes and Section.SCREENING in reach.grant.sections for reach in _reaches(user))


def works_cases(user: AnyUser) -> bool:
    """Whether a membership lets the user change cases (caseworkers, supervisors, movement officers)."""
    return any(reach.grant.writes for reach in _reaches(user))


def supervises(user: AnyUser) -> bool:
    return any(reach.grant.overrides for reach in _reaches(user))


def answers_referrals(user: AnyUser) -> bool:
    """Whether referrals may await the user's answer: a partner's user, or one who changes cases."""
    return bool(_partners(user)) or works_cases(user)


# --- caseloads: who owns a case, who assigns it -------------------------------------------------


def _owning_memberships(reaching: Q) -> QuerySet[Membership]:
    """Memberships of a case-owning role (policy.owns_cases) of active users, that reach an office as
    `reaching` says (`_reaching`)."""
    roles = [role for role, rules in POLICIES.items() if rules.owns_cases and rules.writes]
    return Membership.objects.filter(reaching, role__in=roles, user__is_active=True)


def _reaching(office: Any) -> Q:
    """Memberships that reach the office (a value, a queryset of offices with `__in`, or an
    OuterRef): in it, over a region holding it, or over every office."""
    lookup = "__in" if isinstance(office, QuerySet) else ""
    return Q(**{f"office{lookup}": office}) | Q(scope=Scope.GLOBAL) | Q(scope=Scope.REGION, **{f"region_offices{lookup}": office})


def assignable_people(office: Office, *, children: bool = False) -> QuerySet[User]:
    """Who may be a caseworker (owner) of a case of the office, by surname and given name: active
    users with a membership of a case-owning role that reaches it; of a child's case (`children`),
    only those whose membership has child-protection clearance, or they could not open their own case."""
    memberships = _owning_memberships(_reaching(office.pk))
    if children:
        memberships = memberships.filter(child_clearance=True)
    return User.objects.filter(pk__in=memberships.values("user_id")).order_by("last_name", "first_name", "username")


def may_be_assigned(person: User, case: Case) -> bool:
    """Whether the person may be the case's caseworker (see `assignable_people`)."""
    return assignable_people(case.office, children=case.is_minor).filter(pk=person.pk).exists()


def ownerless_q() -> Q:
    """The cases whose owner may no longer own them in their office (left it, lost the role, was
    deactivated): unassigned, for a supervisor to hand on. Child-protection clearance aside."""
    return Q(~Exists(_owning_memberships(_reaching(OuterRef("office_id"))).filter(user_id=OuterRef("owner_id"))))


def may_assign(user: AnyUser, case: Case) -> bool:
    """Whether the user assigns the case's caseworker: a supervisor of its office who changes it."""
    return can_write(user, case, Section.SUMMARY) and supervises_office(user, case.office)


def require_assign(user: AnyUser, case: Case) -> None:
    require_write(user, case, Section.SUMMARY)
    if not supervises_office(user, case.office):
        raise PermissionDenied(ASSIGN_NOT_GRANTED)


def may_act_in_bulk(user: AnyUser) -> bool:
    """Whether the case list offers bulk actions (assign, transfer, export a selection): supervisors.
    Each case of a bulk action is still checked as if acted on alone."""
    return supervises(user)


def require_bulk(user: AnyUser) -> None:
    if not may_act_in_bulk(user):
        raise PermissionDenied(BULK_NOT_GRANTED)


def supervised_offices(user: AnyUser) -> QuerySet[Office]:
    """The offices the user supervises (for the caseworkers a bulk assignment may choose)."""
    ids: set[int] = set()
    for reach in _reaches(user):
        if not reach.grant.overrides:
            continue
        if reach.office_ids is None:
            return Office.objects.all()
        ids |= reach.office_ids
    return Office.objects.filter(pk__in=sorted(ids))


def caseworkers_of(offices: QuerySet[Office]) -> QuerySet[User]:
    """Everyone who may own cases in any of the offices (the case list's caseworker filter)."""
    memberships = _owning_memberships(_reaching(offices))
    return User.objects.filter(pk__in=memberships.values("user_id")).order_by("last_name", "first_name", "username")


# --- flags on cases (cases.models.CaseFlag) ----------------------------------------------------------


def may_flag(user: AnyUser, case: Case) -> bool:
    """Whether the user sets and removes flags on the case (its caseworkers and supervisors: policy.flags)."""
    grant = grant_for(user, case)
    return grant is not None and grant.writes and grant.flags and case.person.erased_at is None


def require_flag_write(user: AnyUser, flag: CaseFlag) -> None:
    """Refuse (403) setting or removing a flag unless the user flags the case and is granted every
    section of the flag (a medical urgency is health)."""
    require_write_record(user, flag)
    if not may_flag(user, flag.case):
        raise PermissionDenied(FLAGS_NOT_GRANTED)


def flag_kinds_to_set(user: AnyUser, case: Case) -> list[FlagKind]:
    """The kinds of flag the user may set on the case (none if they may not flag it)."""
    if not may_flag(user, case):
        return []
    granted = visible_sections(user, case)
    return [kind for kind in FlagKind if FLAG_SECTIONS.get(kind, Section.SUMMARY) in granted]


def listed_sections(user: AnyUser, case: Case) -> frozenset[Section]:
    """The sections of a case in a list that the user surely reads, known without a query: those of
    the memberships that reach it on its own columns (office, owner, child); a case reached only
    through other rows (a task, a referral, a transfer, a partner) shows just its summary, which
    every reader of a case has. Never more than `visible_sections`; for the flags on the case list."""
    sections: frozenset[Section] = frozenset({Section.SUMMARY})
    for reach in _reaches(user):
        if reach.office_ids is not None and case.office_id not in reach.office_ids:
            continue
        if (case.is_minor and not reach.children) or (reach.assigned_only and case.owner_id != user.pk):
            continue
        sections |= reach.grant.sections
    return sections


def flag_kinds_to_filter(user: AnyUser) -> list[FlagKind]:
    """The kinds of flag the user may filter the case list by: those whose section every membership
    that gives case content grants, so that a filter never tells of a flag the user may not see."""
    granted = [reach.grant.sections for reach in _reaches(user)] + [PARTNER_SECTIONS for _partner in _partners(user)]
    if not granted:
        return []
    common = frozenset.intersection(*granted)
    return [kind for kind in FlagKind if FLAG_SECTIONS.get(kind, Section.SUMMARY) in common]


def listed_sections_q(user: AnyUser) -> Q:
    """The cases whose every section of the user's roles `listed_sections` counts: those reached on
    their own columns. A filter by a flag of a section other than the summary keeps only these,
    so that it never finds a case whose flag the list would not show."""
    reach = case_reach(user)
    if reach.everything:
        return Q()
    return reach.direct if reach.direct is not None else Q(pk__in=[])


# Duplicates: review -----------------------------------------------------------------------------
#
# Possible duplicates (pristan/duplicates) are reviewed by the roles with policy.reviews_duplicates
# (supervisors, data-protection focal points), and only as pairs of two persons they both see: a
# pair with a person outside `persons_for` does not exist for them (404), whichever other pair
# they review. Nobody else reviews (403), whatever they see.

REVIEW_NOT_GRANTED = _("Only supervisors and data-protection focal points review possible duplicates.")


def may_review_duplicates(user: AnyUser) -> bool:
    """Whether a membership of the user's reviews possible duplicates (policy.reviews_duplicates)."""
    if not user.is_authenticated or not user.is_active:
        return False
    return any(
        policy(role).reviews_duplicates for role in Membership.objects.filter(user_id=user.pk).values_list("role", flat=True)
    )


def require_review_duplicates(user: AnyUser) -> None:
    if not may_review_duplicates(user):
        raise PermissionDenied(REVIEW_NOT_GRANTED)


def duplicate_pairs_for(user: AnyUser) -> QuerySet[CandidatePair]:
    """The candidate pairs (any status) whose two persons are both in `persons_for(user)`, for a
    reviewer; none for anyone else. Two semi-joins on the same set of persons."""
    if not may_review_duplicates(user):
        return CandidatePair.objects.none()
    persons = persons_for(user).values("pk")
    return CandidatePair.objects.filter(person_a__in=persons, person_b__in=persons)


def duplicate_pair_for(user: AnyUser, pk: int) -> CandidatePair:
    """A pair the user reviews: 403 for someone who reviews nothing, 404 for a pair with a person
    they may not see (or none at all)."""
    require_review_duplicates(user)
    pair = duplicate_pairs_for(user).select_related("person_a__office", "person_b__office").filter(pk=pk).first()
    if pair is None:
        raise Http404
    return pair


def duplicate_reviewers(pair: CandidatePair) -> list[User]:
    """Who is asked to check a pair (a check request from registration): the reviewers who see
    both of its persons, never the one who asked (she sees only one)."""
    offices = {pair.person_a.office_id, pair.person_b.office_id}
    candidates = User.objects.filter(
        Q(memberships__office_id__in=offices) | Q(memberships__scope=Scope.GLOBAL) | Q(memberships__scope=Scope.REGION,
          memberships__region_offices__id__in=offices), is_active=True,
    ).distinct().order_by("pk")  # fmt: skip
    return [user for user in candidates if duplicate_pairs_for(user).filter(pk=pair.pk).exists()]


def merge_record_for(user: AnyUser, pk: int) -> MergeRecord:
    """A merge the user may see and undo: a reviewer who sees its survivor (who now holds every case
    of both). 403 for someone who reviews nothing, 404 otherwise."""
    require_review_duplicates(user)
    record = (
        MergeRecord.objects.select_related("survivor", "merged")
        .filter(pk=pk, survivor__in=persons_for(user).values("pk"))
        .first()
    )
    if record is None:
        raise Http404
    return record


# Duplicates: merging
#
# Merging two records of one person (pristan/duplicates/merge.py) shows every case of both to
# whoever merges them and, after the merge, the person of each case to the readers of the others.
# So it is for a role that reviews duplicates (policy.reviews_duplicates: supervisors and
# data-protection focal points), and only where one of its memberships covers every case of both
# persons with their summary: a child's case needs child-protection clearance, another office's
# case a scope that reaches it. Being shown a case through a referral, a transfer or a partner's
# view does not count. Unmerging asks the same of the cases the survivor holds then.

MERGE_NOT_GRANTED = _("Only a supervisor or a data-protection focal point merges records of one person.")
MERGE_NOT_COVERED = _(
    "You can merge or unmerge these records only if your access covers every case of both of them: ask someone "
    "whose scope and child-protection clearance cover them all."
)


def _merge_reaches(user: AnyUser) -> list[_Reach]:
    """The user's memberships whose role reviews duplicates and reads a case's summary, resolved."""
    if not user.is_authenticated or not user.is_active:
        return []
    reaches = []
    for membership in Membership.objects.filter(user_id=user.pk):
        rules = policy(membership.role)
        if not (rules.reviews_duplicates and Section.SUMMARY in rules.sections):
            continue
        reaches.append(
            _Reach(
                office_ids=None if membership.scope == Scope.GLOBAL else membership_offices(membership),
                assigned_only=membership.scope == Scope.ASSIGNED,
                children=membership.child_clearance,
                grant=Grant(rules.sections, rules.writes, rules.overrides, rules.flags),
            )
        )
    return reaches


def require_merge(user: AnyUser, survivor: Person, other: Person) -> None:
    """Refuse (403) unless the user may merge these two persons, or unmerge them: see above."""
    reaches = _merge_reaches(user)
    if not reaches:
        raise PermissionDenied(MERGE_NOT_GRANTED)
    cases = list(Case.objects.filter(person_id__in=[survivor.pk, other.pk]).order_by("pk"))
    if not cases or not all(any(_covers(user, reach, case) for reach in reaches) for case in cases):
        raise PermissionDenied(MERGE_NOT_COVERED)
