"""Each import format, filled with generated cases, imports into a fresh office as typed."""

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User

from pristan.core.models import Office
from pristan.interchange import mapping, readers, services
from pristan.interchange.models import ImportedRecord
from pristan.interchange.tests import files
from pristan.interchange.tests.conftest import records_of


def _import(
    path: Path, office: Office, actor: User, name: str = "upload"
) -> tuple[readers.Table, services.Preview, services.Result]:
    table = readers.open_table(path, path.name)
    source = services.source_of(table, name)
    preview = services.import_check(actor=actor, office=office, table=table, source=source)
    assert [problem.as_dict() for problem in preview.problems] == []
    result = services.import_apply(actor=actor, office=office, table=table, source=source)
    return table, preview, result


def _compare(originals: list[dict[str, Any]], office: Office, fields: list[str]) -> None:
    imported = [record.case for record in ImportedRecord.objects.filter(office=office).order_by("pk")]
    copies = list(records_of(imported).values())
    by_name = {(copy["prs_FirstName"], copy["prs_SecondName"], copy["prs_Birthdate"]): copy for copy in copies}
    assert len(by_name) == len(originals)
    for original in originals:
        copy = by_name[(original["prs_FirstName"], original["prs_SecondName"], original["prs_Birthdate"])]
        lost = {name: (original[name], copy[name]) for name in fields if copy[name] != original[name]}
        assert lost == {}


SPREADSHEET_FIELDS = [
    "prs_FirstName", "prs_SecondName", "prs_Birthdate", "prs_Gender", "prs_Citizenship", "prs_Email", "prs_MobilePhone",
    "prs_MailingCity", "prs_MailingCountry", "con_Consent", "vic_TraffickingStatus", "vic_TraffickingStatusDecisionMakingOrg",
    "vic_MethodOfRecruitment", "vic_MethodsOfControl", "vic_TypeOfExploitation", "vic_ForcedLabourIndustry",
    "vic_TypeOfSexExploitation", "cas_Status", "cas_ReferringOrganisation", "cas_IncomingReferralDate",
    "cas_ReasonForIncomingReferral", "cas_IncomingReferralDetails", "cas_ReferredOrganisation", "cas_ReasonForOutgoingReferral",
    "cas_OutgoingReferralDate", "cas_OutgoingReferralDetails", "cas_ReasonForCaseClosure",
]  # fmt: skip


@pytest.mark.parametrize(("template", "labels"), [(files.SPREADSHEET, False), (files.SINGLE_SELECT, True)])
def test_the_official_spreadsheet_as_published(generated, second_office, tmp_path, template, labels):
    _office, _caseworker, cases = generated(12)
    originals = list(records_of(cases).values())
    path = files.fill_spreadsheet(template, originals, tmp_path / "htcds.xlsx", labels=labels)
    target, importer = second_office
    table, preview, result = _import(path, target, importer)
    assert table.layout == readers.Layout.SPREADSHEET
    assert "cas_ReasonForOutgoingReferral" in table.fields  # the column the spreadsheet left unnamed
    assert "vic_TraffickingStatusDecisionMakingOrg" in table.fields  # misspelt there
    assert (preview.rows, result.created) == (12, 12)  # the numbered empty rows below are not rows
    _compare(originals, target, SPREADSHEET_FIELDS)


KOBO_FIELDS = [
    "prs_FirstName", "prs_SecondName", "prs_Birthdate", "prs_Gender", "prs_Citizenship", "prs_Email", "prs_MobilePhone",
    "prs_MailingCity", "prs_MailingCountry", "con_Consent", "vic_MethodOfRecruitment", "vic_TraffickingStatus",
    "vic_TraffickingStatusDecisionMakingOrg", "vic_MethodsOfControl", "vic_TypeOfExploitation", "vic_ForcedLabourIndustry",
    "vic_TypeOfSexExploitation", "cas_Status", "cas_ReferringOrganisation", "cas_IncomingReferralDate",
    "cas_IncomingReferralDetails",
]  # fmt: skip


@pytest.mark.parametrize("one_column_per_option", [False, True])
@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_kobo_and_odk_submissions_of_the_official_xlsform(generated, second_office, tmp_path, kind, one_column_per_option):
    _office, _caseworker, cases = generated(10)
    originals = list(records_of(cases).values())
    for record in originals:  # the XLSForm asks for the reason of an incoming referral as free text: leave it out
        record["cas_ReasonForIncomingReferral"] = ""
    headers, rows = files.kobo_rows(originals, one_column_per_option=one_column_per_option)
    path = tmp_path / f"kobo.{kind}"
    if kind == "xlsx":
        files.write_xlsx(path, headers, rows)
    else:
        files.write_csv(path, headers, rows, delimiter=";")  # KoboToolbox's CSV uses semicolons
    target, importer = second_office
    table, _preview, result = _import(path, target, importer)
    assert table.layout == readers.Layout.SUBMISSIONS
    assert result.created == 10
    assert "group_person/cas_ReferringPrimaryCaseWorker" in table.columns.ignored
    assert set(ImportedRecord.objects.filter(office=target).values_list("source", flat=True)) == {"odk"}
    _compare(originals, target, KOBO_FIELDS)


def test_a_kobo_file_imported_again_changes_nothing(generated, second_office, tmp_path):
    _office, _caseworker, cases = generated(5)
    headers, rows = files.kobo_rows(list(records_of(cases).values()), one_column_per_option=True)
    path = files.write_xlsx(tmp_path / "kobo.xlsx", headers, rows)
    target, importer = second_office
    _import(path, target, importer)
    _table, preview, result = _import(path, target, importer)
    assert (preview.to_create, preview.to_update, preview.to_skip) == (0, 0, 5)
    assert (result.created, result.updated, result.skipped) == (0, 0, 5)


def test_every_mapped_field_has_a_picklist_where_it_needs_one():
    from pristan.core import vocabularies

    for field in mapping.FIELDS:
        if field.kind in (mapping.Kind.CHOICE, mapping.Kind.CHOICES):
            assert vocabularies.codes(field.picklist), field.name


def test_odk_central_json_submissions_with_nested_groups(sofia, ana, tmp_path):
    import json

    submissions = [
        {
            "__id": "uuid:1",
            "group_person": {"prs_First_Name": "Ана", "prs_Second_Name": "Ристова", "prs_Citizenship": "MK",
                             "vic_TypeOfExploitation": "ForcedLabour ForcedBegging", "con_Consent": "TRUE"},
            "meta": {"instanceID": "uuid:0001"},
        },
    ]  # fmt: skip
    path = tmp_path / "submissions.json"
    path.write_text(json.dumps({"value": submissions}, ensure_ascii=False), encoding="utf-8")
    table, _preview, result = _import(path, sofia, ana)
    assert table.layout == readers.Layout.SUBMISSIONS
    assert result.created == 1
    case = ImportedRecord.objects.get(external_id="uuid:0001").case
    assert (case.person.given_name, case.person.citizenships) == ("Ана", ["MK"])
    assert case.experience.types_of_exploitation == ["ForcedBegging", "ForcedLabour"]
