"""Possible duplicates in the demo, planted the way offices make them, then found by the scan.

The same person registered again in another script, in another office, in the Bulgarian "Iordan"
or the Macedonian "Gjorgji" spelling, with given and family name swapped, a child with day and
month swapped; a brother and sister born
the same day that a supervisor already decided are two persons; and two records of one woman
merged, so that the person page offers to unmerge them. Every record is registered through the
services, as its office's staff would; the scan (`duplicates.scan.scan_all`) then fills the review
queue of the supervisors and the data-protection focal point, and the caseworker in Sofia who
registers "Đorđe Jovanović" is shown Ђорђе Јовановић of her office.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import User
from django.db import transaction

from pristan.cases.services import case_open
from pristan.core.models import Office
from pristan.duplicates import levels, matching
from pristan.duplicates.keys import person_data
from pristan.duplicates.merge import person_merge
from pristan.duplicates.models import CandidatePair, PairDecision
from pristan.duplicates.scan import current_model, scan_all
from pristan.duplicates.services import pair_decide
from pristan.keystore.services import key_scope
from pristan.people.models import Person
from pristan.people.services import person_register


@dataclass(frozen=True)
class Record:
    office: str  # demo office code
    registrar: str  # the demo account who registers her
    given_name: str
    family_name: str
    born: date
    gender: str
    citizenship: str


SOFIA, SARAJEVO = "caseworker.sofia", "supervisor.sarajevo"  # Sarajevo's caseworker has no child clearance
# Pairs of records of one person (the second is the one registered again).
SAME_PERSON: tuple[tuple[Record, Record], ...] = (
    # In Sofia's office (where its caseworker is shown him at registration) and again in Sarajevo.
    (
        Record("SOF", SOFIA, "Ђорђе", "Јовановић", date(1990, 4, 12), "Masculine", "RS"),
        Record("SJJ", SARAJEVO, "Đorđe", "Jovanović", date(1990, 4, 12), "Masculine", "RS"),
    ),
    # Bulgarian Й written as the national scheme writes it, in the same office.
    (
        Record("SOF", SOFIA, "Йордан", "Стефанов", date(1987, 9, 23), "Masculine", "BG"),
        Record("SOF", SOFIA, "Iordan", "Stefanov", date(1987, 9, 23), "Masculine", "BG"),
    ),
    # Given and family name swapped, in the same office.
    (
        Record("SOF", SOFIA, "Мариана", "Димитрова", date(2001, 8, 17), "Feminine", "BG"),
        Record("SOF", SOFIA, "Dimitrova", "Mariana", date(2001, 8, 17), "Feminine", "BG"),
    ),
    # Macedonian Ѓ, in Skopje and in Sofia.
    (
        Record("SKP", "caseworker.skopje", "Ѓорѓи", "Трајковски", date(1993, 2, 14), "Masculine", "MK"),
        Record("SOF", SOFIA, "Gjorgji", "Trajkovski", date(1993, 2, 14), "Masculine", "MK"),
    ),
    # A child, day and month swapped, in Sarajevo (its caseworker without clearance sees neither).
    (
        Record("SJJ", SARAJEVO, "Емина", "Хоџић", date(2013, 6, 3), "Feminine", "BA"),
        Record("SJJ", SARAJEVO, "Emina", "Hodžić", date(2013, 3, 6), "Feminine", "BA"),
    ),
)
# A brother and a sister born the same day: proposed, and decided "not the same" by a supervisor.
TWINS = (
    Record("SOF", SOFIA, "Саша", "Николов", date(1999, 5, 10), "Masculine", "BG"),
    Record("SOF", SOFIA, "Саша", "Николова", date(1999, 5, 10), "Feminine", "BG"),
)
# Two records of one woman, merged by Sofia's supervisor: her person page offers to unmerge them.
MERGED = (
    Record("SOF", SOFIA, "Елена", "Попова", date(1996, 11, 30), "Feminine", "BG"),
    Record("SOF", SOFIA, "Elena", "Popova", date(1996, 11, 30), "Feminine", "BG"),
)
REVIEWER = "supervisor.sofia"


def _register(record: Record, offices: dict[str, Office], users: dict[str, User]) -> Person:
    actor, office = users[record.registrar], offices[record.office]
    data = {
        "given_name": record.given_name, "family_name": record.family_name, "date_of_birth": record.born,
        "gender": record.gender, "citizenships": [record.citizenship],
    }  # fmt: skip
    person = person_register(actor=actor, office=office, data=data)
    case_open(actor=actor, person=person, office=office)
    return person


def _pair(first: Person, second: Person) -> CandidatePair:
    """The pair of two records as the scan left it; one the scan did not propose, scored by the same model."""
    a, b = sorted((first.pk, second.pk))
    found = CandidatePair.objects.filter(person_a_id=a, person_b_id=b).first()
    if found is not None:
        return found
    row = current_model()
    model = matching.Model.from_json(row.settings_json) if row is not None else matching.default_model()
    with key_scope():
        left, right = (matching.record_row(person.pk, person_data(person)) for person in (first, second))
        probability, weight, reasons = levels.Scorer(model).score(left, right)
    return CandidatePair.objects.create(
        person_a_id=a, person_b_id=b, probability=probability, match_weight=weight,
        reasons=[reason.as_json() for reason in reasons], found_by=CandidatePair.FoundBy.SCAN, model=row,
    )  # fmt: skip


def add_demo_duplicates(*, offices: dict[str, Office], users: dict[str, User]) -> None:
    """Plant the possible duplicates, scan everyone, and decide and merge one pair each."""
    with transaction.atomic():
        for first, second in SAME_PERSON:
            _register(first, offices, users)
            _register(second, offices, users)
        twins = [_register(record, offices, users) for record in TWINS]
        merged = [_register(record, offices, users) for record in MERGED]
    scan_all()
    reviewer = users[REVIEWER]
    with transaction.atomic():
        pair_decide(actor=reviewer, pair=_pair(*twins), decision=PairDecision.Decision.NOT_SAME)
        person_merge(actor=reviewer, survivor=merged[0], other=merged[1], pair=_pair(*merged))
