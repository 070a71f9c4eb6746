"""Erasure on request: asked for from a case, decided by a data-protection focal point, and then
nothing identifying is left to read, find or write."""

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError

from pristan.cases.models import Case, Stage
from pristan.cases.selectors import CaseFilters, case_search
from pristan.cases.services import case_change_stage, note_add
from pristan.core import access
from pristan.core.audit_witness import is_witness
from pristan.core.models import AuditEntry, Role, Scope
from pristan.core.sealed import _SealedField
from pristan.core.services import membership_grant
from pristan.erasure import services
from pristan.erasure.models import ErasureRequest, ErasureStatus
from pristan.erasure.services import erasure_decide, erasure_request, erasure_withdraw, person_erase, sealed_records
from pristan.erasure.tests.conftest import NAME, SECRETS, column_of, focal_point, raw_values
from pristan.keystore.models import DataKey
from pristan.people.models import IdentityDocument, NameToken, Person
from pristan.people.services import person_update

REASON = "She asked for it in person at the Sofia office."


def _approve(fiona: User, request: ErasureRequest, capture: Any, note: str = "Identity checked.") -> ErasureRequest:
    with capture(execute=True):  # the key store is reached once the case database has committed
        return erasure_decide(actor=fiona, request=request, approve=True, note=note)


def test_every_model_sealed_under_a_persons_key_is_reached_from_the_person(db):
    from django.apps import apps

    from pristan.cases.models import SealedUnderCase

    reached = {records.model for records in sealed_records()}
    sealed = {model for model in apps.get_models() if any(isinstance(f, _SealedField) for f in model._meta.concrete_fields)}
    under_a_person = {model for model in sealed if issubclass(model, SealedUnderCase)}
    assert under_a_person | {Person, IdentityDocument, Case, ErasureRequest} <= reached
    lookups = {records.model._meta.label: records.lookup for records in sealed_records()}
    assert (lookups["people.Person"], lookups["people.IdentityDocument"]) == ("", "person")
    assert (lookups["cases.CaseNote"], lookups["erasure.ErasureRequest"]) == ("case__person", "person")


def test_an_approved_request_leaves_nothing_identifying(full_case, ana, fiona, open_case, django_capture_on_commit_callbacks):
    other = open_case("Иван", "Петров")
    person = full_case.person
    key_id = person.sealing_key_id()
    request = erasure_request(actor=ana, case=full_case, reason=REASON)
    assert request.status == ErasureStatus.REQUESTED
    assert ErasureRequest.objects.get().reason == REASON
    assert all(raw_values(table, column) != [b""] for table, column in [("cases_casenote", "text"), ("people_person", "phone")])

    decided = _approve(fiona, request, django_capture_on_commit_callbacks)
    assert decided.status == ErasureStatus.APPROVED
    assert decided.decided_by == fiona

    erased = Person.objects.get(pk=person.pk)
    assert erased.erased_at is not None
    assert (erased.given_name, erased.family_name, erased.name_latin, erased.phone) == ("", "", "", "")
    assert erased.date_of_birth is None
    assert full_case.notes.get().text == ""
    assert ErasureRequest.objects.get().reason == ""  # the request's own words go with the person
    for records in sealed_records():  # every sealed column of the person and their cases' records, as stored
        rows = records.model._default_manager.filter(**({"pk": person.pk} if not records.lookup else {records.lookup: person}))
        pks = list(rows.values_list("pk", flat=True))
        for name in records.columns:
            stored = raw_values(records.model._meta.db_table, column_of(records.model, name), pks=pks)
            assert set(stored) <= {b""}, f"{records.model._meta.label}.{name}"
    assert not NameToken.objects.filter(person=person).exists()
    assert not DataKey.objects.filter(id=key_id).exists()
    assert [c.reference for c in case_search(user=ana, filters=CaseFilters(query=NAME[0]))] == []
    assert [c.reference for c in case_search(user=ana, filters=CaseFilters(query=full_case.reference))] == [full_case.reference]

    # Another person is untouched.
    assert Person.objects.get(pk=other.person_id).given_name == "Иван"
    assert [c.reference for c in case_search(user=ana, filters=CaseFilters(query="Иван"))] == [other.reference]

    # The case stays for statistics.
    case = Case.objects.get(pk=full_case.pk)
    assert (case.reference, case.stage, case.opened_on) == (full_case.reference, full_case.stage, full_case.opened_on)

    entries = AuditEntry.objects.filter(detail="erased: erasure request")
    assert {(e.object_type, e.object_id, e.actor_id) for e in entries} == {
        ("people.person", str(person.pk), fiona.pk),
        ("cases.case", str(full_case.pk), fiona.pk),
    }
    assert AuditEntry.objects.filter(object_type="erasure.erasurerequest", action="update", detail="approved").exists()
    trail = " ".join(f"{e.fields} {e.detail}" for e in AuditEntry.objects.all())
    for secret in [*SECRETS, REASON]:
        assert secret not in trail


