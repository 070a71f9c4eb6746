"""Match keys: the keyed hashes a person may be found by as a possible duplicate, read without
opening any record (the blocking of registration proposals, see propose.py).

Each key is `crypto.index_hash` of a folded value under a kind of its own, never the value:

* ``mt`` each folded name part of three letters or more, from every name field;
* ``md`` each one-letter deletion of a part of five letters or more (and the part itself), so a
  part one typo away meets it (a letter wrong, missing, extra, or two swapped);
* ``mb`` the birth year with the unordered pair of day and month, so that a date with day and month
  transposed meets the right one;
* ``mn`` a document number, upper case, letters and digits only;
* ``mf`` the given and family name parts together, sorted: how many persons carry a name is the
  count of its key, which weighs an agreement on a rare name above one on a common name.

A change to the folding changes every key: `keys_rebuild` (``pristan duplicates reindex``) writes
them again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from functools import lru_cache
from typing import Any, Protocol

from django.db import transaction

from pristan.core import crypto
from pristan.core.crypto import Keyring
from pristan.core.names import search_tokens
from pristan.duplicates.models import MatchKey
from pristan.duplicates.types import PersonData
from pristan.keystore.services import key_scope, keyring, preload_for
from pristan.people.models import IdentityDocument, Person

__all__ = [
    "KEY_KINDS",
    "MIN_DELETION",
    "MIN_PART",
    "KeyMaker",
    "keys_rebuild",
    "keys_refresh",
    "keys_write",
    "match_keys",
    "name_parts",
    "normalised_document",
    "person_data",
]

MIN_PART = 3  # shorter parts (initials, particles) would put half the register in one block
MIN_DELETION = 5  # one letter off a shorter part meets too many other names
KEY_KINDS = ("mt", "md", "mb", "mn", "mf")
NAME_KINDS = frozenset({"mt", "md", "mn"})  # what propose.py ranks by; "mb" only breaks ties
BATCH = 2000
_NOT_DOCUMENT_RE = re.compile(r"[^0-9A-Z]+")


class _PersonLike(Protocol):
    """A Person, or a migration's historical Person (no methods, the same fields)."""

    given_name: str
    family_name: str
    other_names: str
    aliases: str
    date_of_birth: date | None
    date_of_birth_estimated: bool
    gender: str
    citizenships: Any


def name_parts(data: PersonData) -> list[str]:
    """The folded parts of all the person's names, in order, without repeats."""
    return search_tokens(data.given_name, data.family_name, data.other_names, data.aliases)


def normalised_document(number: str) -> str:
    return _NOT_DOCUMENT_RE.sub("", number.upper())


def _deletions(part: str) -> set[str]:
    return {part[:index] + part[index + 1 :] for index in range(len(part))}


def _name_entries(text: str) -> set[tuple[str, str]]:
    entries: set[tuple[str, str]] = set()
    for part in search_tokens(text):
        if len(part) >= MIN_PART:
            entries.add(("mt", part))
        if len(part) >= MIN_DELETION:
            entries |= {("md", variant) for variant in {part} | _deletions(part)}
    return entries


def _date_and_document_entries(data: PersonData) -> set[tuple[str, str]]:
    entries: set[tuple[str, str]] = set()
    born = data.date_of_birth
    if born is not None:
        low, high = sorted((born.day, born.month))
        entries.add(("mb", f"{born.year}:{low}:{high}"))
    entries |= {("mn", number) for number in map(normalised_document, data.document_numbers) if number}
    return entries


def full_name(data: PersonData) -> str:
    """The given and family name parts, sorted (matching.record_row's ``name_sorted``)."""
    return " ".join(sorted(set(_tokens(data.given_name)) | set(_tokens(data.family_name))))


@lru_cache(maxsize=16384)
def _tokens(text: str) -> tuple[str, ...]:
    return tuple(search_tokens(text))  # names repeat: each is folded once


def _other_entries(data: PersonData) -> set[tuple[str, str]]:
    entries = _date_and_document_entries(data)
    name = full_name(data)
    if name:
        entries.add(("mf", name))
    return entries


def _entries(data: PersonData) -> set[tuple[str, str]]:
    names = (data.given_name, data.family_name, data.other_names, data.aliases)
    return set().union(*(_name_entries(text) for text in names if text), _other_entries(data))


