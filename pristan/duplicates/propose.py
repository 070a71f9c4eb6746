"""Possible matches for the person being registered or imported: who shares match keys with the
values typed (one query over MatchKey, never opening anyone else), then the best of them opened
and scored with the model the scan uses (levels.py, from the saved m and u). No access filtering
here: the caller splits the candidates by `access.persons_for` and shows the others only as "a
possible match exists elsewhere"."""

from __future__ import annotations

from collections.abc import Collection

from django.conf import settings
from django.db.models import Count, Q

from pristan.core import crypto
from pristan.core.crypto import Keyring
from pristan.duplicates import levels, matching
from pristan.duplicates.extract import COMPARED
from pristan.duplicates.keys import NAME_KINDS, full_name, match_keys_by_kind, persons_opened
from pristan.duplicates.models import MatchKey
from pristan.duplicates.scan import current_model
from pristan.duplicates.types import Candidate, PersonData
from pristan.keystore.services import key_scope, keyring
from pristan.people.models import Person

__all__ = ["SHORTLIST", "candidates"]

# Persons sharing the most keys, opened and scored: the one typed in another script, spelling or
# order shares nearly all her name keys, and opening is what a keystroke costs (0.1-0.2 ms a person
# on SQLite). Measured on 30,000 synthetic persons, typing the second record of 300 planted pairs:
# 25 find the first as often as 50 did (250 of 300), 15 miss one more.
SHORTLIST = 25
# The model read last, by the id of its row (None: the starting model), with its scorer: a model is
# parsed and its weights computed once, not at every keystroke.
_loaded: dict[int | None, tuple[matching.Model, levels.Scorer]] = {}


def _model() -> tuple[matching.Model, levels.Scorer, int]:
    """The scan's latest model, its scorer and how many persons it was trained on, or the starting
    model before any scan (a fresh installation: no frequencies then)."""
    row = current_model()
    key = None if row is None else row.pk
    if key not in _loaded:
        model = matching.default_model() if row is None else matching.Model.from_json(row.settings_json)
        _loaded.clear()
        _loaded[key] = (model, levels.Scorer(model))
    model, scorer = _loaded[key]
    return model, scorer, 0 if row is None else row.persons


def _shortlist(ring: Keyring, data: PersonData, exclude: Collection[int]) -> list[int]:
    """The persons sharing the most name and document keys with ``data``; a shared birth date only
    breaks ties (a date on its own would shortlist everyone born that day). Read from the index on
    (key, person) alone: erased and merged persons are left out when the shortlist is opened."""
    keys = match_keys_by_kind(ring, data)
    strong = [key for key, kind in keys if kind in NAME_KINDS]
    if not strong:
        return []
    rows = (
        MatchKey.objects.filter(key__in=[key for key, _kind in keys])
        .exclude(person__in=list(exclude))
        .values("person")
        .annotate(strong=Count("id", filter=Q(key__in=strong)), shared=Count("id"))
        .filter(strong__gt=0)
        .order_by("-strong", "-shared", "person")[:SHORTLIST]
    )
    return [row["person"] for row in rows]


def _frequency(ring: Keyring, data: PersonData, model: matching.Model, persons: int, *, registered: bool = False) -> float | None:
    """How common a name is (matching.name_frequency), counting the one typed as if she were
    registered (the scan counts both records of a pair; ``registered``: the name is a registered
    person's, counted already): from the counts of its "mf" key and of the "mt" keys of its parts,
    in one query."""
    name = full_name(data)
    if not name or not persons:
        return None
    added = 0 if registered else 1
    parts = [part for part in matching.record_row(0, data)["gf_parts"] if len(part) >= matching.MIN_PART]
    name_key = crypto.index_hash(ring, "mf", name)
    part_keys = {crypto.index_hash(ring, "mt", part): part for part in parts}
    counts = dict(MatchKey.objects.filter(key__in=[name_key, *part_keys]).values_list("key").annotate(carrying=Count("id")))
    carrying = counts.get(name_key, 0) + added
    if model.independence is None:  # a model trained before parts were counted
        return carrying / (persons + added)
    return matching.name_frequency(
        parts=parts,
        carrying=carrying,
        part_counts={part: counts.get(key, 0) + added for key, part in part_keys.items()},
        records=persons + added,
        independence=model.independence,
    )


def candidates(*, data: PersonData, exclude: Collection[int] = (), limit: int = 20) -> list[Candidate]:
    """Every person who may be the one ``data`` describes, best first, at or above
    PRISTAN_DUPLICATES_PROPOSE; never an erased person or one merged into another."""
    ring = keyring()
    ids = _shortlist(ring, data, exclude)
    if not ids:
        return []
    model, scorer, trained_on = _model()
    typed = matching.record_row(0, data)
    found: list[Candidate] = []
    frequency: float | None = None
    counted = False  # the name's frequency is read once, and only for a pair whose level weighs by it
    with key_scope():
        live = Person.objects.filter(pk__in=ids, erased_at__isnull=True, merged_into__isnull=True)
        persons = list(live.only(*COMPARED))  # the other sealed columns stay unread
        for person, values in persons_opened(persons):
            row = matching.record_row(person.pk, values)
            probability, weight, reasons = scorer.score(typed, row)
            if scorer.weighs_by_frequency(reasons):
                if not counted:
                    frequency, counted = _frequency(ring, data, model, trained_on), True
                pair_frequency = frequency
                if row[matching.FREQUENCY_COLUMN] != typed[matching.FREQUENCY_COLUMN]:
                    # Names that differ (the same parts, one with a part more): the commoner of the
                    # two, as the scan weighs them (Splink's term-frequency adjustment takes the larger).
                    theirs = _frequency(ring, values, model, trained_on, registered=True)
                    pair_frequency = max((f for f in (frequency, theirs) if f is not None), default=None)
                probability, weight, reasons = scorer.score(typed, row, frequency=pair_frequency)
            if probability >= settings.PRISTAN_DUPLICATES_PROPOSE:
                found.append(Candidate(person_id=person.pk, probability=probability, match_weight=weight, reasons=reasons))
    found.sort(key=lambda candidate: (-candidate.match_weight, candidate.person_id))
    return found[:limit]
