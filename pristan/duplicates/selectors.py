"""Reads for the pages of possible duplicates: the matches shown at registration, split by what the
caseworker may see; the review queue; one pair side by side. Every list starts from the access layer
(`access.persons_for`, `access.duplicate_pairs_for`)."""

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet
from django_stubs_ext import StrOrPromise

from pristan.cases.models import Case
from pristan.core import access
from pristan.core.access import AnyUser
from pristan.core.models import Office
from pristan.duplicates.models import CandidatePair, CheckRequest, MergeRecord
from pristan.duplicates.types import FIELD_LABELS, LEVEL_LABELS, Candidate, PersonData, Reason
from pristan.people.models import Person

# "A possible match exists elsewhere" only for a candidate this likely, and only when both name and
# date of birth agree: anything weaker would tell a caseworker little and let her probe the others.
ELSEWHERE_PROBABILITY = 0.95
NAME_AGREES = frozenset({"exact", "swapped", "same_parts", "similar"})
DATE_AGREES = frozenset({"exact", "estimated", "transposed"})


def propose(*, data: PersonData, exclude: Collection[int] = ()) -> list[Candidate]:
    """`pristan.duplicates.propose.candidates`: every person who may be the one described, with no
    access filtering (the callers split them). Imported when first called, so that the pages
    do not load the engine's Splink and DuckDB at start-up."""
    from pristan.duplicates import propose as engine

    return engine.candidates(data=data, exclude=exclude)


def is_strong(candidate: Candidate) -> bool:
    """Whether a candidate is likely enough to say that a match exists elsewhere."""
    levels = {reason.field: reason.level for reason in candidate.reasons}
    return (
        candidate.probability >= ELSEWHERE_PROBABILITY
        and levels.get("name") in NAME_AGREES
        and levels.get("date_of_birth") in DATE_AGREES
    )


@dataclass(frozen=True)
class ReasonLabel:
    field: StrOrPromise
    level: StrOrPromise


def reason_labels(reasons: Iterable[Reason | dict[str, str]]) -> list[ReasonLabel]:
    """What agreed, as a reader reads it (unknown codes are left out rather than shown raw)."""
    labels = []
    for reason in reasons:
        field, level = (reason.field, reason.level) if isinstance(reason, Reason) else (reason.get("field"), reason.get("level"))
        if field in FIELD_LABELS and level in LEVEL_LABELS.get(str(field), {}):
            labels.append(ReasonLabel(FIELD_LABELS[str(field)], LEVEL_LABELS[str(field)][str(level)]))
    return labels


@dataclass(frozen=True)
class MatchCard:
    """A person the caseworker may see who may be the one she is registering."""

    person: Person
    office: Office
    references: list[str]  # of the cases she sees
    reasons: list[ReasonLabel]
    probability: float


@dataclass(frozen=True)
class Matches:
    cards: list[MatchCard]
    elsewhere: bool  # a strong candidate she may not see: said in one sentence, nothing more

    @property
    def any(self) -> bool:
        return bool(self.cards) or self.elsewhere


def matches_split(*, user: AnyUser, candidates: list[Candidate]) -> Matches:
    """The candidates split by `access.persons_for(user)`: the persons she sees as cards; of the
    others, only whether a strong one exists."""
    ids = [candidate.person_id for candidate in candidates]
    visible = {
        person.pk: person
        for person in access.persons_for(user).filter(pk__in=ids, erased_at__isnull=True).select_related("office")
    }
    references: dict[int, list[str]] = {}
    for person_id, reference in (
        access.cases_for(user)
        .filter(person_id__in=list(visible))
        .order_by("opened_on", "pk")
        .values_list("person_id", "reference")
    ):
        references.setdefault(person_id, []).append(reference)
    cards = [
        MatchCard(
            person=visible[candidate.person_id],
            office=visible[candidate.person_id].office,
            references=references.get(candidate.person_id, []),
            reasons=reason_labels(candidate.reasons),
            probability=candidate.probability,
        )
        for candidate in candidates
        if candidate.person_id in visible
    ]
    elsewhere = any(is_strong(candidate) for candidate in candidates if candidate.person_id not in visible)
    return Matches(cards=cards, elsewhere=elsewhere)


