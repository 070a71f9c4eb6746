"""Merging two records of one person and unmerging them (pristan/duplicates/merge.py): who may,
what moves, what is sealed again under which key, and that unmerge gives back exactly what there was."""

import threading
from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from conftest import member
from pristan.attachments.models import Attachment, AttachmentKind
from pristan.attachments.services import attachment_add as attachment_add_service
from pristan.attachments.services import attachment_open, sealed_upload_of
from pristan.cases import services as case_services
from pristan.cases.models import Case, CaseNote, ConsentPurpose
from pristan.core import access, crypto
from pristan.core.models import AuditEntry, Office, Role
from pristan.core.shared import shared_directory
from pristan.duplicates import merge as merging
from pristan.duplicates.merge import merge_preview, moved_links, person_merge, person_unmerge
from pristan.duplicates.models import CandidatePair, MatchKey, MergeMove, MergeRecord
from pristan.erasure.models import ErasureRequest
from pristan.erasure.services import rows_of, sealed_records
from pristan.keystore.models import DataKey
from pristan.keystore.services import key_scope
from pristan.people.models import IdentityDocument, NameToken, Person
from pristan.people.rules import PERSON_FIELDS
from pristan.people.services import document_add, person_register
from pristan.screening.services import screening_record

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40  # sniffed as PNG by its signature
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


# --- the world ------------------------------------------------------------------------------------


@pytest.fixture
def sasha(sofia: Office) -> User:
    """A supervisor of Sofia without child-protection clearance."""
    return member("sasha", sofia, Role.SUPERVISOR, child_clearance=False)


@pytest.fixture
def gala(sofia: Office) -> User:
    """A supervisor whose scope is every office, with child-protection clearance."""
    return member("gala", sofia, Role.SUPERVISOR, scope="global")


@pytest.fixture
def fiona(sofia: Office) -> User:
    """Sofia's data-protection focal point."""
    return member("fiona", sofia, Role.FOCAL_POINT)


def registered(actor: User, office: Office, given_name: str, family_name: str, **data: Any) -> Case:
    """A person registered and a case opened for them, through the real services."""
    data.setdefault("date_of_birth", date(1996, 5, 4))
    data.setdefault("citizenships", ["BG"])
    person = person_register(actor=actor, office=office, data={"given_name": given_name, "family_name": family_name, **data})
    return case_services.case_open(actor=actor, person=person, office=office)


def another_case(actor: User, person: Person, office: Office) -> Case:
    return case_services.case_open(actor=actor, person=person, office=office)


def attach(case: Case, actor: User, data: bytes = PNG, name: str = "photo.png") -> Attachment:
    upload = sealed_upload_of(case=case, name=name, data=data)
    return attachment_add_service(actor=actor, case=case, upload=upload, kind=AttachmentKind.PHOTO, subject="case")


def pair_of(a: Person, b: Person) -> CandidatePair:
    first, second = sorted([a, b], key=lambda person: person.pk)
    return CandidatePair.objects.create(
        person_a=first, person_b=second, probability=0.99, match_weight=12.0, found_by=CandidatePair.FoundBy.SCAN
    )


def fresh(person: Person) -> Person:
    return Person.objects.get(pk=person.pk)


