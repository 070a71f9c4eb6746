"""Rows of an import that may be persons already in Pristan.

The check looks every new row up (`pristan.duplicates.propose.candidates`) and splits what it finds
as registration does, by `access.persons_for(actor)`: a person the importer may see is offered on
the preview ("link to this person": the row's case is opened for her, no new person), one she may
not see is never named; a strong one (`duplicates.selectors.is_strong`, as at registration) only
makes the row say that a possible match exists elsewhere, and becomes a candidate pair for the
reviewers once the import is written. Each check's look-ups are audited, as registration's are.

What the check found waits for the confirmation beside the upload, sealed under the upload's own
key (a person id is no value of a record, but which rows of a file match whom is nobody else's
business), and goes with it: the key is destroyed when the import ends or is discarded. The choices
made on the preview are checked against it, and again against the access layer when written.

An import may hold tens of thousands of rows: only the first LOOKUP_LIMIT new rows are looked up,
and the page says so when more were left out (the nightly scan finds those).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils.translation import gettext_lazy

from pristan.core import access, crypto
from pristan.core.audit import audit_record
from pristan.core.models import AuditEntry, Office
from pristan.core.sealed_file import SealedWriter, open_sealed
from pristan.duplicates import propose
from pristan.duplicates.models import CandidatePair
from pristan.duplicates.selectors import is_strong
from pristan.duplicates.types import Candidate, PersonData
from pristan.interchange import uploads
from pristan.interchange.records import person_data
from pristan.keystore.services import data_key
from pristan.people.models import Person

LOOKUP_LIMIT = 1000  # new rows looked up per import: 35 ms of CPU or more each (README, "Duplicates")
CANDIDATES_PER_ROW = 3  # the best ones: a row is one person, so a fourth candidate helps nobody choose

LINK_REFUSED = gettext_lazy("Row %(row)s: the person chosen is not one of the possible matches shown for it. Choose again.")
LINK_GONE = gettext_lazy(
    "A person some rows were to be linked to can no longer be linked (merged, erased, or no longer in your "
    "cases). Nothing was imported: upload the file again."
)


@dataclass
class Seen:
    """A person the importer may see, proposed for a row."""

    person: int
    probability: float
    reasons: list[dict[str, str]]


@dataclass
class Hidden:
    """A person the importer may not see: kept for the reviewers' pair, never shown."""

    person: int
    probability: float
    match_weight: float
    reasons: list[dict[str, str]]


@dataclass
class RowMatches:
    row: int
    external_id: str
    seen: list[Seen] = field(default_factory=list)
    hidden: list[Hidden] = field(default_factory=list)


@dataclass
class Matches:
    rows: list[RowMatches] = field(default_factory=list)
    looked_up: int = 0  # new rows looked up
    left_out: int = 0  # new rows beyond LOOKUP_LIMIT, not looked up
    links: dict[str, int] = field(default_factory=dict)  # external id → person, chosen on the preview

    @property
    def offered(self) -> list[RowMatches]:
        return [row for row in self.rows if row.seen]

    @property
    def elsewhere(self) -> int:
        """Rows with a possible match only where the importer cannot see."""
        return sum(1 for row in self.rows if row.hidden and not row.seen)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def of_json(cls, data: Mapping[str, Any]) -> Matches:
        rows = [
            RowMatches(
                row=row["row"], external_id=row["external_id"], seen=[Seen(**each) for each in row["seen"]],
                hidden=[Hidden(**each) for each in row["hidden"]],
            )
            for row in data.get("rows", [])
        ]  # fmt: skip
        links = {str(external_id): int(person) for external_id, person in data.get("links", {}).items()}
        return cls(rows=rows, looked_up=data.get("looked_up", 0), left_out=data.get("left_out", 0), links=links)


def described(record: Mapping[str, Any]) -> PersonData:
    """What a row of the file says of its person, as duplicate finding compares it."""
    values = person_data(dict(record))
    born = values.get("date_of_birth")
    return PersonData(
        given_name=values.get("given_name") or "", family_name=values.get("family_name") or "",
        other_names=values.get("other_names") or "", date_of_birth=born if isinstance(born, date) else None,
        gender=values.get("gender") or "", citizenships=tuple(values.get("citizenships") or ()),
    )  # fmt: skip


class Lookup:
    """The check's look-ups: rows are added as they are read, and resolved a batch at a time (one
    access query per batch, not one per row)."""

    def __init__(self, actor: User) -> None:
        self.actor = actor
        self.matches = Matches()
        self._pending: list[tuple[int, str, list[Candidate]]] = []

    def add(self, row: int, external_id: str, record: Mapping[str, Any]) -> None:
        if self.matches.looked_up >= LOOKUP_LIMIT:
            self.matches.left_out += 1
            return
        self.matches.looked_up += 1
        found = propose.candidates(data=described(record), limit=CANDIDATES_PER_ROW)
        if found:
            self._pending.append((row, external_id, found))

    def resolve(self) -> None:
        if not self._pending:
            return
        wanted = {candidate.person_id for _, _, found in self._pending for candidate in found}
        visible = set(access.persons_for(self.actor).filter(pk__in=wanted).values_list("pk", flat=True))
        for row, external_id, found in self._pending:
            matches = RowMatches(row=row, external_id=external_id)
            for candidate in found:
                reasons = [reason.as_json() for reason in candidate.reasons]
                if candidate.person_id in visible:
                    matches.seen.append(Seen(candidate.person_id, candidate.probability, reasons))
                elif is_strong(candidate):  # as at registration: a weaker one would let a file probe the others
                    matches.hidden.append(Hidden(candidate.person_id, candidate.probability, candidate.match_weight, reasons))
            if matches.seen or matches.hidden:
                self.matches.rows.append(matches)
        self._pending = []


