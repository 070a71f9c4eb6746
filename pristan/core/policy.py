"""What each role may do: the sections of a case it may read and change, how far it reaches by
default, and whether it sees case content at all. Data, not code paths: access.py applies it."""

from dataclasses import dataclass

from pristan.core.models import Role, Scope
from pristan.core.sections import ALL_SECTIONS, SENSITIVE, CaseSection, Section

__all__ = ["ALL_SECTIONS", "PARTNER_SECTIONS", "POLICIES", "SENSITIVE", "CaseSection", "RolePolicy", "Section", "policy"]


@dataclass(frozen=True)
class RolePolicy:
    sections: frozenset[Section]  # empty: no case content at all
    writes: bool = False
    overrides: bool = False  # approvals: consent overrides, reopening closed cases
    flags: bool = False  # sets and removes the flags of the cases it changes (cases.models.CaseFlag)
    owns_cases: bool = False  # may be a case's caseworker (HTCDS cas_CaseOwner): access.assignable_people
    reads_audit: bool = False
    exports: bool = False  # may export identifiable data (the cases it sees that have consent to export)
    decides_erasure: bool = False  # approves or refuses erasure requests (the data-protection focal point)
    research: bool = False  # may produce anonymised, k-anonymous research data (pristan/research), never case content
    reviews_duplicates: bool = False  # reviews possible duplicates of the persons it sees, merges them (pristan/duplicates)
    default_scope: Scope = Scope.OFFICE
    # Administration (pristan/administration): the people of the offices its membership reaches;
    # with `administers_installation`, every office, partner organisations, regions and administrators.
    administers: bool = False
    administers_installation: bool = False


POLICIES: dict[str, RolePolicy] = {
    Role.CASEWORKER: RolePolicy(
        ALL_SECTIONS, writes=True, flags=True, owns_cases=True, exports=True, default_scope=Scope.ASSIGNED
    ),
    Role.SUPERVISOR: RolePolicy(
        ALL_SECTIONS,
        writes=True,
        overrides=True,
        flags=True,
        owns_cases=True,
        reads_audit=True,
        exports=True,
        research=True,
        reviews_duplicates=True,
    ),
    Role.MOVEMENT_OFFICER: RolePolicy(
        frozenset({Section.SUMMARY, Section.CONSENT, Section.ASSISTANCE, Section.NOTES, Section.MOVEMENT}), writes=True
    ),
    Role.FOCAL_POINT: RolePolicy(
        frozenset({Section.SUMMARY, Section.CONSENT, Section.HISTORY}),
        reads_audit=True,
        decides_erasure=True,
        reviews_duplicates=True,
    ),
    Role.ANALYST: RolePolicy(frozenset(), research=True, default_scope=Scope.GLOBAL),
    Role.AUDITOR: RolePolicy(frozenset(), reads_audit=True),
    Role.OFFICE_ADMIN: RolePolicy(frozenset(), administers=True),
    Role.SYSTEM_ADMIN: RolePolicy(frozenset(), default_scope=Scope.GLOBAL, administers=True, administers_installation=True),
}

# A partner organisation sees who the person is and the services it was asked to provide.
PARTNER_SECTIONS = frozenset({Section.SUMMARY, Section.ASSISTANCE})


# How far each scope reaches, for "nobody grants a scope beyond their own".
SCOPE_RANK = {Scope.ASSIGNED: 0, Scope.OFFICE: 1, Scope.REGION: 2, Scope.GLOBAL: 3}


def policy(role: str) -> RolePolicy:
    return POLICIES[role]
