"""Every way a person's name enters refuses invisible and bidirectional characters, with a message
that names the field and the character, writes nothing, and stores what it takes in NFC."""

import unicodedata
from datetime import date

import pytest
from django.urls import reverse

from pristan.cases.models import Case
from pristan.core.models import AuditEntry
from pristan.experience.models import Perpetrator
from pristan.experience.services import perpetrator_add
from pristan.interchange import services as imports
from pristan.interchange.tests.test_services import HEADER, write
from pristan.people.models import Person
from pristan.people.services import person_register

SPOOF = "Ana\u202egnp.exe"
MESSAGE = (
    "%s contains an invisible or control character, RIGHT-TO-LEFT OVERRIDE (U+202E), which can disguise how it is "
    "displayed. Remove it and type the text again."
)
COMPOSED = "Ćosić"
DECOMPOSED = unicodedata.normalize("NFD", COMPOSED)
assert DECOMPOSED != COMPOSED


def _form(office_id: int, **names: str) -> dict[str, object]:
    return {"office": office_id, "given_name": "Иван", "family_name": "Петров", "citizenships": ["BG"], **names}


@pytest.mark.parametrize(
    ("field", "label"),
    [("given_name", "Given name"), ("family_name", "Family name"), ("aliases", "Aliases"), ("guardian_name", "Guardian")],
)
def test_the_registration_page_refuses_a_spoofed_name_and_writes_nothing(ana, client_of, field, label):
    audit = AuditEntry.objects.count()
    response = client_of(ana).post(reverse("register"), _form(ana.memberships.get().office_id, **{field: SPOOF}))
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [MESSAGE % label]
    assert not Person.objects.exists()
    assert not Case.objects.exists()
    assert AuditEntry.objects.count() == audit


def test_the_registration_page_stores_names_in_nfc(ana, client_of):
    response = client_of(ana).post(reverse("register"), _form(ana.memberships.get().office_id, given_name=DECOMPOSED))
    assert response.status_code == 302
    assert Person.objects.get().given_name == COMPOSED


def test_the_edit_page_refuses_a_spoofed_name_and_keeps_the_old_one(case, ana, client_of):
    url = reverse("person_edit", args=[case.reference])
    data = {"given_name": "Иван", "family_name": "Пет\u200bров", "citizenships": ["BG"]}
    response = client_of(ana).post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors["family_name"] == [
        "Family name contains an invisible or control character, ZERO WIDTH SPACE (U+200B), which can disguise how it is "
        "displayed. Remove it and type the text again."
    ]
    case.person.refresh_from_db()
    assert case.person.family_name == "Петров"


def test_an_import_shows_the_problem_on_its_row_and_imports_nothing(tmp_path, sofia, ana):
    rows = [
        ["A-1", "Мария", "Иванова", "1999-03-04", "Feminine", "BG", "ForcedLabour", "TRUE", "Active"],
        ["A-2", SPOOF, "Popa", "2001-11-30", "Feminine", "MD", "ForcedBegging", "TRUE", "Active"],
        ["A-3\u200f", "Jovan", "Petrović", "1988-01-15", "Masculine", "RS", "ForcedLabour", "FALSE", "Closed"],
    ]
    table = write(tmp_path, rows)
    preview = imports.import_check(actor=ana, office=sofia, table=table, source="cases.csv")
    problems = {(problem.row, problem.column): problem.message for problem in preview.problems}
    assert problems == {
        (3, "prs_FirstName"): MESSAGE % "prs_FirstName",
        (4, "cas_Id"): "cas_Id contains an invisible or control character, RIGHT-TO-LEFT MARK (U+200F), which can disguise "
        "how it is displayed. Remove it and type the text again.",
    }
    assert (preview.to_create, preview.invalid) == (1, 2)
    with pytest.raises(Exception, match="problem"):
        imports.import_apply(actor=ana, office=sofia, table=write(tmp_path, rows), source="cases.csv")
    assert not Person.objects.exists()


def test_an_import_stores_names_in_nfc(tmp_path, sofia, ana):
    rows = [["A-1", DECOMPOSED, unicodedata.normalize("NFD", "Petrović"), "1999-03-04", "Masculine", "RS", "ForcedLabour",
             "TRUE", "Active"]]  # fmt: skip
    assert HEADER[1:3] == ["prs_FirstName", "prs_SecondName"]
    imports.import_apply(actor=ana, office=sofia, table=write(tmp_path, rows), source="cases.csv")
    person = Person.objects.get()
    assert (person.given_name, person.family_name) == (COMPOSED, "Petrović")


def test_a_spoofed_partner_in_an_import_is_refused(tmp_path, sofia, ana):
    header = [*HEADER, "cas_ReferringOrganisation"]
    rows = [["A-1", "Мария", "Иванова", "1999-03-04", "Feminine", "BG", "ForcedLabour", "TRUE", "Active", "La\u202eStrada"]]
    preview = imports.import_check(actor=ana, office=sofia, table=write(tmp_path, rows, header=header), source="cases.csv")
    assert [(problem.column, problem.message) for problem in preview.problems] == [
        (
            "cas_ReferringOrganisation",
            MESSAGE % "cas_ReferringOrganisation",
        )
    ]


def test_the_services_refuse_what_no_form_would_send(ana, sofia, case):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        person_register(
            actor=ana, office=sofia, data={"given_name": "Ana", "other_names": "x\x00y", "date_of_birth": date(1990, 1, 1)}
        )
    assert "CONTROL CHARACTER (U+0000)" in error.value.message_dict["other_names"][0]
    with pytest.raises(ValidationError) as error:
        perpetrator_add(actor=ana, case=case, data={"name": "Boss\u202e"})
    assert "Name or description contains" in error.value.message_dict["name"][0]
    assert not Perpetrator.objects.exists()
    perpetrator = perpetrator_add(actor=ana, case=case, data={"name": DECOMPOSED})
    assert perpetrator.name == COMPOSED
