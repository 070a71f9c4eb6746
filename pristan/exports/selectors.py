"""Reading for exports: which cases may be exported, what an export would hold, and past exports."""

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from pristan.cases.models import Case, ConsentEvent, ConsentOverride, ConsentPurpose
from pristan.cases.selectors import CaseFilters, case_search
from pristan.core import access
from pristan.core.models import Membership
from pristan.core.trail import audit_reach
from pristan.exports.models import ExportRecord
from pristan.people.models import Person


def with_consent_to_export(cases: QuerySet[Case]) -> QuerySet[Case]:
    """The cases among `cases` whose person's consent to export is in force, or for which a supervisor
    recorded why to export without it: `cases.selectors.may_proceed(case, "export")` for a whole list
    in one query (the consent recorded last is in force, whatever its date)."""
    latest = ConsentEvent.objects.filter(case=OuterRef("pk"), purpose=ConsentPurpose.EXPORT).order_by("-id")
    override = ConsentOverride.objects.filter(case=OuterRef("pk"), purpose=ConsentPurpose.EXPORT)
    return cases.alias(export_consent=Subquery(latest.values("given")[:1])).filter(Q(export_consent=True) | Exists(override))


def export_candidates(*, user: User | AnonymousUser, cases: QuerySet[Case]) -> QuerySet[Case]:
    """The cases among `cases` that the user may export, consent aside (see access.exportable_cases_for)."""
    return access.exportable_cases_for(user).using(cases.db).filter(pk__in=cases.values("pk"))


@dataclass(frozen=True)
class ExportPreview:
    matching: int  # cases of the search that the user may export
    with_consent: int  # of those, the cases an export would hold

    @property
    def without_consent(self) -> int:
        return self.matching - self.with_consent


def export_preview(*, user: User, filters: CaseFilters) -> ExportPreview:
    candidates = export_candidates(user=user, cases=case_search(user=user, filters=filters))
    return ExportPreview(matching=candidates.count(), with_consent=with_consent_to_export(candidates).count())


def exports_visible_to(*, user: User) -> QuerySet[ExportRecord]:
    """Past exports for those who read the audit trail: the exports made by the staff of their
    offices, or holding cases of their offices. Counts only, never the cases' content; an export
    that held a child's case is left out for a reader without clearance there (as in the trail)."""
    reach = audit_reach(user)
    records = ExportRecord.objects.select_related("actor")
    if not reach.any:
        return records.none()
    if not reach.everything:
        staff = Membership.objects.filter(office_id__in=sorted(reach.offices)).values("user_id")
        mine = ExportRecord.objects.filter(Q(actor_id__in=staff) | Q(cases__office_id__in=sorted(reach.offices)))
        records = records.filter(pk__in=mine.values("pk"))
    if not reach.children_everywhere:
        children = Case.objects.filter(Q(minor_at_registration=True) | Q(minor_at_exploitation=True))
        hidden = children.exclude(office_id__in=sorted(reach.children_in))
        records = records.exclude(pk__in=ExportRecord.cases.through.objects.filter(case__in=hidden).values("exportrecord_id"))
    return records.order_by("-created_at", "-id")


def exports_containing(*, person: Person) -> QuerySet[ExportRecord]:
    """Every export that held one of the person's cases: for the person's right to know."""
    return ExportRecord.objects.filter(cases__person=person).distinct().select_related("actor").order_by("-created_at", "-id")