def snapshot(person: Person) -> dict[str, Any]:
    """Everything a merge moves and unmerge gives back: the plaintext of every sealed column of every
    row reachable from the person, the links, the person's other fields, the case references, the name
    and match keys, and the attachments' content."""
    with key_scope():
        person = fresh(person)
        sealed = {}
        for records in sealed_records():
            if records.model is MergeRecord:
                continue  # the merges themselves: not the person's records
            for row in rows_of(records, person).order_by("pk"):
                sealed[(records.model._meta.label, row.pk)] = tuple(getattr(row, column) for column in records.columns)
        links = {
            model._meta.label: sorted(model._default_manager.filter(**{field: person}).values_list("pk", flat=True))
            for model, field in moved_links()
        }
        attachments = {}
        for attachment in Attachment.objects.filter(case__person=person).select_related("case__person"):
            with attachment_open(attachment=attachment) as stream:
                attachments[attachment.pk] = stream.read()
        return {
            "fields": {name: getattr(person, name) for name in PERSON_FIELDS},
            "office": person.office_id,
            "merged_into": person.merged_into_id,
            "sealed": sealed,
            "links": links,
            "references": sorted(person.cases.values_list("reference", flat=True)),
            "name_tokens": sorted(NameToken.objects.filter(person=person).values_list("token", flat=True)),
            "match_keys": sorted(MatchKey.objects.filter(person=person).values_list("key", flat=True)),
            "attachments": attachments,
        }


def key_ids_of(person: Person) -> set[Any]:
    """The data keys every sealed value reachable from the person is sealed with."""
    found = set()
    for records in sealed_records():
        if records.model is MergeRecord:
            continue
        for values in rows_of(records, person).values_list(*records.columns):
            found |= {crypto.blob_key_id(bytes(value)) for value in values if value}
    return found


def key_exists(key_id: UUID | None) -> bool:
    return key_id is not None and DataKey.objects.filter(id=key_id).exists()


def files() -> set[str]:
    return {path.name for path in shared_directory("attachments").glob("*.sealed")}


# --- what moves, and under which key ----------------------------------------------------------------


def test_every_link_to_a_person_is_moved_or_kept_on_purpose():
    """A new model linking to a person is moved by a merge unless KEPT_LINKS says otherwise: this
    list changes only when someone decided what a merge does with it."""
    assert [(model._meta.label, field) for model, field in moved_links()] == [
        ("cases.Case", "person"),
        ("erasure.ErasureRequest", "person"),
        ("people.IdentityDocument", "person"),
    ]


def test_a_merge_moves_the_others_cases_documents_and_records_under_the_survivors_key(
    ana, boris, sofia, django_capture_on_commit_callbacks
):
    survivor_case = registered(ana, sofia, "Ђорђе", "Јовановић")
    other_case = registered(ana, sofia, "Đorđe", "Jovanović", date_of_birth=None, phone="+381 60 123 4567")
    survivor, other = survivor_case.person, other_case.person
    document = document_add(actor=ana, case=other_case, data={"kind": "passport", "number": "RS1234567"})
    note = case_services.note_add(actor=ana, case=other_case, text="Met at the bus station in Niš.")
    attachment = attach(other_case, ana)
    pair = pair_of(survivor, other)
    old_key = other.key_id

    with django_capture_on_commit_callbacks(execute=True):
        record = person_merge(actor=boris, survivor=survivor, other=other, pair=pair)

    other, survivor = fresh(other), fresh(survivor)
    assert other.merged_into == survivor
    assert other.merged_at is not None
    assert other.key_id == survivor.key_id
    assert record.merged_key_id == old_key
    assert not key_exists(old_key)
    assert set(survivor.cases.all()) == {survivor_case, other_case}
    assert list(survivor.documents.all()) == [document]
    assert key_ids_of(survivor) == {survivor.key_id}
    with key_scope():
        assert CaseNote.objects.get(pk=note.pk).text == "Met at the bus station in Niš."
        assert IdentityDocument.objects.get(pk=document.pk).number == "RS1234567"
        assert fresh(other).given_name == "Đorđe"  # the merged record is kept, sealed under her key
        assert survivor.phone == "+381 60 123 4567"  # she had none: she takes the other's
        assert survivor.given_name == "Ђорђе"  # her names stay as written
        with attachment_open(attachment=Attachment.objects.get(pk=attachment.pk)) as stream:
            assert stream.read() == PNG
    assert files() == {f"{Attachment.objects.get(pk=attachment.pk).file_id}.sealed"}  # the old file deleted on commit
    assert not NameToken.objects.filter(person=other).exists()
    assert NameToken.objects.filter(person=survivor).exists()
    assert CandidatePair.objects.get(pk=pair.pk).status == CandidatePair.Status.MERGED
    moved = set(MergeMove.objects.filter(merge=record).values_list("model", "object_id"))
    assert moved == {("cases.Case", other_case.pk), ("people.IdentityDocument", document.pk)}


