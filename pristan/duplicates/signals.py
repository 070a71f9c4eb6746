"""What duplicate finding does when a person is erased (`erasure.signals.person_erased`, inside the
erasing transaction): the records merged into her are erased with her (their cases and data are
hers); the match keys of an erased person are deleted, as her name keys are, and the pairs still to
review that involve her are closed: an erased person is never proposed."""

from typing import Any

from django.db.models import Q
from django.utils import timezone

from pristan.duplicates.models import CandidatePair, MatchKey
from pristan.people.models import Person

MERGED_WITH_SURVIVOR = "erased with the person merged into"


def erasure_of_person(*, person: Person, actor: Any = None, **kwargs: Any) -> None:
    from pristan.erasure.services import person_erase  # erasure imports the apps that receive its signal

    MatchKey.objects.filter(person=person).delete()
    waiting = (CandidatePair.Status.OPEN, CandidatePair.Status.UNSURE, CandidatePair.Status.SAME)
    CandidatePair.objects.filter(Q(person_a=person) | Q(person_b=person), status__in=waiting).update(
        status=CandidatePair.Status.STALE, updated_at=timezone.now()
    )
    for merged in Person.objects.filter(merged_into=person, erased_at__isnull=True).order_by("pk"):
        person_erase(actor=actor, person=merged, reason=MERGED_WITH_SURVIVOR, with_survivor=True)