def match_keys(data: PersonData) -> set[int]:
    """The match keys of the values ``data`` holds."""
    return {key for key, _kind in match_keys_by_kind(keyring(), data)}


def match_keys_by_kind(ring: Keyring, data: PersonData) -> set[tuple[int, str]]:
    return {(crypto.index_hash(ring, kind, text), kind) for kind, text in _entries(data)}


class KeyMaker:
    """Match keys for many persons (imports, the demo, a rebuild): the same as `match_keys`, with
    the keys of each name field remembered for the fields met last, because names repeat and each
    part is keyed on its own (so the union of the fields' keys is the person's)."""

    CACHED = 4096

    def __init__(self, ring: Keyring) -> None:
        self._ring = ring
        self._names: dict[str, frozenset[int]] = {}

    def _of_name(self, text: str) -> frozenset[int]:
        found = self._names.get(text)
        if found is None:
            if len(self._names) >= self.CACHED:
                self._names.clear()
            found = self._names[text] = frozenset(
                crypto.index_hash(self._ring, kind, value) for kind, value in _name_entries(text)
            )
        return found

    def of(self, data: PersonData) -> set[int]:
        keys = {crypto.index_hash(self._ring, kind, value) for kind, value in _other_entries(data)}
        for text in (data.given_name, data.family_name, data.other_names, data.aliases):
            if text:
                keys |= self._of_name(text)
        return keys


def data_of(person: _PersonLike, document_numbers: Iterable[str]) -> PersonData:
    """The compared values of an opened person (a Person, or a migration's historical one)."""
    return PersonData(
        given_name=person.given_name or "",
        family_name=person.family_name or "",
        other_names=person.other_names or "",
        aliases=person.aliases or "",
        date_of_birth=person.date_of_birth or None,
        date_of_birth_estimated=bool(person.date_of_birth_estimated),
        gender=person.gender or "",
        citizenships=tuple(person.citizenships or ()),
        document_numbers=tuple(number for number in document_numbers if number),
    )


def person_data(person: Person) -> PersonData:
    """One person's compared values, opened (inside a key scope) with her documents' numbers."""
    return data_of(person, [document.number for document in person.documents.all()])


def keys_write(*, person: Person, data: PersonData) -> None:
    """Replace the person's match keys with those of ``data`` (her values now)."""
    MatchKey.objects.filter(person=person).delete()
    MatchKey.objects.bulk_create(MatchKey(person=person, key=key) for key in match_keys(data))


def keys_refresh(person: Person) -> None:
    """Write the person's match keys from her values now (the people services call this wherever
    names, the date of birth or documents change; inside a key scope, as a request is)."""
    keys_write(person=person, data=person_data(person))


def persons_opened(persons: Sequence[Person]) -> Iterator[tuple[Person, PersonData]]:
    """The persons of one batch with their values: their keys preloaded in one query, their
    documents in another (call inside a key scope)."""
    numbers: dict[int, list[Any]] = {}
    documents = list(IdentityDocument.objects.filter(person__in=[person.pk for person in persons]).only("person", "number"))
    preload_for([*persons, *documents])
    for document in documents:
        numbers.setdefault(document.person_id, []).append(document.number)
    for person in persons:
        yield person, data_of(person, numbers.get(person.pk, []))


def keys_rebuild() -> int:
    """Write every person's match keys again (after a change to the folding); erased and merged
    persons keep none. Returns how many persons were indexed. Batch by batch, each in its own
    transaction, so a large register does not hold one long lock."""
    maker, done, last = KeyMaker(keyring()), 0, 0
    with key_scope():
        while True:
            persons = list(
                Person.objects.filter(pk__gt=last, erased_at__isnull=True, merged_into__isnull=True).order_by("pk")[:BATCH]
            )
            if not persons:
                break
            last = persons[-1].pk
            with transaction.atomic():
                MatchKey.objects.filter(person__in=[person.pk for person in persons]).delete()
                rows = [MatchKey(person_id=each.pk, key=key) for each, data in persons_opened(persons) for key in maker.of(data)]
                MatchKey.objects.bulk_create(rows, batch_size=BATCH)
            done += len(persons)
        MatchKey.objects.filter(person__erased_at__isnull=False).delete()
        MatchKey.objects.filter(person__merged_into__isnull=False).delete()
    return done
