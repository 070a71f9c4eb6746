"""Merging two records of one person, and unmerging them exactly.

One person survives; the other's cases, identity documents and erasure requests (every row that
links to a person, found by reflection: `moved_links`) move to her, each recorded in a MergeMove, and
every record of theirs goes with its case (consents, notes, services, attachments …). The other
record is kept, marked `merged_into` her and left out of every list, never deleted.

Sealed values move under the survivor's data key: every sealed column reachable from the other
person (`erasure.services.sealed_records`) and the other's own row are sealed again under her key
(keystore/rekey.py), the attachment files of the moved cases too (attachments/rekey.py), and the
other's data key is destroyed once the merge has committed. Where the survivor's record has no value
and the other's has one (a date of birth, a phone …), she takes it; her values before are kept in
the MergeRecord (sealed under her key), so that unmerge gives them back.

Unmerge gives the merged person a new data key, moves back exactly the rows the merge moved (rows
added to the survivor since stay with her), seals them and the person's row under the new key, and
gives the survivor back the values she took, where they were not changed since. Equal afterwards:
every plaintext value, link, case reference, attachment's content, and the name and match keys;
new: the key and every ciphertext.

Consent is per case (cases/selectors.py), so a merge changes no consent in force: the preview
computes it for each case before and after and shows it. Names of fields and ids go into the audit
trail, never values.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any
from uuid import UUID

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pristan.attachments.models import Attachment
from pristan.attachments.rekey import attachments_reseal
from pristan.cases import selectors as case_selectors
from pristan.cases.models import Case, ConsentPurpose
from pristan.core import access
from pristan.core.audit import audit_record
from pristan.core.models import AuditEntry, Office
from pristan.duplicates import keys
from pristan.duplicates.models import CandidatePair, MatchKey, MergeMove, MergeRecord
from pristan.erasure.services import rows_of, sealed_records
from pristan.keystore.rekey import reseal
from pristan.keystore.services import create_data_key, destroy_data_key, key_scope, preload
from pristan.people.models import IdentityDocument, NameToken, Person
from pristan.people.rules import NAME_FIELDS, PERSON_FIELDS
from pristan.people.services import index_names

SAME_PERSON = _("A record cannot be merged into itself.")
ERASED = _("The identifying data of one of these persons was erased: erased records are not merged or unmerged.")
ALREADY_MERGED = _("One of these records was already merged into another: merge into the record it survives in.")
HOLDS_MERGED = _(
    "Other records were merged into the record that would be merged away: keep it as the one that survives, "
    "or unmerge them first."
)
NOT_MERGED = _("This merge was already undone.")
PAIR_OF_OTHERS = _("This possible duplicate is about other persons.")

# The links to a person that a merge leaves where they are: the match and name keys are rebuilt,
# the pairs and merges are about the two records themselves. Every other link moves (`moved_links`).
KEPT_LINKS = frozenset(
    {
        ("people.Person", "merged_into"),
        ("people.NameToken", "person"),
        ("duplicates.MatchKey", "person"),
        ("duplicates.CandidatePair", "person_a"),
        ("duplicates.CandidatePair", "person_b"),
        ("duplicates.MergeRecord", "survivor"),
        ("duplicates.MergeRecord", "merged"),
    }
)
# The values the survivor takes from the other record where she has none (never the names: hers stay
# as written, and so do her name keys). The estimate of a date of birth goes with the date.
FILLED_FIELDS = tuple(name for name in PERSON_FIELDS if name not in NAME_FIELDS and name != "date_of_birth_estimated")


def moved_links() -> list[tuple[type[models.Model], str]]:
    """Every (model, foreign key to Person) whose rows a merge moves to the survivor."""
    found = []
    for relation in Person._meta.related_objects:
        model = relation.related_model
        assert isinstance(model, type)
        if (model._meta.label, relation.field.name) not in KEPT_LINKS:
            found.append((model, relation.field.name))
    return sorted(found, key=lambda link: (link[0]._meta.label, link[1]))


# --- the preview ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsentLine:
    purpose: str  # ConsentPurpose value
    label: str
    before: bool | None  # the consent in force: given, withdrawn, None when nothing was recorded
    after: bool | None
    may_proceed_before: bool  # consent in force, or a supervisor's recorded override
    may_proceed_after: bool

    @property
    def changes(self) -> bool:
        return (self.before, self.may_proceed_before) != (self.after, self.may_proceed_after)


@dataclass(frozen=True)
class CaseLine:
    case: Case
    side: str  # "survivor" or "other"
    consents: tuple[ConsentLine, ...]

    @property
    def reference(self) -> str:
        return self.case.reference

    @property
    def office(self) -> Office:
        return self.case.office

    @property
    def stage(self) -> str:
        return self.case.stage


@dataclass(frozen=True)
class DocumentLine:
    document: IdentityDocument  # its number is for the page to show, where it may
    side: str


@dataclass(frozen=True)
class NewlySeen:
    """The users of `office` (those who see its cases) will see, after the merge, the person of the
    cases `references` (until now another record), with her documents."""

    office: Office
    references: tuple[str, ...]


@dataclass(frozen=True)
class MergePreview:
    survivor: Person
    other: Person
    cases: tuple[CaseLine, ...]
    documents: tuple[DocumentLine, ...]
    differing_fields: tuple[str, ...]  # names of the person's fields whose values differ (never the values)
    filled_fields: tuple[str, ...]  # the survivor's empty fields she takes from the other
    newly_seen: tuple[NewlySeen, ...]

    @property
    def consent_changes(self) -> bool:
        return any(line.changes for case in self.cases for line in case.consents)


def _consents(case: Case, person: Person) -> tuple[ConsentLine, ...]:
    """The consent in force for each purpose, for the case as it is and as it will be once its
    person is `person`: computed again, by the same selectors, on the case as the merge leaves it."""
    moved = Case(pk=case.pk, person=person, office_id=case.office_id)
    before, after = case_selectors.consents_for(case), case_selectors.consents_for(moved)
    lines = []
    for purpose, label in ConsentPurpose.choices:
        was, will = before[purpose], after[purpose]
        lines.append(
            ConsentLine(
                purpose=purpose,
                label=str(label),
                before=None if was is None else was.given,
                after=None if will is None else will.given,
                may_proceed_before=case_selectors.may_proceed(case, purpose),
                may_proceed_after=case_selectors.may_proceed(moved, purpose),
            )
        )
    return tuple(lines)


def _value(person: Person, name: str) -> Any:
    value = getattr(person, name)
    return list(value) if isinstance(value, list) else value


def _empty(value: Any) -> bool:
    return value in ("", None, [])


def _filled(survivor: Person, other: Person) -> list[str]:
    return [name for name in FILLED_FIELDS if _empty(_value(survivor, name)) and not _empty(_value(other, name))]


def merge_preview(*, actor: User, survivor: Person, other: Person) -> MergePreview:
    """What merging `other` into `survivor` would do, for the confirmation page. Refused as the
    merge itself would be (403, or a ValidationError)."""
    access.require_merge(actor, survivor, other)
    _check(survivor, other)
    with key_scope():
        preload([key for key in (survivor.key_id, other.key_id) if key is not None])
        cases = list(
            Case.objects.filter(person__in=[survivor, other]).select_related("office", "person").order_by("opened_on", "pk")
        )
        lines = tuple(
            CaseLine(case=case, side="survivor" if case.person_id == survivor.pk else "other", consents=_consents(case, survivor))
            for case in cases
        )
        documents = tuple(
            DocumentLine(document=document, side="survivor" if document.person_id == survivor.pk else "other")
            for document in IdentityDocument.objects.filter(person__in=[survivor, other]).order_by("person_id", "pk")
        )
        differing = tuple(name for name in PERSON_FIELDS if _value(survivor, name) != _value(other, name))
        filled = tuple(_filled(survivor, other))
    return MergePreview(
        survivor=survivor, other=other, cases=lines, documents=documents, differing_fields=differing,
        filled_fields=filled, newly_seen=_newly_seen(lines),
    )  # fmt: skip


def _newly_seen(lines: tuple[CaseLine, ...]) -> tuple[NewlySeen, ...]:
    offices = {line.case.office_id: line.case.office for line in lines}
    sides = {side: {line.case.office_id for line in lines if line.side == side} for side in ("survivor", "other")}
    found = []
    for office_id, office in sorted(offices.items()):
        for side, across in (("survivor", "other"), ("other", "survivor")):
            if office_id in sides[side] and office_id not in sides[across]:
                references = tuple(line.reference for line in lines if line.side == across)
                found.append(NewlySeen(office=office, references=references))
    return tuple(found)


# --- merge and unmerge ----------------------------------------------------------------------------


def _check(survivor: Person, other: Person) -> None:
    if survivor.pk == other.pk:
        raise ValidationError(SAME_PERSON)
    if survivor.erased_at is not None or other.erased_at is not None:
        raise ValidationError(ERASED)
    if survivor.merged_into_id is not None or other.merged_into_id is not None:
        raise ValidationError(ALREADY_MERGED)
    if MergeRecord.objects.filter(survivor=other, state=MergeRecord.State.MERGED).exists():
        raise ValidationError(HOLDS_MERGED)


def _locked(*persons: Person) -> dict[int, Person]:
    """The persons' rows locked until the transaction ends, always in the order of their ids, so
    that two merges of the same records wait for each other instead of deadlocking."""
    ids = sorted({person.pk for person in persons})
    rows = {person.pk: person for person in Person.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    return {pk: rows[pk] for pk in ids}


def _reseal_person(person: Person, key_id: UUID) -> None:
    """Seal every sealed value reachable from `person` (their row, their documents, their cases and
    every record of them) again under the data key `key_id`."""
    for records in sealed_records():
        reseal(rows=rows_of(records, person), columns=records.columns, key_id=key_id)


def _names_and_keys(person: Person) -> None:
    index_names(person)
    keys.keys_write(person=person, data=keys.person_data(person))


@contextmanager
def _files_removed_on_failure(written: list[Path]) -> Iterator[None]:
    """The new attachment files of a merge or an unmerge that fails are deleted (the transaction
    rolls back the rows that would have held them)."""
    try:
        yield
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _from_json(name: str, value: Any) -> Any:
    return date.fromisoformat(value) if name == "date_of_birth" and value else value


@transaction.atomic
def person_merge(*, actor: User, survivor: Person, other: Person, pair: CandidatePair | None = None) -> MergeRecord:
    """Merge `other` into `survivor`: see the module's docstring. Refused (403) unless the actor may
    merge both (access.require_merge); refused (ValidationError) for the same record, an erased one,
    one already merged, or an `other` that holds merged records itself."""
    access.require_merge(actor, survivor, other)
    locked = _locked(survivor, other)
    if survivor.pk == other.pk:
        raise ValidationError(SAME_PERSON)
    survivor, other = locked[survivor.pk], locked[other.pk]
    _check(survivor, other)
    if pair is not None and {pair.person_a_id, pair.person_b_id} != {survivor.pk, other.pk}:
        raise ValidationError(PAIR_OF_OTHERS)
    assert survivor.key_id is not None
    assert other.key_id is not None
    old_key = other.key_id
    written: list[Path] = []
    with key_scope(), _files_removed_on_failure(written):
        preload([survivor.key_id, old_key])
        filled = _filled(survivor, other)
        before = {name: _json(_value(survivor, name)) for name in filled}
        if "date_of_birth" in filled:
            before["date_of_birth_estimated"] = survivor.date_of_birth_estimated
        record = MergeRecord.objects.create(
            survivor=survivor, merged=other, pair=pair, merged_by=actor, merged_key_id=old_key,
            survivor_before=json.dumps(before, sort_keys=True) if before else "",
        )  # fmt: skip
        # First everything of the other's under the survivor's key, while the rows are still found
        # through the other; then the links move.
        _reseal_person(other, survivor.key_id)
        written += attachments_reseal(attachments=Attachment.objects.filter(case__person=other), key_id=survivor.key_id)
        moves = _move(record, source=other, target=survivor)
        for name in before:
            setattr(survivor, name, getattr(other, name))
        if before:
            survivor.save(update_fields=list(before))
        now = timezone.now()
        Person.objects.filter(pk=other.pk).update(merged_into=survivor, merged_at=now, key_id=survivor.key_id)
        other.merged_into, other.merged_at, other.key_id = survivor, now, survivor.key_id
        NameToken.objects.filter(person=other).delete()
        MatchKey.objects.filter(person=other).delete()
        _names_and_keys(survivor)
        _pairs_after_merge(pair, survivor, other)
        _audit(actor, AuditEntry.Action.MERGE, survivor, other, moves, list(before), record)
    transaction.on_commit(partial(destroy_data_key, old_key), robust=True)
    return record


def _move(record: MergeRecord, *, source: Person, target: Person) -> dict[str, list[int]]:
    """Move every row linked to `source` (`moved_links`) to `target`, recording each in a MergeMove."""
    moves: dict[str, list[int]] = {}
    for model, field in moved_links():
        rows = model._default_manager.filter(**{field: source})
        ids = sorted(rows.values_list("pk", flat=True))
        if not ids:
            continue
        rows.update(**{field: target})
        moves[model._meta.label] = ids
        MergeMove.objects.bulk_create(MergeMove(merge=record, model=model._meta.label, object_id=pk, field=field) for pk in ids)
    return moves


def _pairs_after_merge(pair: CandidatePair | None, survivor: Person, other: Person) -> None:
    """The pair of the two (the one given, or the one the queue holds) is `merged`; every other pair
    of the record merged away still to review is `stale` (it is no longer proposed: its cases are the
    survivor's now)."""
    first, second = sorted([survivor.pk, other.pk])
    merged = CandidatePair.objects.filter(person_a_id=first, person_b_id=second)
    merged.update(status=CandidatePair.Status.MERGED, updated_at=timezone.now())
    if pair is not None:
        pair.status = CandidatePair.Status.MERGED
    open_pairs = CandidatePair.objects.filter(
        models.Q(person_a=other) | models.Q(person_b=other), status=CandidatePair.Status.OPEN
    )
    open_pairs.update(status=CandidatePair.Status.STALE, updated_at=timezone.now())


def _audit(
    actor: User, action: str, survivor: Person, other: Person, moves: dict[str, list[int]], restored: list[str],
    record: MergeRecord,
) -> None:  # fmt: skip
    """One entry for each person and for each case moved: names of what moved and ids, never a value."""
    verb = "merged into" if action == AuditEntry.Action.MERGE else "unmerged from"
    accessors = {
        relation.related_model._meta.label: relation.get_accessor_name() or relation.field.name
        for relation in Person._meta.related_objects
        if isinstance(relation.related_model, type)
    }
    moved = sorted(accessors.get(label, label) for label in moves)
    audit_record(
        actor=actor, action=action, obj=other, office=other.office,
        fields=[*moved, "key_id", "merged_into"], detail=f"{verb} {survivor.pk} (merge {record.pk})",
    )  # fmt: skip
    audit_record(
        actor=actor, action=action, obj=survivor, office=survivor.office,
        fields=[*moved, *restored], detail=f"{other.pk} {verb} this record (merge {record.pk})",
    )  # fmt: skip
    for case in Case.objects.filter(pk__in=moves.get("cases.Case", [])).select_related("office").order_by("pk"):
        audit_record(
            actor=actor, action=action, obj=case, case=case, fields=["person"],
            detail=f"person {other.pk} {verb} {survivor.pk} (merge {record.pk})",
        )  # fmt: skip


@transaction.atomic
def person_unmerge(*, actor: User, record: MergeRecord) -> None:
    """Undo a merge: see the module's docstring. Refused (403) as a merge of the two would be, and
    once either person has been erased or the merge was already undone."""
    survivor, merged = record.survivor, record.merged
    access.require_merge(actor, survivor, merged)
    locked = _locked(survivor, merged)
    survivor, merged = locked[survivor.pk], locked[merged.pk]
    record = MergeRecord.objects.select_for_update().get(pk=record.pk)
    if survivor.erased_at is not None or merged.erased_at is not None:
        raise ValidationError(ERASED)
    if record.state != MergeRecord.State.MERGED or merged.merged_into_id != survivor.pk:
        raise ValidationError(NOT_MERGED)
    assert survivor.key_id is not None
    written: list[Path] = []
    with key_scope(), _files_removed_on_failure(written):
        preload([survivor.key_id])
        new_key = create_data_key()
        moves = _move_back(record, survivor=survivor, merged=merged)
        Person.objects.filter(pk=merged.pk).update(merged_into=None, merged_at=None, key_id=new_key)
        merged.merged_into, merged.merged_at, merged.key_id = None, None, new_key
        _reseal_person(merged, new_key)
        written += attachments_reseal(attachments=Attachment.objects.filter(case__person=merged), key_id=new_key)
        merged = Person.objects.get(pk=merged.pk)  # its values as now sealed, under the new key
        restored = _restore_survivor(record, survivor, merged)
        _names_and_keys(survivor)
        _names_and_keys(merged)
        record.state, record.unmerged_by, record.unmerged_at = MergeRecord.State.UNMERGED, actor, timezone.now()
        record.save(update_fields=["state", "unmerged_by", "unmerged_at"])
        if record.pair_id is not None:
            CandidatePair.objects.filter(pk=record.pair_id, status=CandidatePair.Status.MERGED).update(
                status=CandidatePair.Status.OPEN, updated_at=timezone.now()
            )
        _audit(actor, AuditEntry.Action.UNMERGE, survivor, merged, moves, restored, record)


def _move_back(record: MergeRecord, *, survivor: Person, merged: Person) -> dict[str, list[int]]:
    """Move back exactly the rows the merge moved, where they are still the survivor's."""
    links = {model._meta.label: (model, field) for model, field in moved_links()}
    wanted: dict[tuple[str, str], list[int]] = {}
    for label, field, object_id in record.moves.order_by("pk").values_list("model", "field", "object_id"):
        wanted.setdefault((label, field), []).append(object_id)
    moves: dict[str, list[int]] = {}
    for (label, field), ids in sorted(wanted.items()):
        model = links[label][0] if label in links else None
        if model is None:
            continue
        rows = model._default_manager.filter(pk__in=ids, **{field: survivor})
        found = sorted(rows.values_list("pk", flat=True))
        if found:
            rows.update(**{field: merged})
            moves[label] = found
    return moves


def _restore_survivor(record: MergeRecord, survivor: Person, merged: Person) -> list[str]:
    """Give the survivor back the values she had before the merge, for each value she took from the
    merged record and still holds unchanged (one changed since is hers)."""
    before: dict[str, Any] = json.loads(record.survivor_before) if record.survivor_before else {}
    restored = []
    for name, value in before.items():
        if name == "date_of_birth_estimated":
            continue
        if _value(survivor, name) != _value(merged, name):
            continue
        setattr(survivor, name, _from_json(name, value))
        restored.append(name)
        if name == "date_of_birth" and "date_of_birth_estimated" in before:
            survivor.date_of_birth_estimated = before["date_of_birth_estimated"]
            restored.append("date_of_birth_estimated")
    if restored:
        survivor.save(update_fields=restored)
    return restored
