"""export_cases: who may export, which cases go in, what is written and what never is."""

import hashlib
import io
import re
import zipfile
from datetime import date

import pytest
import pyzipper
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.utils import translation

from pristan.cases.models import Case, ConsentPurpose
from pristan.cases.selectors import may_proceed
from pristan.cases.services import consent_record
from pristan.core.models import AuditEntry
from pristan.exports.models import ExportPurpose, ExportRecord
from pristan.exports.selectors import exports_containing, with_consent_to_export
from pristan.exports.services import COLUMN_NAMES, ExportResult, export_cases
from pristan.exports.tests.conftest import NOT_EXPORTING, PASSPHRASE, consent_to_export, open_archive, override_export

IP = "203.0.113.5"


def _export(actor: User, cases: QuerySet[Case] | None = None, passphrase: str = PASSPHRASE) -> ExportResult:
    cases = Case.objects.all() if cases is None else cases
    return export_cases(actor=actor, cases=cases, purpose=ExportPurpose.REFERRAL, passphrase=passphrase, ip=IP)


def test_a_case_without_consent_to_export_is_left_out_and_counted(ana, open_case):
    given = consent_to_export(open_case("Иван", "Петров"), ana)
    open_case("Мария", "Иванова")  # nothing recorded
    consent_to_export(consent_to_export(open_case("Ђорђе", "Јовановић"), ana), ana, given=False)  # withdrawn since
    result = _export(ana)
    assert (result.included, result.excluded) == (1, 2)
    assert list(result.record.cases.all()) == [given]
    _name, rows = open_archive(result.content)
    assert [row[0] for row in rows[1:]] == [given.reference]


def test_a_supervisors_override_lets_a_case_in(ana, boris, open_case):
    case = open_case()
    override_export(case, boris)
    assert _export(ana).included == 1


def test_the_rule_is_may_proceed_for_every_case_at_once(ana, boris, open_case):
    states = [open_case(f"Име{n}") for n in range(5)]
    consent_to_export(states[0], ana)
    consent_to_export(consent_to_export(states[1], ana), ana, given=False)
    consent_to_export(consent_to_export(states[2], ana, given=False), ana)
    override_export(states[3], boris)
    consent_record(actor=ana, case=states[4], purpose=ConsentPurpose.REFERRAL, given=True)  # not consent to export
    expected = {case.pk for case in states if may_proceed(case, ConsentPurpose.EXPORT)}
    assert set(with_consent_to_export(Case.objects.all()).values_list("pk", flat=True)) == expected
    assert expected == {states[0].pk, states[2].pk, states[3].pk}


def test_a_childs_case_never_reaches_a_user_without_clearance(ana, nina, open_case):
    adult = consent_to_export(open_case("Иван", "Петров"), ana)
    child = consent_to_export(open_case("Петя", "Петрова", born=date(2014, 2, 3)), ana)
    assert child.is_minor
    result = _export(nina)
    assert list(result.record.cases.all()) == [adult]
    assert (result.included, result.excluded) == (1, 0)  # not even counted as left out
    _name, rows = open_archive(result.content)
    assert "Петя" not in {cell for row in rows for cell in row}


def test_another_offices_cases_are_never_exported(ana, marko, open_case):
    consent_to_export(open_case(), ana)
    with pytest.raises(ValidationError, match="None of these cases can be exported"):
        _export(marko)
    assert not ExportRecord.objects.exists()
    refusal = AuditEntry.objects.get(action=AuditEntry.Action.DENIED, actor=marko)
    assert refusal.detail == "export: no case with consent to export"


@pytest.mark.parametrize("role", NOT_EXPORTING)
def test_roles_that_do_not_export_are_refused(role, ana, staff, open_case):
    consent_to_export(open_case(), ana)
    with pytest.raises(PermissionDenied):
        _export(staff(role))
    assert not ExportRecord.objects.exists()