# Kept beside the upload, sealed under its key


def _path(job_id: UUID) -> Path:
    return uploads.directory() / f"{job_id}.matches"


def _aad(job_id: UUID) -> bytes:
    return f"pristan.interchange.matches:{job_id}".encode()


def matches_save(*, job_id: UUID, key_id: UUID | None, matches: Matches) -> None:
    key = data_key(key_id) if key_id else None
    if key is None or key_id is None:
        raise crypto.SealError("The upload's key is gone.")
    path = _path(job_id)
    temporary = path.with_suffix(".tmp")
    with temporary.open("wb") as handle:
        writer = SealedWriter(handle, key_id, key, _aad(job_id))
        writer.write(json.dumps(matches.as_json()).encode())
        writer.close()
    temporary.replace(path)


def matches_load(*, job_id: UUID, key_id: UUID | None) -> Matches:
    """What the check found; nothing when it found nothing (or the import has ended)."""
    key = data_key(key_id) if key_id else None
    path = _path(job_id)
    if key is None or not path.exists():
        return Matches()
    with open_sealed(path, key, _aad(job_id)) as handle:
        return Matches.of_json(json.loads(handle.read()))


def matches_discard(*, job_id: UUID) -> None:
    _path(job_id).unlink(missing_ok=True)


def links_choose(*, actor: User, matches: Matches, chosen: Mapping[str, str]) -> dict[str, int]:
    """The preview's choices (``link-<row>`` → a person id, or empty for a new person), checked: only
    a person offered for that row, and still one the actor may see. ValidationError otherwise."""
    offered = {row.row: row for row in matches.offered}
    links: dict[str, int] = {}
    errors: list[ValidationError] = []
    for name, value in chosen.items():
        if not name.startswith("link-") or not value:
            continue
        number = name.removeprefix("link-")
        row = offered.get(int(number)) if number.isdigit() else None
        person = int(value) if value.isdigit() else None
        if row is None or person is None or person not in {seen.person for seen in row.seen}:
            errors.append(ValidationError(LINK_REFUSED, code="link", params={"row": number}))
            continue
        links[row.external_id] = person
    if errors:
        raise ValidationError(errors)
    if links and _linkable(actor, links.values()).count() != len(set(links.values())):
        raise ValidationError(LINK_GONE, code="link_gone")
    return links


def _linkable(actor: User, ids: Iterable[int]) -> Any:
    return access.persons_for(actor).filter(pk__in=set(ids), merged_into__isnull=True, erased_at__isnull=True)


def linked_persons(*, actor: User, links: Mapping[str, int]) -> dict[str, Person]:
    """The persons rows are linked to, checked again when the import is written (ValidationError if
    one can no longer be linked: the whole import stops, nothing written)."""
    if not links:
        return {}
    persons = {person.pk: person for person in _linkable(actor, links.values())}
    if len(persons) != len(set(links.values())):
        raise ValidationError(LINK_GONE, code="link_gone")
    return {external_id: persons[pk] for external_id, pk in links.items()}


def pairs_record(*, actor: User, office: Office, hidden: Iterable[tuple[int, Hidden]]) -> int:
    """Candidate pairs for the reviewers: each new person and a possible match the importer could not
    see (found_by "import"); an existing pair is left as it is (decided or not). In the import's
    transaction, after its persons are written."""
    wanted = list(hidden)
    alive = set(
        Person.objects.filter(
            pk__in={match.person for _, match in wanted}, merged_into__isnull=True, erased_at__isnull=True
        ).values_list("pk", flat=True)
    )
    made = 0
    for new_person, match in wanted:
        if match.person not in alive or match.person == new_person:
            continue
        a, b = sorted((new_person, match.person))
        pair, created = CandidatePair.objects.get_or_create(
            person_a_id=a, person_b_id=b,
            defaults={
                "probability": match.probability, "match_weight": match.match_weight, "reasons": match.reasons,
                "found_by": CandidatePair.FoundBy.IMPORT,
            },
        )  # fmt: skip
        if created:
            made += 1
            _audit(actor, office, pair)
    return made


def _audit(actor: User, office: Office, pair: Model) -> None:
    audit_record(
        actor=actor, action=AuditEntry.Action.CREATE, obj=pair, office=office, fields=["person_a", "person_b"],
        detail="possible duplicate found by import",
    )  # fmt: skip
