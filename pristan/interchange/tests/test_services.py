"""The preview and its problems, idempotent re-imports, corrected files, all or nothing, access."""

import csv
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import translation

from pristan.cases.models import Case
from pristan.core import vocabularies
from pristan.core.models import AuditEntry, Office, Role
from pristan.core.services import membership_grant
from pristan.interchange import readers, services
from pristan.interchange.models import ImportedRecord
from pristan.people.models import NameToken, Person

HEADER = ["cas_Id", "prs_FirstName", "prs_SecondName", "prs_Birthdate", "prs_Gender", "prs_Citizenship",
          "vic_TypeOfExploitation", "con_Consent", "cas_Status"]  # fmt: skip
ROWS = [
    ["A-1", "Мария", "Иванова", "1999-03-04", "Feminine", "BG", "ForcedLabour; SexualExploitation", "TRUE", "Active"],
    ["A-2", "Elena", "Popa", "2001-11-30", "Feminine", "MD; RO", "ForcedBegging", "TRUE", "Active"],
    ["A-3", "Jovan", "Petrović", "1988-01-15", "Masculine", "RS", "ForcedLabour", "FALSE", "Closed"],
]


def write(tmp_path: Path, rows: list[list[str]], name: str = "cases.csv", header: list[str] = HEADER) -> readers.Table:
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return readers.open_table(path, name)


def check(table: readers.Table, office: Office, actor: User) -> services.Preview:
    return services.import_check(actor=actor, office=office, table=table, source=services.source_of(table, "cases"))


def apply(table: readers.Table, office: Office, actor: User, **options: Any) -> services.Result:
    return services.import_apply(actor=actor, office=office, table=table, source=services.source_of(table, "cases"), **options)


def test_the_preview_counts_and_writes_nothing(tmp_path, sofia, ana):
    preview = check(write(tmp_path, ROWS), sofia, ana)
    assert (preview.rows, preview.to_create, preview.to_update, preview.to_skip, preview.invalid) == (3, 3, 0, 0, 0)
    assert Case.objects.count() == 0
    assert Person.objects.count() == 0


def test_every_problem_has_its_row_column_value_and_a_message(tmp_path, sofia, ana):
    rows = [
        ["B-1", "Ana", "Bad", "31/02/1999", "Feminine", "BG", "ForcedLabor", "TRUE", "Active"],
        ["B-2", "", "NoName", "1999-01-01", "Femnine", "Atlantis", "ForcedLabour", "maybe", "Active"],
        ["B-3", "Good", "Row", "1999-01-01", "Feminine", "Bulgaria", "Forced labour", "yes", "Follow up"],
    ]
    preview = check(write(tmp_path, rows), sofia, ana)
    problems = {(problem.row, problem.column): problem for problem in preview.problems}
    assert set(problems) == {(2, "prs_Birthdate"), (2, "vic_TypeOfExploitation"), (3, "prs_FirstName"), (3, "prs_Gender"),
                             (3, "prs_Citizenship"), (3, "con_Consent")}  # fmt: skip
    assert problems[2, "prs_Birthdate"].value == "31/02/1999"
    assert "is not a date" in problems[2, "prs_Birthdate"].message
    assert "The closest is “ForcedLabour”" in problems[2, "vic_TypeOfExploitation"].message
    assert "The closest is “Feminine”" in problems[3, "prs_Gender"].message
    assert "is not a country" in problems[3, "prs_Citizenship"].message
    assert "required" in problems[3, "prs_FirstName"].message
    assert (preview.invalid, preview.to_create) == (2, 1)  # labels and names of countries are understood


def test_problems_speak_the_users_language(tmp_path, sofia, ana):
    rows = [["C-1", "Ana", "Bad", "1999-01-01", "Femnine", "BG", "ForcedLabour", "TRUE", "Active"]]
    with translation.override("bg"):
        preview = check(write(tmp_path, rows), sofia, ana)
        label = vocabularies.label("prs_Gender", "Feminine")
    assert label != "Feminine"
    assert (preview.problems[0].column, preview.problems[0].value) == ("prs_Gender", "Femnine")
    assert label in preview.problems[0].message


def test_nothing_is_written_when_a_row_has_a_problem(tmp_path, sofia, ana):
    rows = [*ROWS, ["A-4", "Bad", "Date", "1999-13-45", "Feminine", "BG", "ForcedLabour", "TRUE", "Active"]]
    table = write(tmp_path, rows)
    audit_before = AuditEntry.objects.count()
    with pytest.raises(ValidationError):
        apply(table, sofia, ana)
    assert (Case.objects.count(), Person.objects.count(), ImportedRecord.objects.count()) == (0, 0, 0)
    assert AuditEntry.objects.count() == audit_before


def test_skip_invalid_imports_the_valid_rows_only(tmp_path, sofia, ana):
    rows = [*ROWS, ["A-4", "Bad", "Date", "1999-13-45", "Feminine", "BG", "ForcedLabour", "TRUE", "Active"]]
    result = apply(write(tmp_path, rows), sofia, ana, skip_invalid=True)
    assert (result.created, result.invalid) == (3, 1)
    assert Case.objects.count() == 3