def test_the_archive_opens_only_with_the_passphrase_and_holds_the_names_as_written(ana, open_case):
    case = consent_to_export(
        open_case("Иван", "Петров", other_names="Иванов", aliases="Ванката", phone="+359 88 123 4567", email="ivan@example.org",
                  city="Пловдив", languages=["bg", "ru"], gender="Masculine"),
        ana,
    )  # fmt: skip
    result = _export(ana)
    assert re.fullmatch(r"pristan-export-\d{8}-\d{6}\.zip", result.filename)
    with pytest.raises(RuntimeError):
        open_archive(result.content, passphrase="not the passphrase at all")
    with zipfile.ZipFile(io.BytesIO(result.content)) as plain, pytest.raises(NotImplementedError):  # AES, not ZipCrypto
        plain.read(plain.namelist()[0], pwd=PASSPHRASE.encode())
    with pyzipper.AESZipFile(io.BytesIO(result.content)) as archive:
        assert archive.infolist()[0].wz_aes_strength == 3  # AES-256
    name, rows = open_archive(result.content)
    assert name == result.filename.replace(".zip", ".csv")  # the file inside names no one
    header, row = rows
    assert header == ["Reference", "Office code", "Stage", "Status", "Opened on", "Given name", "Family name", "Other names",
                      "Aliases", "Name in Latin script", "Gender", "Date of birth", "Citizenships", "Languages", "Phone",
                      "Email", "City", "Country of residence"]  # fmt: skip
    assert row == [case.reference, "SOF", "screening", case.status, case.opened_on.isoformat(), "Иван", "Петров", "Иванов",
                   "Ванката", case.person.name_latin, "Masculine", "1996-05-04", "BG", "bg; ru", "'+359 88 123 4567",
                   "ivan@example.org", "Пловдив", ""]  # fmt: skip


def test_the_header_is_in_the_users_language(ana, open_case):
    consent_to_export(open_case(), ana)
    with translation.override("bg"):
        result = _export(ana)
        expected = translation.gettext("Office code")
    _name, rows = open_archive(result.content)
    assert rows[0][1] == expected


def test_the_record_and_the_audit_entry_name_fields_never_values(ana, open_case):
    case = consent_to_export(open_case("Иван", "Петров"), ana)
    open_case("Мария", "Иванова")
    result = _export(ana)
    record = ExportRecord.objects.get()
    assert (record.actor, record.purpose, record.file_format) == (ana, "referral", "csv-aes-zip")
    assert (record.cases_included, record.cases_excluded, record.ip) == (1, 1, IP)
    assert record.sha256 == hashlib.sha256(result.content).hexdigest()
    assert list(exports_containing(person=case.person)) == [record]
    entry = AuditEntry.objects.get(action=AuditEntry.Action.EXPORT)
    assert (entry.actor, entry.object_type, entry.object_id, entry.ip) == (ana, "exports.exportrecord", str(record.pk), IP)
    assert entry.fields == sorted(COLUMN_NAMES)
    assert entry.office is not None
    assert entry.office.code == "SOF"
    assert entry.detail == "referral"  # no counts: a reader without child clearance must not count children's cases
    written = " ".join([*entry.fields, entry.detail, record.sha256])
    for value in ("Иван", "Петров", "Мария", "Ivan", case.reference, PASSPHRASE):
        assert value not in written


@pytest.mark.parametrize(
    ("passphrase", "message"),
    [("short", "at least 12 characters"), ("123456789012345", "entirely numeric"), ("password1234", "too common"),
     ("correct-horse-battery-staple", "other than your password")],
)  # fmt: skip
def test_a_weak_passphrase_is_refused_and_nothing_is_written(ana, open_case, passphrase, message):
    consent_to_export(open_case(), ana)
    entries = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as refused:
        _export(ana, passphrase=passphrase)
    assert message in " ".join(refused.value.message_dict["passphrase"])
    assert not ExportRecord.objects.exists()
    assert AuditEntry.objects.count() == entries


def test_only_the_cases_asked_for_are_exported(ana, open_case):
    first = consent_to_export(open_case("Иван"), ana)
    consent_to_export(open_case("Мария"), ana)
    result = _export(ana, cases=Case.objects.filter(pk=first.pk))
    assert list(result.record.cases.all()) == [first]
    assert result.excluded == 0
