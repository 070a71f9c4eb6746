"""What a user does with possible duplicates: looks them up while registering (audited, limited),
opens a new case for a returning person, asks for a check of a match she may not see, and decides
a pair. Access first (pristan/core/access.py), then the rules, then the write and its audit entry,
in one transaction."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pristan.cases.models import Case
from pristan.cases.services import case_open, case_register
from pristan.core import access
from pristan.core.audit import audit_record, audit_record_nowait
from pristan.core.models import MATCH_LOOKUP, AuditEntry, Office
from pristan.duplicates import selectors
from pristan.duplicates.models import CandidatePair, CheckRequest, PairDecision
from pristan.duplicates.types import PersonData
from pristan.notifications import services as notifications
from pristan.people.models import Person

# A caseworker looks up while she types (every pause of 400 ms in a name): this many look-ups in
# the window are plenty for several registrations, and few enough that "a possible match exists
# elsewhere" cannot be used to probe who is registered in other offices.
LOOKUPS_PER_WINDOW = 120
LOOKUP_WINDOW = timedelta(minutes=10)
LOOKUP_DETAIL = MATCH_LOOKUP  # its entries have an index of their own, for the count

TOO_MANY_LOOKUPS = _("You looked for possible matches too often in a short time. Wait a few minutes, then go on.")
PERSON_ERASED = _("This person's identifying data was erased: no new case can be opened for them.")
PAIR_DECIDED = _("This pair was already merged or is no longer proposed: nothing was changed.")
UNKNOWN_DECISION = _("Choose one of the decisions offered.")
DECISION_STATUS = {
    PairDecision.Decision.SAME: CandidatePair.Status.SAME,
    PairDecision.Decision.NOT_SAME: CandidatePair.Status.NOT_SAME,
    PairDecision.Decision.UNSURE: CandidatePair.Status.UNSURE,
}
DECIDABLE = (CandidatePair.Status.OPEN, CandidatePair.Status.UNSURE, CandidatePair.Status.SAME, CandidatePair.Status.NOT_SAME)


class TooManyLookups(PermissionDenied):
    """The user's look-ups in the window are used up."""


@transaction.atomic
def matches_look_up(*, actor: User, data: PersonData, ip: str | None = None) -> selectors.Matches:
    """The possible matches of what a caseworker typed, split by what she may see. Each look-up is
    audited (its fields, never what was typed) and counted against her limit."""
    since = timezone.now() - LOOKUP_WINDOW
    done = AuditEntry.objects.filter(actor_id=actor.pk, action=AuditEntry.Action.VIEW, detail=LOOKUP_DETAIL, at__gte=since)
    if done.count() >= LOOKUPS_PER_WINDOW:
        raise TooManyLookups(TOO_MANY_LOOKUPS)
    audit_record_nowait(
        actor=actor, action=AuditEntry.Action.VIEW, obj=actor, fields=["possible_matches"], detail=LOOKUP_DETAIL, ip=ip
    )
    return selectors.matches_split(user=actor, candidates=selectors.propose(data=data))


@transaction.atomic
def returning_case_open(*, actor: User, person: Person, office: Office) -> Case:
    """A new case for a person already registered (a returning person keeps one identity and her
    earlier cases): only for a person the caseworker sees, in an office where she registers."""
    if not access.persons_for(actor).filter(pk=person.pk).exists():
        raise Http404
    if person.erased_at is not None:
        raise PermissionDenied(PERSON_ERASED)
    return case_open(actor=actor, person=person, office=office)


def _pair_of(first: int, second: int, *, probability: float, match_weight: float, reasons: list[dict[str, str]]) -> CandidatePair:
    a, b = sorted((first, second))
    pair, created = CandidatePair.objects.select_for_update().get_or_create(
        person_a_id=a,
        person_b_id=b,
        defaults={
            "probability": probability,
            "match_weight": match_weight,
            "reasons": reasons,
            "found_by": CandidatePair.FoundBy.REGISTRATION,
        },
    )
    if not created and pair.status == CandidatePair.Status.STALE:
        pair.status = CandidatePair.Status.OPEN
        pair.save(update_fields=["status", "updated_at"])
    return pair


