"""CTDC counts victims, not records: a person with several cases is one row, and a record merged
into another is not counted again."""

from datetime import date

from django.contrib.auth.models import User

from pristan.cases.models import Case, ConsentPurpose
from pristan.cases.services import case_open, consent_record
from pristan.duplicates.merge import person_merge
from pristan.research import ctdc
from pristan.research.selectors import research_candidates
from pristan.research.services import ctdc_export
from pristan.screening.services import screening_record


def _screened(case: Case, ana: User) -> None:
    screening_record(
        actor=ana, case=case, indicator_list="adult_labour", indicators=[], decision="PossibleVictimOfTrafficking",
        reason="Credible account.",
    )  # fmt: skip
    consent_record(actor=ana, case=case, purpose=ConsentPurpose.RESEARCH, given=True)


def test_a_person_with_two_cases_is_one_row_that_of_her_first_case(victim, analyst, ana, sofia):
    first = victim(born=date(1990, 1, 1))
    for _ in range(4):
        victim(born=date(1990, 1, 1))
    again = case_open(actor=ana, person=first.person, office=sofia, opened_on=date(2031, 6, 1))  # she came back
    _screened(again, ana)
    assert ctdc_export(actor=analyst, k=5).report.considered == 5
    counted = set(research_candidates(user=analyst).values_list("pk", flat=True))
    assert first.pk in counted
    assert again.pk not in counted


def test_a_merged_record_is_counted_once_with_its_survivor(victim, analyst, boris):
    cases = [victim(given_name="Ђорђе", family_name="Јовановић", born=date(1990, 4, 12)) for _ in range(6)]
    assert ctdc_export(actor=analyst, k=5).report.considered == 6
    person_merge(actor=boris, survivor=cases[0].person, other=cases[1].person)
    result = ctdc_export(actor=analyst, k=5)
    assert result.report.considered == 5
    assert all(len(row) == len(ctdc.COLUMNS) for row in result.rows)


def test_the_first_case_counted_is_the_first_that_research_may_use(victim, analyst, ana, sofia):
    """A first case without consent to research does not hide the person's later case that has it;
    two cases opened the same day count once, the one registered first."""
    first = victim(born=date(1990, 1, 1))
    for _ in range(4):
        victim(born=date(1990, 1, 1))
    consent_record(actor=ana, case=first, purpose=ConsentPurpose.RESEARCH, given=False)
    again = case_open(actor=ana, person=first.person, office=sofia, opened_on=date(2031, 6, 1))
    _screened(again, ana)
    assert ctdc_export(actor=analyst, k=5).report.considered == 5
    counted = set(research_candidates(user=analyst).values_list("pk", flat=True))
    assert again.pk in counted
    assert first.pk not in counted
    same_day = case_open(actor=ana, person=first.person, office=sofia, opened_on=again.opened_on)
    _screened(same_day, ana)
    assert ctdc_export(actor=analyst, k=5).report.considered == 5
    assert set(research_candidates(user=analyst).values_list("pk", flat=True)) == counted
