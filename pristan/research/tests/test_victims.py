"""CTDC counts victims, not records: a person with several cases is one row, and a record merged
into another is not counted again."""

from datetime import date

from django.contrib.auth.models import User

from pristan.cases.models import Case, ConsentPurpose
from pristan.cases.services import case_open, consent_record
from pristan.duplicates.merge import person_merge
from pristan.research import ctdc
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
    result = ctdc_export(actor=analyst, k=5)
    assert result.report.considered == 5
    years = sorted(row["yearOfRegistration"] for row in result.rows)
    assert str(again.opened_on.year) not in years  # the row of her first case, not of the later one


def test_a_merged_record_is_counted_once_with_its_survivor(victim, analyst, boris):
    cases = [victim(given_name="Ђорђе", family_name="Јовановић", born=date(1990, 4, 12)) for _ in range(6)]
    assert ctdc_export(actor=analyst, k=5).report.considered == 6
    person_merge(actor=boris, survivor=cases[0].person, other=cases[1].person)
    result = ctdc_export(actor=analyst, k=5)
    assert result.report.considered == 5
    assert all(len(row) == len(ctdc.COLUMNS) for row in result.rows)