def test_a_merge_is_audited_for_both_persons_and_each_moved_case_without_values(ana, boris, sofia):
    survivor = registered(ana, sofia, "Ђорђе", "Јовановић").person
    other_case = registered(ana, sofia, "Đorđe", "Jovanović", date_of_birth=None)
    record = person_merge(actor=boris, survivor=survivor, other=other_case.person)
    entries = AuditEntry.objects.filter(action=AuditEntry.Action.MERGE, actor=boris)
    assert {(entry.object_type, entry.object_id) for entry in entries} == {
        ("people.person", str(survivor.pk)), ("people.person", str(other_case.person.pk)), ("cases.case", str(other_case.pk))
    }  # fmt: skip
    for entry in entries:
        text = " ".join([*entry.fields, entry.detail])
        assert "Jovanovi" not in text
        assert "Јовановић" not in text
        assert "1996" not in text
        assert f"merge {record.pk}" in entry.detail
    assert AuditEntry.objects.get(action=AuditEntry.Action.MERGE, object_type="cases.case").case == other_case


def test_the_old_key_is_destroyed_only_once_the_merge_commits(ana, boris, sofia, django_capture_on_commit_callbacks):
    survivor = registered(ana, sofia, "Ivan", "Petrov").person
    other = registered(ana, sofia, "Иван", "Петров").person
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        person_merge(actor=boris, survivor=survivor, other=other)
        assert key_exists(other.key_id)
    for callback in callbacks:
        callback()
    assert not key_exists(other.key_id)


def test_a_merge_rolled_back_destroys_no_key_and_leaves_no_file(
    ana, boris, sofia, monkeypatch, django_capture_on_commit_callbacks
):
    survivor = registered(ana, sofia, "Ivan", "Petrov").person
    other_case = registered(ana, sofia, "Иван", "Петров")
    attachment = attach(other_case, ana)
    before, held = snapshot(other_case.person), files()

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(merging, "_pairs_after_merge", broken)  # fails after every row and file was re-sealed
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        person_merge(actor=boris, survivor=survivor, other=other_case.person)
    assert callbacks == []
    assert key_exists(other_case.person.key_id)
    assert files() == held == {f"{attachment.file_id}.sealed"}
    assert snapshot(other_case.person) == before
    assert not MergeRecord.objects.exists()


# --- who may merge ---------------------------------------------------------------------------------


def test_a_caseworker_may_not_merge(ana, sofia):
    survivor = registered(ana, sofia, "Ivan", "Petrov").person
    other = registered(ana, sofia, "Иван", "Петров").person
    with pytest.raises(PermissionDenied, match="Only a supervisor or a data-protection focal point"):
        person_merge(actor=ana, survivor=survivor, other=other)
    with pytest.raises(PermissionDenied):
        merge_preview(actor=ana, survivor=survivor, other=other)
    assert fresh(other).merged_into is None


def test_a_childs_case_needs_child_protection_clearance(ana, boris, sasha, sofia):
    child = registered(ana, sofia, "Ana", "Petrova", date_of_birth=date(2015, 3, 1))
    assert child.is_minor
    other = registered(ana, sofia, "Ана", "Петрова", date_of_birth=date(2015, 3, 1)).person
    with pytest.raises(PermissionDenied, match="child-protection clearance"):
        person_merge(actor=sasha, survivor=other, other=child.person)
    with pytest.raises(PermissionDenied):
        merge_preview(actor=sasha, survivor=child.person, other=other)
    assert fresh(child.person).merged_into is None
    person_merge(actor=boris, survivor=other, other=child.person)
    assert fresh(child.person).merged_into == other