@transaction.atomic
def check_request_create(*, actor: User, person: Person, data: PersonData) -> list[CheckRequest]:
    """The caseworker who registered `person` asks someone who sees both to check the strong
    matches she was told exist elsewhere. Which ones is recomputed here from what she typed, never
    taken from the form; the reviewers who see both are notified. Nothing of the other record
    reaches her, not even how many there were."""
    case = access.cases_for(actor).filter(person=person).order_by("-pk").first()
    if case is None or not access.can_write(actor, case):
        raise Http404
    hidden = selectors.hidden_strong_candidates(user=actor, candidates=selectors.propose(data=data, exclude=[person.pk]))
    made = []
    for candidate in hidden:
        pair = _pair_of(
            person.pk, candidate.person_id, probability=candidate.probability, match_weight=candidate.match_weight,
            reasons=[reason.as_json() for reason in candidate.reasons],
        )  # fmt: skip
        check = CheckRequest.objects.create(pair=pair, asked_by=actor, office=case.office)
        audit_record(
            actor=actor, action=AuditEntry.Action.CREATE, obj=check, case=case, office=case.office,
            fields=["pair"], detail="duplicate check requested",
        )  # fmt: skip
        notifications.notify_duplicate_check(pair=pair)
        made.append(check)
    return made


@dataclass(frozen=True)
class Registration:
    """What registration's first step came to: a new case, or the possible matches to show first."""

    case: Case | None
    matches: selectors.Matches | None


def register_unless_matched(
    *, actor: User, office: Office, data: dict[str, Any], compared: PersonData, seen: bool, ask_check: bool, ip: str | None
) -> Registration:
    """Registration's first step with the look-up before it: a person is created only when nothing
    matches what was typed, or when the caseworker has seen the matches (``seen``) and goes on."""
    matches = None if seen else matches_look_up(actor=actor, data=compared, ip=ip)
    if matches is not None and matches.any:
        return Registration(case=None, matches=matches)
    case = case_register_checked(actor=actor, office=office, data=data, ask_check=ask_check, compared=compared)
    return Registration(case=case, matches=matches)


@transaction.atomic
def case_register_checked(*, actor: User, office: Office, data: dict[str, Any], ask_check: bool, compared: PersonData) -> Case:
    """Registration's first step (cases.services.case_register) and, when the caseworker asked for
    it, the check of the matches she was told exist elsewhere: together or not at all."""
    case = case_register(actor=actor, office=office, data=data)
    if ask_check:
        check_request_create(actor=actor, person=case.person, data=compared)
    return case


@transaction.atomic
def pair_decide(*, actor: User, pair: CandidatePair, decision: str) -> PairDecision:
    """A reviewer's decision on a pair she sees both persons of: appended, the pair's status set,
    its waiting check requests handled, audited."""
    locked = access.duplicate_pairs_for(actor).select_for_update().filter(pk=pair.pk).first()
    if locked is None:
        access.require_review_duplicates(actor)
        raise Http404
    if decision not in DECISION_STATUS:
        raise ValidationError({"decision": UNKNOWN_DECISION})
    if locked.status not in DECIDABLE:
        raise ValidationError(PAIR_DECIDED)
    made = PairDecision.objects.create(pair=locked, decided_by=actor, decision=decision)
    before = locked.status
    locked.status = DECISION_STATUS[PairDecision.Decision(decision)]
    locked.save(update_fields=["status", "updated_at"])
    now = timezone.now()
    locked.check_requests.filter(handled_at__isnull=True).update(handled_by=actor, handled_at=now)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=locked,
        fields=["status"],
        detail=f"duplicate pair: {before} → {locked.status}",
    )
    pair.status = locked.status
    return made