def test_raw_columns_of_the_erased_person_are_empty(full_case, ana, fiona, django_capture_on_commit_callbacks):
    request = erasure_request(actor=ana, case=full_case, reason=REASON)
    _approve(fiona, request, django_capture_on_commit_callbacks)
    for records in sealed_records():
        for name in records.columns:
            values = raw_values(records.model._meta.db_table, column_of(records.model, name))
            assert all(value == b"" for value in values), f"{records.model._meta.label}.{name}"


def test_a_refusal_needs_a_note_and_erases_nothing(case, ana, fiona):
    request = erasure_request(actor=ana, case=case, reason=REASON)
    with pytest.raises(ValidationError) as error:
        erasure_decide(actor=fiona, request=request, approve=False)
    assert "note" in error.value.error_dict
    refused = erasure_decide(actor=fiona, request=request, approve=False, note="The person withdrew the wish by phone.")
    assert refused.status == ErasureStatus.REFUSED
    person = Person.objects.get(pk=case.person_id)
    assert person.erased_at is None
    assert person.given_name == "Иван"
    assert DataKey.objects.filter(id=person.sealing_key_id()).exists()
    with pytest.raises(ValidationError):
        erasure_decide(actor=fiona, request=request, approve=True)  # decided once, for good
    assert erasure_request(actor=ana, case=case, reason="Asked again in writing.").is_pending  # a new request may follow


def test_one_request_at_a_time(case, ana, boris):
    erasure_request(actor=ana, case=case, reason=REASON)
    with pytest.raises(ValidationError, match="already awaiting"):
        erasure_request(actor=boris, case=case, reason=REASON)
    with pytest.raises(ValidationError) as error:
        erasure_request(actor=ana, case=case, reason="   ")
    assert "reason" in error.value.error_dict
    with pytest.raises(IntegrityError):  # the database holds to it too
        ErasureRequest.objects.create(person=case.person, case=case, requested_by=boris, reason="x")


def test_only_those_who_may_change_the_summary_request(case, fiona, marko, nina, django_user_model, sofia):
    auditor = django_user_model.objects.create_user("auditor")
    membership_grant(actor=None, user=auditor, office=sofia, role=Role.AUDITOR)
    for user in (fiona, marko, auditor):
        with pytest.raises(PermissionDenied):
            erasure_request(actor=user, case=case, reason=REASON)
    assert erasure_request(actor=nina, case=case, reason=REASON).requested_by == nina  # an office-wide caseworker


def test_the_requester_can_never_decide_their_own_request(case, sofia, skopje, fiona):
    # A focal point of Sofia who is also a caseworker of Skopje reaching Sofia's cases: she may ask, not decide.
    both = focal_point("both", sofia)
    membership_grant(actor=None, user=both, office=skopje, role=Role.CASEWORKER, scope=Scope.REGION, region_offices=[sofia])
    request = erasure_request(actor=both, case=case, reason=REASON)
    with pytest.raises(PermissionDenied, match="another data-protection focal point"):
        erasure_decide(actor=both, request=request, approve=True)
    assert Person.objects.get(pk=case.person_id).erased_at is None
    assert ErasureRequest.objects.get().is_pending
    assert erasure_decide(actor=fiona, request=request, approve=False, note="Not the person's wish.").status == "refused"