def test_another_offices_case_needs_a_scope_that_covers_it(ana, boris, gala, marko, sofia, skopje):
    survivor = registered(ana, sofia, "Ivan", "Petrov").person
    other = registered(marko, skopje, "Иван", "Петров", citizenships=["MK"]).person
    with pytest.raises(PermissionDenied, match="covers every case"):
        person_merge(actor=boris, survivor=survivor, other=other)
    with pytest.raises(PermissionDenied):
        person_merge(actor=boris, survivor=other, other=survivor)
    person_merge(actor=gala, survivor=survivor, other=other)
    assert fresh(other).merged_into == survivor


def test_a_focal_point_whose_scope_covers_both_may_merge(ana, fiona, sofia):
    survivor = registered(ana, sofia, "Ivan", "Petrov").person
    other = registered(ana, sofia, "Иван", "Петров").person
    person_merge(actor=fiona, survivor=survivor, other=other)
    assert fresh(other).merged_into == survivor


def test_a_case_shown_through_a_referral_does_not_let_its_reader_merge(ana, boris, marko, sofia, skopje):
    """Marko's office supervisor reads Sofia's case while it is referred there; that is not a merge."""
    skopje_boss = member("sonja", skopje, Role.SUPERVISOR)
    sofia_case = registered(ana, sofia, "Ivan", "Petrov")
    other = registered(marko, skopje, "Иван", "Петров").person
    from pristan.referrals.services import referral_send

    case_services.consent_record(actor=ana, case=sofia_case, purpose=ConsentPurpose.REFERRAL, given=True)
    referral_send(actor=ana, case=sofia_case, office=skopje, reason="AdditionalServicesRequired")
    assert access.grant_for(skopje_boss, sofia_case) is not None
    with pytest.raises(PermissionDenied):
        person_merge(actor=skopje_boss, survivor=other, other=sofia_case.person)


# --- what is refused --------------------------------------------------------------------------------


def test_the_same_record_an_erased_one_and_a_merged_one_are_refused(ana, boris, sofia):
    from pristan.erasure.services import person_erase

    first = registered(ana, sofia, "Ivan", "Petrov").person
    second = registered(ana, sofia, "Иван", "Петров").person
    third = registered(ana, sofia, "Ivan", "Petroff").person
    with pytest.raises(ValidationError, match="cannot be merged into itself"):
        person_merge(actor=boris, survivor=first, other=first)
    person_merge(actor=boris, survivor=first, other=second)
    with pytest.raises(ValidationError, match="already merged"):
        person_merge(actor=boris, survivor=third, other=fresh(second))
    with pytest.raises(ValidationError, match="already merged"):
        person_merge(actor=boris, survivor=fresh(second), other=third)
    with pytest.raises(ValidationError, match="Other records were merged into"):
        person_merge(actor=boris, survivor=third, other=first)
    erased = registered(ana, sofia, "Ivo", "Petrov").person
    person_erase(actor=None, person=erased, reason="test")
    with pytest.raises(ValidationError, match="erased"):
        person_merge(actor=boris, survivor=third, other=fresh(erased))
    with pytest.raises(ValidationError, match="erased"):
        merge_preview(actor=boris, survivor=fresh(erased), other=third)


def test_a_pair_of_other_persons_is_refused(ana, boris, sofia):
    first = registered(ana, sofia, "Ivan", "Petrov").person
    second = registered(ana, sofia, "Иван", "Петров").person
    third = registered(ana, sofia, "Ivan", "Petroff").person
    with pytest.raises(ValidationError, match="other persons"):
        person_merge(actor=boris, survivor=first, other=second, pair=pair_of(first, third))
    assert fresh(second).merged_into is None


# --- the preview -----------------------------------------------------------------------------------


