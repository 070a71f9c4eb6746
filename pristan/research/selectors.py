"""Which cases research data may draw on."""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from pristan.cases.models import Case, ConsentEvent, ConsentPurpose
from pristan.cases.services import ELIGIBLE_DECISIONS
from pristan.core import access
from pristan.core.replica import reporting_db
from pristan.experience.models import Perpetrator, TraffickingEvent
from pristan.screening.models import Screening


def with_research_consent(cases: QuerySet[Case]) -> QuerySet[Case]:
    """The cases whose person's consent to anonymised research use is in force (the consent recorded
    last, as `cases.selectors.consent_in_force`). A supervisor's override never counts here: research
    is never urgent enough to proceed without the person."""
    latest = ConsentEvent.objects.filter(case=OuterRef("pk"), purpose=ConsentPurpose.RESEARCH).order_by("-id")
    return cases.alias(research_consent=Subquery(latest.values("given")[:1])).filter(research_consent=True)


def research_candidates(*, user: User | AnonymousUser) -> QuerySet[Case]:
    """The cases research data made by `user` draws on: those their research memberships reach
    (access.research_cases_for), with consent to research in force, of a person not erased, and
    whose latest screening found a possible or actual victim of trafficking (CTDC's dataset is
    of victims: people screened as not trafficked, or not screened yet, are left out).

    CTDC counts victims, not records: a person with several such cases (she returned, was
    trafficked again, or two records of her were merged) is one row, that of the first of them
    (opened first). A record merged into another has no case left, and is left out too."""
    decision = Screening.objects.filter(case=OuterRef("pk")).order_by("-screened_on", "-id").values("decision")[:1]
    cases = (
        with_research_consent(access.research_cases_for(user).using(reporting_db()))
        .filter(person__erased_at__isnull=True, person__merged_into__isnull=True)
        .alias(screening_decision=Subquery(decision))
        .filter(screening_decision__in=sorted(ELIGIBLE_DECISIONS))
    )
    return one_per_person(cases)


def one_per_person(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Of ``cases``, the first of each person's (the earliest opened; the first registered of a day):
    those with no earlier case of the same person among ``cases``. An anti-join, not a window
    inside ``pk IN (...)``: PostgreSQL would run that window again for every page a cursor reads."""
    earlier = cases.filter(person_id=OuterRef("person_id")).filter(
        Q(opened_on__lt=OuterRef("opened_on")) | Q(opened_on=OuterRef("opened_on"), pk__lt=OuterRef("pk"))
    )
    return cases.filter(~Exists(earlier))


def research_sources(cases: QuerySet[Case]) -> QuerySet[Case]:
    """What a CTDC row reads of each case, in a few queries; of the person only what the row uses."""
    exploitation = TraffickingEvent.objects.filter(event_type="Exploitation").only("case_id", "event_type", "country")
    return (
        cases.select_related("person", "experience")
        .only(
            "opened_on", "minor_at_exploitation", "person__key_id", "person__gender", "person__date_of_birth",
            "person__citizenships", "experience__methods_of_control", "experience__types_of_exploitation",
            "experience__forced_labour_industry", "experience__types_of_sex_exploitation",
            "experience__relationship_to_trafficker", "experience__age_when_trafficked", "experience__case_id",
        )
        .prefetch_related(
            Prefetch("events", queryset=exploitation.order_by("started_on", "id")),
            Prefetch("perpetrators", queryset=Perpetrator.objects.only("case_id", "roles")),
        )
        .order_by("pk")
    )  # fmt: skip
