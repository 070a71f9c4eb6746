"""A case with a reintegration plan closes only once its criteria hold, or with a supervisor's override."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from pristan.cases.models import Case, Stage
from pristan.cases.services import case_change_stage
from pristan.core.models import AuditEntry
from pristan.reintegration.models import Survey, Visit
from pristan.reintegration.services import (
    closure_override_record,
    item_add,
    item_change_status,
    plan_save,
    visit_mark_not_possible,
    visit_record,
)

from .conftest import answers_for


def _close(actor: User, case: Case) -> Case:
    return case_change_stage(actor=actor, case=case, stage=Stage.CLOSED, closure_reason="reintegrated")


def _problems(error: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(error.value.messages)


def test_closure_waits_for_the_criteria_then_goes_ahead(reintegration_case, ana):
    survey = Survey.objects.get(version=1)
    grant = item_add(actor=ana, case=reintegration_case, data={"kind": "cash_grant", "budget": 500, "budget_currency": "EUR"})
    item_change_status(actor=ana, item=grant, status="in_progress")
    with pytest.raises(ValidationError) as error:
        _close(ana, reintegration_case)
    problems = _problems(error)
    assert "cannot close before its reintegration is complete" in problems
    assert "Some monitoring visits are still planned" in problems
    assert "No monitoring visit has been scored yet." in problems
    assert "still in progress" in problems
    reintegration_case.refresh_from_db()
    assert reintegration_case.stage == Stage.REINTEGRATION

    first, second, third = Visit.objects.filter(case=reintegration_case).order_by("months_after")
    visit_record(actor=ana, visit=first, done_on=timezone.localdate(), answers=answers_for(survey, {"economic": "best"}))
    visit_mark_not_possible(actor=ana, visit=second, reason="She was working abroad for the season.")
    # The latest score is what counts: a low one after a high one stops the closure.
    visit_record(actor=ana, visit=third, done_on=timezone.localdate(), answers=answers_for(survey, {"social": "worst"}))
    item_change_status(actor=ana, item=grant, status="done")
    with pytest.raises(ValidationError) as error:
        _close(ana, reintegration_case)
    assert _problems(error).endswith("The latest composite score is 0.00; closing needs at least 0.66.")

    with override_settings(PRISTAN_REINTEGRATION_CLOSE_SCORE=0.0):  # the threshold is a setting
        _close(ana, reintegration_case)
    reintegration_case.refresh_from_db()
    assert reintegration_case.stage == Stage.CLOSED
    assert reintegration_case.status == "Closed"


def test_all_criteria_met_closes_at_the_default_threshold(reintegration_case, ana):
    survey = Survey.objects.get(version=1)
    for visit in Visit.objects.filter(case=reintegration_case):
        visit_record(actor=ana, visit=visit, done_on=timezone.localdate(),
                     answers=answers_for(survey, {"economic": "best", "social": "best", "psychosocial": "worst"}))  # fmt: skip
    _close(ana, reintegration_case)  # the composite, (1 + 1 + 0) / 3, is at least 0.66
    reintegration_case.refresh_from_db()
    assert reintegration_case.stage == Stage.CLOSED


def test_a_supervisors_override_lets_the_case_close(reintegration_case, ana, boris):
    with pytest.raises(PermissionDenied):
        closure_override_record(actor=ana, case=reintegration_case, reason="The person cannot be reached any more.")
    with pytest.raises(ValidationError):
        closure_override_record(actor=boris, case=reintegration_case, reason="Gone")
    override = closure_override_record(actor=boris, case=reintegration_case, reason="The person cannot be reached any more.")
    entry = AuditEntry.objects.get(object_type="reintegration.closureoverride", object_id=str(override.pk))
    assert entry.action == "override"
    assert entry.fields == ["reason"]
    assert "reached" not in entry.detail
    _close(ana, reintegration_case)
    reintegration_case.refresh_from_db()
    assert reintegration_case.stage == Stage.CLOSED


def test_a_case_without_a_plan_closes_as_before(active_case, ana):
    _close(ana, active_case)
    active_case.refresh_from_db()
    assert active_case.stage == Stage.CLOSED


def test_the_refusal_is_shown_on_the_page(reintegration_case, ana, client_of):
    url = reverse("stage_change", args=[reintegration_case.reference])
    response = client_of(ana).post(url, {"stage": "closed", "closure_reason": "reintegrated"})
    assert response.status_code == 422
    page = response.content.decode()
    assert "cannot close before its reintegration is complete" in page
    assert "Set the date of arrival" not in page
    assert "Some monitoring visits are still planned" in page


def test_the_tab_lists_the_criteria_and_the_override_form_for_supervisors(reintegration_case, ana, boris, client_of):
    page = client_of(ana).get(reverse("case_reintegration", args=[reintegration_case.reference])).content.decode()
    assert "Before the case closes" in page
    assert page.count('class="unmet"') == 2  # visits and score; no assistance in progress
    assert "reintegration_closure_override" not in page
    assert "closure-override" not in page
    supervisor_page = client_of(boris).get(reverse("case_reintegration", args=[reintegration_case.reference])).content.decode()
    assert "closure-override" in supervisor_page
    response = client_of(boris).post(
        reverse("reintegration_closure_override", args=[reintegration_case.reference]),
        {"override-reason": "The family moved abroad; no more visits are possible."},
    )
    assert response.status_code == 302
    page = client_of(ana).get(reverse("case_reintegration", args=[reintegration_case.reference])).content.decode()
    assert "The family moved abroad; no more visits are possible." in page


def test_the_plan_needs_a_start_before_assistance(active_case, ana):
    with pytest.raises(ValidationError, match="Start the reintegration plan first"):
        item_add(actor=ana, case=active_case, data={"kind": "housing"})
    plan_save(actor=ana, case=active_case, data={})
    assert item_add(actor=ana, case=active_case, data={"kind": "housing"}).kind == "housing"


def test_a_threshold_outside_0_to_1_stops_pristan_at_start_up():
    root = Path(__file__).resolve().parents[3]
    for value in ("two thirds", "1.5", "nan"):
        result = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
            [sys.executable, str(root / "manage.py"), "check"], cwd=root, capture_output=True, text=True, check=False,
            env={**os.environ, "PRISTAN_REINTEGRATION_CLOSE_SCORE": value},
        )  # fmt: skip
        assert result.returncode != 0
        assert "PRISTAN_REINTEGRATION_CLOSE_SCORE must be a number from 0 to 1" in result.stderr