@pytest.mark.parametrize("who", ["ana", "boris", "stefan", "auditor", "movement"])
def test_only_a_focal_point_of_the_office_decides(who, case, ana, boris, stefan, sofia, django_user_model, request):
    users = {"ana": ana, "boris": boris, "stefan": stefan}
    if who in ("auditor", "movement"):
        users[who] = django_user_model.objects.create_user(who)
        role = Role.AUDITOR if who == "auditor" else Role.MOVEMENT_OFFICER
        membership_grant(actor=None, user=users[who], office=sofia, role=role, child_clearance=True)
    pending = erasure_request(actor=ana if who != "ana" else boris, case=case, reason=REASON)
    with pytest.raises(PermissionDenied):
        erasure_decide(actor=users[who], request=pending, approve=True)
    assert ErasureRequest.objects.get().is_pending
    assert not access.may_decide_erasure(users[who], sofia)


def test_a_focal_point_without_clearance_cannot_decide_for_a_child(open_case, ana, filip, fiona):
    from datetime import date

    child = open_case("Мила", "Стоянова", born=date(2014, 3, 1))
    assert child.is_minor
    request = erasure_request(actor=ana, case=child, reason=REASON)
    with pytest.raises(PermissionDenied):
        erasure_decide(actor=filip, request=request, approve=True)
    assert access.may_decide_erasure(filip, child.office)  # his office, but the child's case does not exist for him
    assert access.grant_for(filip, child) is None


def test_a_request_can_be_withdrawn(case, ana, boris, marko):
    request = erasure_request(actor=ana, case=case, reason=REASON)
    with pytest.raises(PermissionDenied):
        erasure_withdraw(actor=marko, request=request)
    withdrawn = erasure_withdraw(actor=boris, request=request)
    assert withdrawn.status == ErasureStatus.WITHDRAWN
    assert AuditEntry.objects.filter(object_type="erasure.erasurerequest", detail="withdrawn").exists()


def test_writes_to_an_erased_persons_case_are_refused_with_a_message(full_case, ana, boris, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        person_erase(actor=boris, person=full_case.person, reason=services.ErasureReason.REQUEST)
    case = Case.objects.select_related("person").get(pk=full_case.pk)
    with pytest.raises(PermissionDenied, match="was erased"):
        note_add(actor=ana, case=case, text="One more thing.")
    with pytest.raises(PermissionDenied, match="was erased"):
        person_update(actor=ana, case=case, data={"given_name": "Нова"})
    with pytest.raises(PermissionDenied, match="was erased"):
        erasure_request(actor=ana, case=case, reason=REASON)
    with pytest.raises(PermissionDenied, match="was erased"):
        case_change_stage(actor=ana, case=case, stage=Stage.CLOSED, closure_reason="other")


def test_erasure_is_idempotent_and_finishes_when_the_key_survived(case, boris, django_capture_on_commit_callbacks):
    person = case.person
    with django_capture_on_commit_callbacks(execute=False) as callbacks:  # a crash before the key store was reached
        person_erase(actor=boris, person=person, reason=services.ErasureReason.REQUEST)
    assert len([callback for callback in callbacks if not is_witness(callback)]) == 1  # the audit chain's witness aside
    assert Person.objects.get(pk=person.pk).erased_at is not None
    assert DataKey.objects.filter(id=person.sealing_key_id()).exists()
    erased_at = Person.objects.get(pk=person.pk).erased_at

    with django_capture_on_commit_callbacks(execute=True):
        person_erase(actor=None, person=person, reason=services.ErasureReason.RETENTION)
    assert not DataKey.objects.filter(id=person.sealing_key_id()).exists()
    assert Person.objects.get(pk=person.pk).erased_at == erased_at
    assert AuditEntry.objects.filter(object_type="people.person", detail="erasure finished").count() == 1

    before = AuditEntry.objects.count()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        person_erase(actor=None, person=person, reason=services.ErasureReason.RETENTION)
    assert callbacks == []
    assert AuditEntry.objects.count() == before
