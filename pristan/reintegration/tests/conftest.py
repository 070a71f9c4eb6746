"""A person back home: Ana's case, in reintegration, with a plan whose date of arrival is set."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from pristan.cases.services import case_change_stage
from pristan.reintegration.models import Survey
from pristan.reintegration.services import plan_save
from pristan.reintegration.survey import dimensions_of


@pytest.fixture
def arrived_on() -> date:
    return timezone.localdate() - timedelta(days=400)  # every visit of the schedule is past due and grace


@pytest.fixture
def reintegration_case(active_case, ana, arrived_on):
    case_change_stage(actor=ana, case=active_case, stage="reintegration")
    plan_save(actor=ana, case=active_case, data={"economic_objectives": "A small bakery", "arrival_on": arrived_on})
    return active_case


def answers_for(survey: Survey, pick: dict[str, str]) -> dict[str, str | None]:
    """Answers to every item: per dimension "best", "worst" or "none" (unanswered)."""
    answers: dict[str, str | None] = {}
    for dimension in dimensions_of(survey.definition):
        for item in dimension.items:
            ranked = sorted(item.options, key=lambda option: option.score)
            choice = pick.get(dimension.key, "none")
            answers[item.key] = {"best": ranked[-1].key, "worst": ranked[0].key}.get(choice)
    return answers