def test_the_preview_shows_cases_documents_fields_consents_and_who_newly_sees_what(ana, gala, marko, sofia, skopje):
    survivor_case = registered(ana, sofia, "Ivan", "Petrov", phone="+359 88 000 0000")
    other_case = registered(marko, skopje, "Иван", "Петров", date_of_birth=None, citizenships=["MK"], city="Skopje")
    case_services.consent_record(actor=marko, case=other_case, purpose=ConsentPurpose.REFERRAL, given=True)
    case_services.consent_record(actor=ana, case=survivor_case, purpose=ConsentPurpose.RESEARCH, given=False)
    document_add(actor=marko, case=other_case, data={"kind": "passport", "number": "MK7654321"})

    preview = merge_preview(actor=gala, survivor=survivor_case.person, other=other_case.person)

    assert [(line.reference, line.side) for line in preview.cases] == [
        (survivor_case.reference, "survivor"), (other_case.reference, "other")
    ]  # fmt: skip
    assert [(line.side, line.document.kind) for line in preview.documents] == [("other", "passport")]
    assert {"given_name", "family_name", "date_of_birth", "citizenships", "phone", "city"} <= set(preview.differing_fields)
    assert "gender" not in preview.differing_fields
    assert set(preview.filled_fields) == {"city"}  # she has no city; her date of birth and phone stay hers
    consents = {
        (line.reference, consent.purpose): (consent.before, consent.after) for line in preview.cases for consent in line.consents
    }
    assert consents[(other_case.reference, ConsentPurpose.REFERRAL)] == (True, True)
    assert consents[(survivor_case.reference, ConsentPurpose.RESEARCH)] == (False, False)
    assert consents[(survivor_case.reference, ConsentPurpose.REFERRAL)] == (None, None)
    assert not preview.consent_changes
    assert [(seen.office.code, seen.references) for seen in preview.newly_seen] == [
        ("SOF", (other_case.reference,)), ("SKP", (survivor_case.reference,))
    ]  # fmt: skip
    assert fresh(other_case.person).merged_into is None  # a preview changes nothing


# --- unmerge ---------------------------------------------------------------------------------------


def test_unmerge_moves_back_exactly_what_the_merge_moved(ana, boris, sofia, django_capture_on_commit_callbacks):
    survivor_case = registered(ana, sofia, "Ђорђе", "Јовановић", date_of_birth=None)
    other_case = registered(ana, sofia, "Đorđe", "Jovanović", date_of_birth=date(1990, 2, 3), date_of_birth_estimated=True)
    survivor, other = survivor_case.person, other_case.person
    document_add(actor=ana, case=other_case, data={"kind": "passport", "number": "RS1234567"})
    attach(other_case, ana, data=PDF, name="passport.pdf")
    before_survivor, before_other = snapshot(survivor), snapshot(other)
    old_key = other.key_id

    with django_capture_on_commit_callbacks(execute=True):
        record = person_merge(actor=boris, survivor=survivor, other=other)
    with key_scope():
        assert fresh(survivor).date_of_birth == date(1990, 2, 3)
        assert fresh(survivor).date_of_birth_estimated
    later = another_case(ana, fresh(survivor), sofia)  # opened for her after the merge: stays hers
    moved_case = Case.objects.get(pk=other_case.pk)
    note = case_services.note_add(actor=ana, case=moved_case, text="Written after the merge.")  # goes with its case

    with django_capture_on_commit_callbacks(execute=True):
        person_unmerge(actor=boris, record=record)

    other, survivor = fresh(other), fresh(survivor)
    assert other.key_id not in (old_key, survivor.key_id)
    assert key_ids_of(other) == {other.key_id}
    assert key_ids_of(survivor) == {survivor.key_id}
    after_survivor, after_other = snapshot(survivor), snapshot(other)
    assert after_survivor["references"] == sorted([survivor_case.reference, later.reference])
    del after_other["sealed"][("cases.CaseNote", note.pk)]
    after_survivor["references"].remove(later.reference)
    after_survivor["links"]["cases.Case"].remove(later.pk)
    del after_survivor["sealed"][("cases.Case", later.pk)]
    assert after_survivor == before_survivor
    assert after_other == before_other
    record.refresh_from_db()
    assert record.state == MergeRecord.State.UNMERGED
    assert record.unmerged_by == boris
    assert AuditEntry.objects.filter(action=AuditEntry.Action.UNMERGE).count() == 3
    with pytest.raises(ValidationError, match="already undone"):
        person_unmerge(actor=boris, record=record)