def hidden_strong_candidates(*, user: AnyUser, candidates: list[Candidate]) -> list[Candidate]:
    """The strong candidates the user may not see: those a check request is about."""
    ids = [candidate.person_id for candidate in candidates]
    visible = set(access.persons_for(user).filter(pk__in=ids).values_list("pk", flat=True))
    return [candidate for candidate in candidates if candidate.person_id not in visible and is_strong(candidate)]


# --- the review queue --------------------------------------------------------------------------

QUEUE_STATUSES = {
    "open": [CandidatePair.Status.OPEN, CandidatePair.Status.UNSURE],
    "merged": [CandidatePair.Status.MERGED],
    "decided": [CandidatePair.Status.SAME, CandidatePair.Status.NOT_SAME],
}


def pair_queue(
    *, user: AnyUser, office: Office | None = None, found_by: str = "", status: str = "open"
) -> QuerySet[CandidatePair]:
    """The pairs the user reviews, check requests waiting first, then the most likely."""
    waiting = CheckRequest.objects.filter(pair=OuterRef("pk"), handled_at__isnull=True)
    pairs = access.duplicate_pairs_for(user).filter(status__in=QUEUE_STATUSES.get(status, QUEUE_STATUSES["open"]))
    if office is not None:
        pairs = pairs.filter(person_a__office=office) | pairs.filter(person_b__office=office)
    if found_by:
        pairs = pairs.filter(found_by=found_by)
    return pairs.alias(asked=Exists(waiting)).order_by("-asked", "-probability", "pk")


def queue_rows(pairs: list[CandidatePair]) -> list[CandidatePair]:
    """The page's pairs with their persons, offices and waiting check requests, in three queries."""
    persons = Person.objects.filter(pk__in={pk for pair in pairs for pk in (pair.person_a_id, pair.person_b_id)}).select_related(
        "office"
    )
    by_id = {person.pk: person for person in persons}
    asked = set(CheckRequest.objects.filter(pair__in=pairs, handled_at__isnull=True).values_list("pair_id", flat=True))
    for pair in pairs:
        pair.person_a = by_id[pair.person_a_id]
        pair.person_b = by_id[pair.person_b_id]
        setattr(pair, "asked", pair.pk in asked)  # noqa: B010 - for the rows of this page only
        setattr(pair, "reason_labels", reason_labels(pair.reasons))  # noqa: B010 - for the rows of this page only
    return pairs


# --- one pair ----------------------------------------------------------------------------------

COMPARED_FIELDS = ["given_name", "family_name", "other_names", "aliases", "name_latin", "date_of_birth", "gender", "citizenships"]


@dataclass(frozen=True)
class Side:
    person: Person
    cases: list[Case]  # the cases of the person the reviewer sees


def pair_sides(*, user: AnyUser, pair: CandidatePair) -> tuple[Side, Side]:
    cases = list(access.cases_for(user).filter(person_id__in=[pair.person_a_id, pair.person_b_id]).select_related("office"))
    return (
        Side(pair.person_a, [case for case in cases if case.person_id == pair.person_a_id]),
        Side(pair.person_b, [case for case in cases if case.person_id == pair.person_b_id]),
    )


# --- merges ------------------------------------------------------------------------------------


def merges_for(*, user: AnyUser) -> QuerySet[MergeRecord]:
    """The merges a reviewer sees, newest first: those whose survivor she sees (who holds every
    case of both). Nobody else sees any."""
    if not access.may_review_duplicates(user):
        return MergeRecord.objects.none()
    survivors = access.persons_for(user).values("pk")
    return MergeRecord.objects.filter(survivor__in=survivors).select_related("survivor__office", "merged__office", "merged_by")


def merges_into(*, user: AnyUser, person: Person) -> list[MergeRecord]:
    """The records merged into a person and not unmerged, for a reviewer (the summary of her cases
    links them: an unmerge starts there)."""
    return list(merges_for(user=user).filter(survivor=person, state=MergeRecord.State.MERGED).order_by("-merged_at", "-pk"))