def test_imported_persons_are_sealed_indexed_audited_and_children_flagged(tmp_path, sofia, ana):
    rows = [["D-1", "Малина", "Петкова", "2015-06-01", "Feminine", "BG", "ChildLabour", "TRUE", "Active"]]
    result = apply(write(tmp_path, rows), sofia, ana)
    case = Case.objects.get(reference=result.references[0])
    assert case.person.given_name == "Малина"
    assert NameToken.objects.filter(person=case.person).exists()
    assert case.minor_at_registration
    assert case.experience.types_of_exploitation == ["ChildLabour"]
    assert case.consent_events.get().given is True
    created = AuditEntry.objects.filter(action=AuditEntry.Action.CREATE, object_type="people.person")
    assert "given_name" in created.get().fields
    out = StringIO()
    call_command("audit", "verify", stdout=out)  # the import's entries, written in batches, continue the chain
    assert "Audit trail intact:" in out.getvalue()


def test_importing_the_same_file_again_changes_nothing(tmp_path, sofia, ana):
    table = write(tmp_path, ROWS)
    apply(table, sofia, ana)
    audit_before = AuditEntry.objects.count()
    preview = check(table, sofia, ana)
    assert (preview.to_create, preview.to_update, preview.to_skip) == (0, 0, 3)
    result = apply(table, sofia, ana)
    assert (result.created, result.updated, result.skipped) == (0, 0, 3)
    assert Case.objects.count() == 3
    assert AuditEntry.objects.count() == audit_before


def test_a_corrected_file_updates_only_what_changed(tmp_path, sofia, ana):
    apply(write(tmp_path, ROWS), sofia, ana)
    corrected = [list(row) for row in ROWS]
    corrected[1][2] = "Popescu"  # a family name corrected
    corrected[2][6] = "ForcedLabour; ForcedBegging"
    table = write(tmp_path, corrected, name="cases-corrected.csv")
    audit_before = AuditEntry.objects.count()
    preview = check(table, sofia, ana)
    assert (preview.to_create, preview.to_update, preview.to_skip) == (0, 2, 1)
    result = apply(table, sofia, ana)
    assert (result.created, result.updated, result.skipped) == (0, 2, 1)
    changes = AuditEntry.objects.filter(pk__gt=0).order_by("sequence")[audit_before:]
    assert [(entry.object_type, entry.fields) for entry in changes] == [
        ("people.person", ["family_name"]),
        ("experience.traffickingexperience", ["types_of_exploitation"]),
    ]
    elena = ImportedRecord.objects.get(external_id="A-2").case.person
    assert elena.family_name == "Popescu"


def test_someone_who_cannot_register_in_the_office_is_refused(tmp_path, sofia, marko, vera):
    table = write(tmp_path, ROWS)
    for outsider in (marko, vera):
        with pytest.raises(PermissionDenied):
            check(table, sofia, outsider)
        with pytest.raises(PermissionDenied):
            apply(table, sofia, outsider)
    assert Case.objects.count() == 0


def test_an_import_never_reaches_the_cases_of_another_office(tmp_path, sofia, skopje, ana, marko):
    apply(write(tmp_path, ROWS), sofia, ana)
    # The same file in Skopje: new cases there, Sofia's untouched and unnamed.
    preview = check(write(tmp_path, ROWS), skopje, marko)
    assert (preview.to_create, preview.to_update) == (3, 0)
    assert all("SOF" not in problem.value for problem in preview.problems)
    apply(write(tmp_path, ROWS), skopje, marko)
    assert Case.objects.filter(office=sofia).count() == Case.objects.filter(office=skopje).count() == 3


def test_a_record_whose_case_the_importer_cannot_change_is_a_problem(tmp_path, sofia, ana, django_user_model):
    apply(write(tmp_path, ROWS), sofia, ana)
    zoran = django_user_model.objects.create_user("zoran")
    membership_grant(actor=None, user=zoran, office=sofia, role=Role.CASEWORKER, child_clearance=True)  # his own cases only
    corrected = [list(row) for row in ROWS]
    corrected[0][2] = "Changed"
    preview = check(write(tmp_path, corrected), sofia, zoran)
    assert preview.invalid == 3
    assert all("cannot change" in problem.message and "SOF" not in problem.value for problem in preview.problems)


def test_an_active_case_with_consent_and_a_victim_decision_enters_assistance(tmp_path, sofia, ana):
    header = [
        "cas_Id",
        "prs_FirstName",
        "con_Consent",
        "vic_TraffickingStatus",
        "vic_TraffickingStatusDecisionMakingOrg",
        "cas_Status",
    ]
    rows = [
        ["E-1", "Vesna", "TRUE", "Actual victim of trafficking", "Police", "Active"],
        ["E-2", "Mila", "FALSE", "PossibleVictimOfTrafficking", "", "Active"],
        ["E-3", "Dana", "TRUE", "NotAVictimOfTrafficking", "NGO", "Closed"],
    ]
    apply(write(tmp_path, rows, header=header), sofia, ana)
    stages = {record.external_id: (record.case.stage, record.case.status) for record in ImportedRecord.objects.all()}
    assert stages == {"E-1": ("assistance", "Active"), "E-2": ("screening", "Active"), "E-3": ("closed", "Closed")}
    screening = ImportedRecord.objects.get(external_id="E-1").case.screenings.get()
    assert (screening.decision, screening.deciding_body) == ("ActualVictimOfTrafficking", "Police")