def test_unmerge_keeps_a_value_the_survivor_changed_since(ana, boris, sofia):
    from pristan.people.services import person_update

    survivor_case = registered(ana, sofia, "Ivan", "Petrov")
    other = registered(ana, sofia, "Иван", "Петров", phone="+359 1", city="Varna").person
    record = person_merge(actor=boris, survivor=survivor_case.person, other=other)
    person_update(actor=ana, case=survivor_case, data={"phone": "+359 2"})
    person_unmerge(actor=boris, record=record)
    with key_scope():
        survivor = fresh(survivor_case.person)
        assert (survivor.phone, survivor.city) == ("+359 2", "")


def test_unmerge_needs_the_same_access_as_a_merge(ana, boris, sasha, sofia):
    survivor = registered(ana, sofia, "Ana", "Petrova", date_of_birth=date(2015, 3, 1)).person
    other = registered(ana, sofia, "Ана", "Петрова", date_of_birth=date(2015, 3, 1)).person
    record = person_merge(actor=boris, survivor=survivor, other=other)
    for someone in (ana, sasha):
        with pytest.raises(PermissionDenied):
            person_unmerge(actor=someone, record=record)
    assert fresh(other).merged_into == survivor


# --- the round trip, for many shapes -----------------------------------------------------------------


SHAPES = st.fixed_dictionaries(
    {
        "survivor_cases": st.integers(1, 2),
        "other_cases": st.integers(1, 2),
        "survivor_documents": st.integers(0, 1),
        "other_documents": st.integers(0, 2),
        "notes": st.integers(0, 2),
        "attachments": st.integers(0, 2),
        "consents": st.lists(st.tuples(st.sampled_from(ConsentPurpose.values), st.booleans()), max_size=3),
        "survivor_born": st.booleans(),
        "other_phone": st.booleans(),
        "screened": st.booleans(),
    }
)


