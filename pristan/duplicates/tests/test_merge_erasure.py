"""Erasure and merged records (pristan/duplicates/signals.py, erasure/services.py): erasing the
survivor erases every record merged into her; a merged record is never erased on its own; an erased
person loses her match keys and leaves the review queue; nothing merged is unmerged once erased."""

import pytest
from django.core.exceptions import ValidationError

from pristan.attachments.models import Attachment
from pristan.cases.models import CaseNote
from pristan.core.models import AuditEntry
from pristan.duplicates.merge import person_merge, person_unmerge
from pristan.duplicates.models import CandidatePair, MatchKey
from pristan.duplicates.tests.test_merge import (  # noqa: F401 - fiona: a fixture
    attach,
    files,
    fiona,
    fresh,
    key_exists,
    pair_of,
    registered,
)
from pristan.erasure.services import MERGED_ON_ITS_OWN, erasure_decide, erasure_request, person_erase, sealed_records
from pristan.keystore.models import DataKey
from pristan.keystore.services import key_scope
from pristan.people.models import NameToken, Person


def merged_pair(ana, boris, sofia, *, attachment: bool = False) -> tuple[Person, Person]:
    survivor_case = registered(ana, sofia, "Ђорђе", "Јовановић")
    other_case = registered(ana, sofia, "Đorđe", "Jovanović", phone="+381 60 123 4567")
    if attachment:
        attach(other_case, ana)
    person_merge(actor=boris, survivor=survivor_case.person, other=other_case.person)
    return fresh(survivor_case.person), fresh(other_case.person)


def test_erasing_the_survivor_erases_every_record_merged_into_her(ana, boris, sofia, django_capture_on_commit_callbacks):
    survivor, merged = merged_pair(ana, boris, sofia, attachment=True)
    another = registered(ana, sofia, "Djordje", "Jovanovic").person
    with django_capture_on_commit_callbacks(execute=True):
        person_merge(actor=boris, survivor=survivor, other=another)
    assert fresh(another).key_id == survivor.key_id  # one key for the three records now
    note = CaseNote.objects.create(case=merged_case(survivor), text="Seen in Niš.", author=ana)

    with django_capture_on_commit_callbacks(execute=True):
        person_erase(actor=None, person=survivor, reason="erasure request")

    for person in (survivor, merged, another):
        person = fresh(person)
        assert person.erased_at is not None
        person_columns = next(records.columns for records in sealed_records() if records.model is Person)
        stored = Person.objects.filter(pk=person.pk).values_list(*person_columns).get()
        assert not any(stored)
        assert not NameToken.objects.filter(person=person).exists()
    assert not DataKey.objects.filter(id__in=[survivor.key_id, merged.key_id, another.key_id]).exists()
    assert not CaseNote.objects.filter(pk=note.pk).values_list("text", flat=True).get()
    attachment = Attachment.objects.get()  # the row stays, its file went with her erasure
    assert f"{attachment.file_id}.sealed" not in files()
    details = set(AuditEntry.objects.filter(action=AuditEntry.Action.DELETE).values_list("object_id", "detail"))
    assert (str(merged.pk), "erased: erased with the person merged into") in details


def merged_case(person: Person):
    return person.cases.order_by("-pk").first()


def test_a_merged_record_is_not_erased_on_its_own(ana, boris, sofia):
    survivor, merged = merged_pair(ana, boris, sofia)
    with pytest.raises(ValidationError) as refused:
        person_erase(actor=None, person=merged, reason="erasure request")
    assert refused.value.messages == [str(MERGED_ON_ITS_OWN)]
    assert "the person it was merged into" in refused.value.messages[0]
    assert fresh(merged).erased_at is None
    assert key_exists(survivor.key_id)


def test_an_erasure_request_of_a_moved_case_erases_the_survivor_and_the_merged_record(ana, boris, sofia, fiona):  # noqa: F811
    survivor, merged = merged_pair(ana, boris, sofia)
    moved = survivor.cases.order_by("pk").last()
    assert moved is not None
    request = erasure_request(actor=ana, case=moved, reason="She asked for it.")
    erasure_decide(actor=fiona, request=request, approve=True)
    assert fresh(survivor).erased_at is not None
    assert fresh(merged).erased_at is not None


def test_an_erased_person_loses_her_match_keys_and_leaves_the_review_queue(ana, boris, sofia):
    first = registered(ana, sofia, "Ivan", "Petrov").person
    second = registered(ana, sofia, "Иван", "Петров").person
    third = registered(ana, sofia, "Ivan", "Petroff").person
    MatchKey.objects.bulk_create(
        [MatchKey(person=first, key=11), MatchKey(person=second, key=11), MatchKey(person=third, key=12)]
    )
    waiting, decided = pair_of(first, second), pair_of(first, third)
    CandidatePair.objects.filter(pk=decided.pk).update(status=CandidatePair.Status.NOT_SAME)
    untouched = pair_of(second, third)

    person_erase(actor=None, person=first, reason="erasure request")

    assert set(MatchKey.objects.values_list("person_id", flat=True)) == {second.pk, third.pk}
    statuses = dict(CandidatePair.objects.values_list("pk", "status"))
    assert statuses == {
        waiting.pk: CandidatePair.Status.STALE,
        decided.pk: CandidatePair.Status.NOT_SAME,
        untouched.pk: CandidatePair.Status.OPEN,
    }


def test_nothing_is_unmerged_once_erased(ana, boris, sofia):
    survivor, merged = merged_pair(ana, boris, sofia)
    record = merged.merges_given.get()
    person_erase(actor=None, person=survivor, reason="erasure request")
    with pytest.raises(ValidationError, match="erased"):
        person_unmerge(actor=boris, record=record)
    assert fresh(merged).merged_into == survivor


def test_after_unmerge_each_record_is_erased_on_its_own(ana, boris, sofia, django_capture_on_commit_callbacks):
    survivor, merged = merged_pair(ana, boris, sofia)
    with django_capture_on_commit_callbacks(execute=True):
        person_unmerge(actor=boris, record=merged.merges_given.get())
    merged = fresh(merged)
    with django_capture_on_commit_callbacks(execute=True):
        person_erase(actor=None, person=merged, reason="erasure request")
    assert fresh(merged).erased_at is not None
    assert fresh(survivor).erased_at is None
    assert not key_exists(merged.key_id)
    with key_scope():
        assert fresh(survivor).given_name == "Ђорђе"
