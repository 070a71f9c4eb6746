"""The retention schedule: a person all of whose cases have been closed for longer than their
offices' retention periods is erased by the daily `pristan retention`."""

from datetime import date
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from pristan.cases.models import Case, Stage
from pristan.cases.services import case_change_stage, case_open
from pristan.core.models import AuditEntry, Office
from pristan.erasure.selectors import erasures_unfinished, retention_due, years_before
from pristan.erasure.services import ErasureReason, person_erase, retention_apply, retention_set
from pristan.keystore.models import DataKey
from pristan.people.models import Person

TODAY = date(2031, 6, 15)


def _close(case: Case, actor, on: date) -> Case:
    """Close through the real service, then move the closing date back in time (the service dates it today)."""
    case_change_stage(actor=actor, case=case, stage=Stage.CLOSED, closure_reason="assistance_completed")
    Case.objects.filter(pk=case.pk).update(closed_on=on)
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def five_years(sofia: Office, vera) -> Office:
    return retention_set(actor=vera, office=sofia, years=5)


def test_years_before_handles_a_leap_day():
    assert years_before(date(2031, 6, 15), 5) == date(2026, 6, 15)
    assert years_before(date(2028, 2, 29), 1) == date(2027, 2, 28)


def test_due_only_when_every_case_is_closed_for_longer_than_the_period(open_case, ana, sofia, five_years):
    long_ago = _close(open_case("Closed", "Longago"), ana, date(2026, 6, 14))  # five years and a day
    _close(open_case("Closed", "Exactly"), ana, date(2026, 6, 15))  # exactly five years: not longer
    open_case("Still", "Open")
    two = open_case("Two", "Cases")
    _close(two, ana, date(2020, 1, 1))
    case_open(actor=ana, person=two.person, office=sofia)  # a second case of the same person, open
    assert list(retention_due(today=TODAY)) == [long_ago.person]


def test_an_office_without_a_period_keeps_its_cases(open_case, ana, sofia, skopje, five_years, marko):
    case = _close(open_case("Closed", "Longago"), ana, date(2020, 1, 1))
    assert list(retention_due(today=TODAY)) == [case.person]
    other = case_open(actor=marko, person=case.person, office=skopje)  # Skopje keeps records: no period set
    _close(other, marko, date(2020, 1, 1))
    assert list(retention_due(today=TODAY)) == []
    sofia.retention_years = None
    sofia.save()
    assert list(retention_due(today=TODAY)) == []


def test_dry_run_counts_and_changes_nothing_then_apply_erases(open_case, ana, five_years, django_capture_on_commit_callbacks):
    old = _close(open_case("Стара", "Стојанова"), ana, date(2025, 1, 1))
    recent = _close(open_case("Нова", "Новакова"), ana, date(2030, 1, 1))

    run = retention_apply(today=TODAY, dry_run=True)
    assert run.due == {"SOF": 1}
    assert Person.objects.get(pk=old.person_id).given_name == "Стара"
    assert DataKey.objects.filter(id=old.person.sealing_key_id()).exists()

    with django_capture_on_commit_callbacks(execute=True):
        run = retention_apply(today=TODAY)
    assert run.due == {"SOF": 1}
    erased = Person.objects.get(pk=old.person_id)
    assert erased.erased_at is not None
    assert erased.given_name == ""
    assert not DataKey.objects.filter(id=old.person.sealing_key_id()).exists()
    assert Person.objects.get(pk=recent.person_id).given_name == "Нова"
    entry = AuditEntry.objects.get(object_type="people.person", object_id=str(old.person_id), action="delete")
    assert entry.actor is None
    assert entry.detail == "erased: retention schedule"
    assert retention_apply(today=TODAY).due == {}  # erased once


def test_the_command_prints_counts_per_office_never_names(open_case, ana, five_years, django_capture_on_commit_callbacks):
    case = _close(open_case("Стара", "Стојанова"), ana, date(2000, 1, 1))
    out = StringIO()
    call_command("retention", "--dry-run", "--lang", "en", stdout=out)
    assert out.getvalue().splitlines() == [
        "Retention schedule (dry run: nothing changed)",
        "  SOF: 1 person would be erased",
        "Total: 1 person would be erased; 0 erasures interrupted before the key was destroyed would be finished.",
        "Imports: 0 left waiting or interrupted, 0 uploads no import holds, would be cleared.",
        "Export files: 0 not downloaded in time, 0 of interrupted exports, 0 no export holds, would be deleted.",
        "Attachments: 0 files no attachment holds, would be deleted.",
        "Data keys: 0 made by runs that did not finish, would be destroyed; 0 in use, would be confirmed.",
    ]
    out = StringIO()
    call_command("retention", "--dry-run", "--lang", "bg", stdout=out)
    assert "Retention" not in out.getvalue()
    assert "SOF: 1" in out.getvalue()
    assert Person.objects.get(pk=case.person_id).erased_at is None
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("retention", "--lang", "en", stdout=out)
    assert "SOF: 1 person erased" in out.getvalue()
    assert "Стара" not in out.getvalue()
    assert Person.objects.get(pk=case.person_id).erased_at is not None


def test_the_command_finishes_an_interrupted_erasure(case, boris, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):  # the key store was never reached
        person_erase(actor=boris, person=case.person, reason=ErasureReason.REQUEST)
    assert list(erasures_unfinished()) == [case.person]
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("retention", "--lang", "en", stdout=out)
    assert "SOF: 1 erasure interrupted before the key was destroyed finished" in out.getvalue()
    assert not DataKey.objects.filter(id=case.person.sealing_key_id()).exists()
    assert list(erasures_unfinished()) == []


def test_only_an_office_administrator_sets_the_period_and_it_is_audited(sofia, skopje, vera, ana, boris):
    for user in (ana, boris):
        with pytest.raises(PermissionDenied):
            retention_set(actor=user, office=sofia, years=3)
    with pytest.raises(PermissionDenied):
        retention_set(actor=vera, office=skopje, years=3)  # not her office
    with pytest.raises(ValidationError):
        retention_set(actor=vera, office=sofia, years=0)
    retention_set(actor=vera, office=sofia, years=7)
    assert Office.objects.get(pk=sofia.pk).retention_years == 7
    entry = AuditEntry.objects.get(action=AuditEntry.Action.CONFIGURE, object_type="core.office")
    assert (entry.actor, entry.fields, entry.detail) == (vera, ["retention_years"], "— → 7")
    assert Office.objects.get(pk=skopje.pk).retention_years is None
