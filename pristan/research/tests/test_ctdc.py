"""The CTDC layout: its 63 columns in order, -99 for what is missing, CTDC's age bands, and where
each value comes from."""

import csv
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from pristan.cases.models import Case
from pristan.experience.services import perpetrator_add
from pristan.keystore.services import key_scope
from pristan.research import ctdc
from pristan.research.selectors import research_sources

STANDARD = Path(__file__).resolve().parent / "ctdc"  # the layout files, copied unchanged (see its README)


def test_the_63_columns_in_the_order_of_the_standard():
    assert len(ctdc.COLUMNS) == 63
    assert list(ctdc.COLUMNS) == (STANDARD / "columns.txt").read_text(encoding="utf-8").split()
    with (STANDARD / "sample_rows.csv").open(encoding="utf-8", newline="") as handle:
        assert next(csv.reader(handle)) == list(ctdc.COLUMNS)


@pytest.mark.parametrize(
    ("age", "band", "majority"),
    [
        (0, "0--8", "Minor"), (8, "0--8", "Minor"), (9, "9--17", "Minor"), (17, "9--17", "Minor"), (18, "18--20", "Adult"),
        (20, "18--20", "Adult"), (21, "21--23", "Adult"), (29, "27--29", "Adult"), (30, "30--38", "Adult"),
        (38, "30--38", "Adult"), (39, "39--47", "Adult"), (47, "39--47", "Adult"), (48, "48+", "Adult"), (90, "48+", "Adult"),
        (None, "-99", "-99"),
    ],
)  # fmt: skip
def test_ages_in_ctdcs_bands(age, band, majority):
    assert ctdc.age_band(age) == band
    assert ctdc.majority(age) == majority


def test_every_band_of_the_standard_and_no_other():
    assert [label for _low, _high, label in ctdc.AGE_BANDS] == [
        "0--8", "9--17", "18--20", "21--23", "24--26", "27--29", "30--38", "39--47", "48+",
    ]  # fmt: skip


def _row(case: Case) -> dict[str, str]:
    with key_scope():
        return ctdc.ctdc_row(research_sources(Case.objects.filter(pk=case.pk)).get())


def test_a_case_with_nothing_recorded_is_minus_99_where_nothing_is_known(victim):
    case = victim(born=None, citizenships=[])
    row = _row(case)
    assert list(row) == list(ctdc.COLUMNS)
    known = {
        "yearOfRegistration": str(case.opened_on.year), "Datasource": "Case Management",
        "meansOfControlNotSpecified": "1", "meansOfControlConcatenated": "Not specified",
        "RecruiterRelationship": "Not Specified", "recruiterRelationUnknown": "1",
    }  # fmt: skip
    assert {column: value for column, value in row.items() if value != "-99"} == known


def test_age_at_registration_from_the_date_of_birth_on_the_day_the_case_opened(victim):
    today = timezone.localdate()
    turned_18_tomorrow = date(today.year - 18, today.month, today.day) + timedelta(days=1)
    row = _row(victim(born=turned_18_tomorrow))
    assert (row["ageBroad"], row["majorityStatus"]) == ("9--17", "Minor")
    row = _row(victim(born=date(today.year - 18, today.month, today.day), date_of_birth_estimated=True))
    assert (row["ageBroad"], row["majorityStatus"]) == ("18--20", "Adult")


def test_a_fully_recorded_case(victim, ana):
    case = victim(
        gender="Feminine", citizenships=["MD", "RO"], exploited_in="TR",
        experience={
            "methods_of_control": ["DebtBondage", "PhysicalThreats", "ThreatensChildrenFamily", "WithholdsDocuments"],
            "types_of_exploitation": ["ForcedLabour", "SexualExploitation"],
            "forced_labour_industry": "I_AccommodationAndFoodServiceActivities",
            "types_of_sex_exploitation": ["Prostitution"],
            "relationship_to_trafficker": "Acquainted",
            "age_when_trafficked": 16,
        },
    )  # fmt: skip
    perpetrator_add(actor=ana, case=case, data={"name": "Тодор", "roles": ["Kidnapper", "Exploiter"]})
    row = _row(case)
    assert row["gender"] == "Female"
    assert row["citizenship"] == "MD"
    assert row["CountryOfExploitation"] == "TR"
    assert (row["majorityStatus"], row["majorityStatusAtExploit"]) == ("Adult", "Minor")
    assert row["meansOfControlDebtBondage"] == row["meansOfControlThreats"] == row["meansOfControlWithholdsDocuments"] == "1"
    assert row["meansOfControlSexualAbuse"] == "0"
    assert row["meansOfControlRestrictsMovement"] == "-99"  # no source: never 0
    assert row["meansOfControlNotSpecified"] == "0"
    assert row["meansOfControlConcatenated"] == "Debt bondage;Threats;Withholds documents"
    assert (row["isForcedLabour"], row["isSexualExploit"], row["isSexAndLabour"], row["isOtherExploit"]) == ("1", "1", "1", "0")
    assert row["typeOfExploitConcatenated"] == "Forced labour;Sexual exploitation"
    assert (row["typeOfLabourHospitality"], row["typeOfLabourConstruction"], row["typeOfLabourNotSpecified"]) == ("1", "0", "0")
    assert row["typeOfLabourConcatenated"] == "Hospitality"
    assert (row["typeOfSexProstitution"], row["typeOfSexPornography"], row["typeOfSexConcatenated"]) == ("1", "0", "Prostitution")
    assert row["isAbduction"] == "1"
    assert row["RecruiterRelationship"] == "Friend/Acquaintance"
    assert (row["recruiterRelationFriend"], row["recruiterRelationFamily"], row["recruiterRelationUnknown"]) == ("1", "0", "0")
    assert row["recruiterRelationIntimatePartner"] == "-99"


def test_columns_without_a_source_are_always_minus_99(victim):
    case = victim(
        experience={
            "methods_of_control": ["Other"],
            "types_of_exploitation": ["ForcedLabour"],
            "relationship_to_trafficker": "Familial",
        }
    )
    row = _row(case)
    assert all(row[column] == "-99" for column in ctdc.NO_SOURCE)
    assert row["typeOfLabourNotSpecified"] == "1"


def test_flags_are_one_zero_or_minus_99(victim):
    row = _row(victim(experience={"types_of_exploitation": ["Servitude"], "methods_of_control": ["SexualAbuse"]}))
    flags = [column for column in ctdc.COLUMNS if column.startswith(("meansOf", "is", "typeOf", "recruiterRelation"))]
    flags = [column for column in flags if not column.endswith("Concatenated")]
    assert {row[column] for column in flags} <= {"1", "0", "-99"}
    assert row["isSlaveryAndPractices"] == "1"
    assert row["typeOfExploitConcatenated"] == "Slavery and similar practices"


def test_no_value_is_an_identifier(victim):
    case = victim(gender="Masculine", exploited_in="DE")
    values = set(_row(case).values())
    person = case.person
    with key_scope():
        identifiers = {
            person.given_name,
            person.family_name,
            case.reference,
            str(person.date_of_birth),
            case.opened_on.isoformat(),
        }
    assert not values & identifiers
