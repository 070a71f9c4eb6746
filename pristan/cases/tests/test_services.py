import re
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from pristan.cases import services
from pristan.cases.models import ConsentPurpose, Stage
from pristan.cases.selectors import consent_in_force
from pristan.screening.services import screening_record


def test_references_count_per_office_and_year(open_case):
    first, second = open_case(), open_case(given_name="Мария")
    year = timezone.localdate().year
    assert first.reference == f"SOF-{year}-00001"
    assert second.reference == f"SOF-{year}-00002"
    assert re.fullmatch(r"SOF-\d{4}-\d{5}", first.reference)


def test_a_child_is_flagged_at_registration(open_case):
    child = open_case(given_name="Ема", born=timezone.localdate() - timedelta(days=365 * 15))
    adult = open_case()
    assert child.minor_at_registration
    assert not adult.minor_at_registration


def test_a_case_cannot_leave_screening_without_consent(case, ana):
    screening_record(
        actor=ana, case=case, indicator_list="adult_labour", indicators=[], decision="ActualVictimOfTrafficking", reason="x"
    )
    with pytest.raises(ValidationError) as error:
        services.case_change_stage(actor=ana, case=case, stage=Stage.ASSISTANCE)
    assert error.value.code == "consent"
    case.refresh_from_db()
    assert case.stage == Stage.SCREENING


def test_withdrawn_consent_counts_as_none(case, ana):
    services.consent_record(actor=ana, case=case, purpose=ConsentPurpose.CASE_MANAGEMENT, given=True, on=date(2026, 1, 1))
    services.consent_record(actor=ana, case=case, purpose=ConsentPurpose.CASE_MANAGEMENT, given=False, on=date(2026, 2, 1))
    assert not consent_in_force(case, ConsentPurpose.CASE_MANAGEMENT)


def test_a_case_cannot_leave_screening_without_an_eligible_decision(case, ana):
    services.consent_record(actor=ana, case=case, purpose=ConsentPurpose.CASE_MANAGEMENT, given=True)
    with pytest.raises(ValidationError) as error:
        services.case_change_stage(actor=ana, case=case, stage=Stage.ASSISTANCE)
    assert error.value.code == "screening"
    screening_record(
        actor=ana, case=case, indicator_list="adult_labour", indicators=[], decision="NotAVictimOfTrafficking", reason="x"
    )
    with pytest.raises(ValidationError):
        services.case_change_stage(actor=ana, case=case, stage=Stage.ASSISTANCE)


UNCONSCIOUS = "The person is unconscious in hospital."


def test_only_a_supervisor_may_override_missing_consent(case, ana, boris):
    with pytest.raises(PermissionDenied):
        services.consent_override(
            actor=ana, case=case, purpose="case_management", reason="The person is unconscious in hospital."
        )
    with pytest.raises(ValidationError) as error:
        services.consent_override(actor=boris, case=case, purpose="case_management", reason="short")
    assert "reason" in error.value.error_dict
    services.consent_override(actor=boris, case=case, purpose="case_management", reason=UNCONSCIOUS)
    screening_record(
        actor=ana, case=case, indicator_list="adult_labour", indicators=[], decision="PossibleVictimOfTrafficking", reason="x"
    )
    services.case_change_stage(actor=ana, case=case, stage=Stage.ASSISTANCE)
    assert case.stage == Stage.ASSISTANCE


def test_the_journey_and_its_statuses(active_case, ana, boris):
    assert (active_case.stage, active_case.status) == (Stage.ASSISTANCE, "Active")
    services.case_change_stage(actor=ana, case=active_case, stage=Stage.FOLLOW_UP)
    assert active_case.status == "FollowUp"
    with pytest.raises(ValidationError) as error:
        services.case_change_stage(actor=ana, case=active_case, stage=Stage.CLOSED)
    assert "closure_reason" in error.value.error_dict
    services.case_change_stage(actor=ana, case=active_case, stage=Stage.CLOSED, closure_reason="referred")
    assert (active_case.status, active_case.closed_on) == ("ClosedReferred", timezone.localdate())


@pytest.mark.parametrize(("start", "target"), [(Stage.SCREENING, Stage.MOVEMENT), (Stage.SCREENING, Stage.FOLLOW_UP)])
def test_transitions_not_in_the_map_are_refused(case, ana, start, target):
    with pytest.raises(ValidationError, match="cannot move"):
        services.case_change_stage(actor=ana, case=case, stage=target)


def test_only_a_supervisor_reopens_a_closed_case(active_case, ana, boris):
    services.case_change_stage(actor=ana, case=active_case, stage=Stage.CLOSED, closure_reason="assistance_completed")
    with pytest.raises(ValidationError, match="Only a supervisor can reopen"):
        services.case_change_stage(actor=ana, case=active_case, stage=Stage.ASSISTANCE)
    services.case_change_stage(actor=boris, case=active_case, stage=Stage.ASSISTANCE)
    assert (active_case.stage, active_case.closure_reason, active_case.closed_on) == (Stage.ASSISTANCE, "", None)


def test_an_office_administrator_reads_but_cannot_change(case, vera):
    with pytest.raises(PermissionDenied):
        services.note_add(actor=vera, case=case, text="A note")


def test_someone_from_another_office_cannot_write(case, marko):
    with pytest.raises(PermissionDenied):
        services.consent_record(actor=marko, case=case, purpose=ConsentPurpose.CASE_MANAGEMENT, given=True)


def test_validation_messages_name_the_field(case, ana, marko):
    with pytest.raises(ValidationError) as error:
        services.task_add(actor=ana, case=case, title=" ", due_on=date(2026, 1, 1), assignee=marko)
    assert set(error.value.error_dict) == {"title", "assignee"}
    with pytest.raises(ValidationError) as error:
        services.note_add(actor=ana, case=case, text="   ")
    assert "text" in error.value.error_dict
    with pytest.raises(ValidationError) as error:
        services.consent_record(actor=ana, case=case, purpose="marketing", given=True)
    assert "purpose" in error.value.error_dict


def test_tasks_are_completed_once(case, ana):
    task = services.task_add(actor=ana, case=case, title="Call the shelter", due_on=date(2026, 1, 1))
    services.task_complete(actor=ana, task=task)
    first = task.done_at
    services.task_complete(actor=ana, task=task)
    assert task.done_at == first


def test_reopening_does_not_skip_consent_and_screening(case, ana, boris):
    services.case_change_stage(actor=ana, case=case, stage=Stage.CLOSED, closure_reason="not_eligible")
    with pytest.raises(ValidationError) as error:
        services.case_change_stage(actor=boris, case=case, stage=Stage.ASSISTANCE)
    assert error.value.code == "consent"
    services.case_change_stage(actor=boris, case=case, stage=Stage.SCREENING)
    assert (case.stage, case.status) == (Stage.SCREENING, "Active")


def test_a_date_of_birth_added_later_marks_the_child(open_case, ana):
    from pristan.people.services import person_update

    case = open_case(born=None)
    assert not case.is_minor
    person_update(actor=ana, case=case, data={"date_of_birth": timezone.localdate().replace(year=timezone.localdate().year - 10)})
    case.refresh_from_db()
    assert case.minor_at_registration


def test_tasks_go_only_to_active_people_who_work_on_cases(case, ana, vera):
    with pytest.raises(ValidationError) as error:
        services.task_add(actor=ana, case=case, title="Call", due_on=date(2026, 1, 1), assignee=vera)
    assert "assignee" in error.value.error_dict
    ana.is_active = False
    ana.save()
    assert not services.assignable_users(case).filter(pk=ana.pk).exists()