# Every example writes to the database: shrinking a failure would take minutes, so it is left out
# (the failing shape is printed as it is).
@settings(
    max_examples=12,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(shape=SHAPES)
def test_merge_then_unmerge_gives_back_both_records_exactly(shape, ana, boris, sofia, django_capture_on_commit_callbacks):
    born = date(1991, 7, 8) if shape["survivor_born"] else None
    survivor_case = registered(ana, sofia, "Јована", "Ћирић", date_of_birth=born)
    other_case = registered(ana, sofia, "Jovana", "Ćirić", phone="+381 1" if shape["other_phone"] else "")
    survivor, other = survivor_case.person, other_case.person
    cases = {
        "survivor": [survivor_case, *(another_case(ana, survivor, sofia) for _ in range(shape["survivor_cases"] - 1))],
        "other": [other_case, *(another_case(ana, other, sofia) for _ in range(shape["other_cases"] - 1))],
    }
    for side, count in (("survivor", shape["survivor_documents"]), ("other", shape["other_documents"])):
        for index in range(count):
            document_add(actor=ana, case=cases[side][0], data={"kind": "passport", "number": f"{side[:2].upper()}{index}77"})
    for case in cases["other"]:
        for index in range(shape["notes"]):
            case_services.note_add(actor=ana, case=case, text=f"Note {index} of {case.reference}")
    for index in range(shape["attachments"]):
        attach(cases["other"][index % len(cases["other"])], ana, data=PNG + bytes([index]))
    for purpose, given_ in shape["consents"]:
        case_services.consent_record(actor=ana, case=cases["other"][-1], purpose=purpose, given=given_, note="Asked twice.")
    if shape["screened"]:
        screening_record(
            actor=ana, case=other_case, indicator_list="adult_labour", indicators=[],
            decision="PossibleVictimOfTrafficking", reason="Debt bondage at a farm.",
        )  # fmt: skip
    before = snapshot(survivor), snapshot(other)

    with django_capture_on_commit_callbacks(execute=True):
        record = person_merge(actor=boris, survivor=survivor, other=other)
    merged = snapshot(survivor)
    assert sorted(merged["references"]) == sorted(case.reference for side in cases.values() for case in side)
    with django_capture_on_commit_callbacks(execute=True):
        person_unmerge(actor=boris, record=record)

    assert (snapshot(survivor), snapshot(other)) == before
    assert len(files()) == Attachment.objects.count()  # every old file deleted, one file an attachment


# --- cost, and two reviewers at once ---------------------------------------------------------------


def test_the_queries_of_a_merge_do_not_grow_with_the_records_of_a_case(ana, boris, sofia):
    def queries(notes: int) -> int:
        survivor = registered(ana, sofia, "Ivan", "Petrov").person
        other_case = registered(ana, sofia, "Иван", "Петров")
        for index in range(notes):
            case_services.note_add(actor=ana, case=other_case, text=f"Note {index}")
            document_add(actor=ana, case=other_case, data={"kind": "passport", "number": f"BG{index}"})
        with CaptureQueriesContext(connection) as captured:
            person_merge(actor=boris, survivor=survivor, other=other_case.person)
        return len(captured)

    few, many = queries(1), queries(20)
    assert few == many
    assert many <= 150


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_merging_the_same_pair_at_once_one_wins(ana, boris, gala, sofia):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite admits one writer at a time; its in-memory test database cannot host concurrent writers.")
    first = registered(ana, sofia, "Ivan", "Petrov").person
    second = registered(ana, sofia, "Иван", "Петров").person
    barrier = threading.Barrier(2)
    results: list[str] = []

    def merge(actor: User, survivor: Person, other: Person) -> Callable[[], None]:
        def run() -> None:
            try:
                barrier.wait()
                person_merge(actor=actor, survivor=survivor, other=other)
                results.append("merged")
            except ValidationError:
                results.append("refused")
            except BaseException as error:  # reported by the main thread
                results.append(repr(error))
            finally:
                connections.close_all()

        return run

    # In opposite directions: the rows are locked in the order of their ids, so neither deadlocks.
    workers = [threading.Thread(target=merge(boris, first, second)), threading.Thread(target=merge(gala, second, first))]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(results) == ["merged", "refused"]
    assert MergeRecord.objects.count() == 1
    record = MergeRecord.objects.get()
    assert fresh(record.merged).merged_into_id == record.survivor_id
    assert fresh(record.survivor).merged_into_id is None
    assert Case.objects.filter(person=record.survivor).count() == 2


def test_a_pending_erasure_request_moves_with_the_other_record(ana, boris, sofia):
    """A pending erasure request of the other record moves with her cases, to be decided for the survivor."""
    from pristan.erasure.services import erasure_request

    survivor = registered(ana, sofia, "Ivan", "Petrov").person
    other_case = registered(ana, sofia, "Иван", "Петров")
    request = erasure_request(actor=ana, case=other_case, reason="She asked for it.")
    person_merge(actor=boris, survivor=survivor, other=other_case.person)
    request.refresh_from_db()
    assert request.person_id == survivor.pk
    with key_scope():
        assert ErasureRequest.objects.get(pk=request.pk).reason == "She asked for it."
