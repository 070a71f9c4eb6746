"""Exporting identifiable data: only the cases the actor may see and export, only with the person's
consent to export (or a supervisor's recorded override), as a CSV inside an AES-256 encrypted ZIP
archive whose passphrase the actor chooses. Each export is an ExportRecord (which cases, the file's
SHA-256) and one audit entry naming the columns, never their values. Neither the file nor the
passphrase is kept.

On the pages an export is a job (`export_job_start`, then `export_job_write` in a worker; see
jobs.py): the record's SHA-256 is then that of the file inside the archive, which is made only at
the download, with the passphrase typed then. `pristan export` makes the archive at once
(`export_cases`), and records the archive's SHA-256."""

import csv
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pyzipper
from django.contrib.auth import password_validation
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables
from django_stubs_ext import StrOrPromise

from pristan.cases.models import Case
from pristan.core import access
from pristan.core.audit import audit_record
from pristan.core.models import AuditEntry
from pristan.core.replica import reporting_db
from pristan.exports import jobs
from pristan.exports.models import ExportFormat, ExportJob, ExportPurpose, ExportRecord
from pristan.exports.selectors import export_candidates, with_consent_to_export
from pristan.keystore.services import preload_for
from pristan.people.models import Person

NOTHING_TO_EXPORT = _(
    "None of these cases can be exported: the person's consent to export is not recorded for any of them, "
    "and no supervisor has recorded a decision to export without it."
)
PASSPHRASE_IS_PASSWORD = _("Choose a passphrase other than your password for Pristan.")
CHOOSE_A_PURPOSE = _("Choose a purpose from the list.")

# Spreadsheets run a cell that starts with one of these as a formula: such cells get a leading apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    name: str  # what the audit entry records
    label: Callable[[], StrOrPromise]  # the header, in the active language
    value: Callable[[Case], object]


def _label(model: type[models.Model], name: str) -> Callable[[], StrOrPromise]:
    """A model field's own name, which the catalogues already translate."""

    def label() -> StrOrPromise:
        field = model._meta.get_field(name)
        assert isinstance(field, models.Field)
        return capfirst(field.verbose_name)

    return label


def _person(name: str) -> Column:
    # Read as attributes, never with .values(): identifying fields are decrypted by their model fields.
    return Column(name, _label(Person, name), lambda case: getattr(case.person, name))


COLUMNS = [
    Column("reference", _label(Case, "reference"), lambda case: case.reference),
    Column("office", lambda: _("Office code"), lambda case: case.office.code),
    Column("stage", _label(Case, "stage"), lambda case: case.stage),
    Column("status", _label(Case, "status"), lambda case: case.status),
    Column("opened_on", _label(Case, "opened_on"), lambda case: case.opened_on),
    *[
        _person(name)
        for name in ("given_name", "family_name", "other_names", "aliases", "name_latin", "gender", "date_of_birth",
                     "citizenships", "languages", "phone", "email", "city", "country")
    ],
]  # fmt: skip
COLUMN_NAMES = [column.name for column in COLUMNS]
CHOOSE_A_FORMAT = _("Choose a file format from the list.")


@dataclass(frozen=True)
class ExportResult:
    record: ExportRecord
    filename: str
    content: bytes  # the encrypted ZIP archive

    @property
    def included(self) -> int:
        return self.record.cases_included

    @property
    def excluded(self) -> int:
        return self.record.cases_excluded


def cell(value: object) -> str:
    """One value as text: dates in ISO 8601, lists joined with semicolons, formulas defused."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "; ".join(str(item) for item in value)
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_bytes(cases: list[Case]) -> bytes:
    """UTF-8 with a byte-order mark, so that spreadsheets read Cyrillic and Latin names as written."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([str(column.label()) for column in COLUMNS])
    for case in cases:
        writer.writerow([cell(column.value(case)) for column in COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")


@dataclass(frozen=True)
class FileFormat:
    """A layout of the file inside the archive. Other apps register theirs in FILE_FORMATS
    (pristan.interchange adds the HTCDS 2.0 layouts)."""

    label: Callable[[], StrOrPromise]
    extension: str
    render: Callable[[list[Case]], bytes]
    fields: Callable[[], list[str]]  # the column names, for the audit entry


FILE_FORMATS: dict[str, FileFormat] = {
    ExportFormat.CSV_IN_AES_ZIP: FileFormat(lambda: ExportFormat.CSV_IN_AES_ZIP.label, "csv", csv_bytes, lambda: COLUMN_NAMES),
}


@sensitive_variables("passphrase")
def encrypted_zip(*, name: str, content: bytes, passphrase: str) -> bytes:
    buffer = io.BytesIO()
    with pyzipper.AESZipFile(buffer, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES) as archive:
        archive.setpassword(passphrase.encode("utf-8"))
        archive.setencryption(pyzipper.WZ_AES, nbits=256)
        archive.writestr(name, content)
    return buffer.getvalue()


@sensitive_variables("passphrase")
def validate_passphrase(*, passphrase: str, user: User) -> None:
    """The rules for passwords (AUTH_PASSWORD_VALIDATORS), and not the user's own password."""
    try:
        password_validation.validate_password(passphrase, user=user)
    except ValidationError as error:
        raise ValidationError({"passphrase": error.error_list}) from None
    if user.check_password(passphrase):
        raise ValidationError({"passphrase": PASSPHRASE_IS_PASSWORD})


def _selected(*, actor: User, cases: QuerySet[Case]) -> tuple[list[Case], int]:
    """The cases of `cases` to export (those the actor may export, with consent to export) in
    reference order, and how many the actor may export that were left out for want of consent."""
    candidates = export_candidates(user=actor, cases=cases)
    included = list(with_consent_to_export(candidates).select_related("person", "office").order_by("reference"))
    return included, candidates.count() - len(included)


def _refuse_nothing(*, actor: User, ip: str | None) -> ValidationError:
    with transaction.atomic():
        audit_record(
            actor=actor, action=AuditEntry.Action.DENIED, obj=actor, ip=ip,
            detail="export: no case with consent to export",
        )  # fmt: skip
    return ValidationError(NOTHING_TO_EXPORT, code="nothing_to_export")


def _check_choices(*, purpose: str, file_format: str) -> None:
    if purpose not in ExportPurpose.values:
        raise ValidationError({"purpose": CHOOSE_A_PURPOSE})
    if file_format not in FILE_FORMATS:
        raise ValidationError({"file_format": CHOOSE_A_FORMAT})


@sensitive_variables("passphrase")
def export_cases(
    *, actor: User, cases: QuerySet[Case], purpose: str, passphrase: str, ip: str | None,
    file_format: str = ExportFormat.CSV_IN_AES_ZIP,
) -> ExportResult:  # fmt: skip
    """Export the identifiable data of `cases` at once (`pristan export`; the pages use a job,
    `export_job_start`): those the actor may export and that have consent to export (the others
    are left out and counted; cases the actor may not see are neither included nor counted).
    Refused, and the refusal audited, when none is left."""
    access.require_export(actor)
    _check_choices(purpose=purpose, file_format=file_format)
    validate_passphrase(passphrase=passphrase, user=actor)
    with transaction.atomic():
        included, excluded = _selected(actor=actor, cases=cases)
        if included:
            return _write(
                actor=actor, cases=included, excluded=excluded, purpose=purpose, passphrase=passphrase, ip=ip,
                file_format=file_format,
            )  # fmt: skip
    raise _refuse_nothing(actor=actor, ip=ip)


def _stem() -> str:
    return f"pristan-export-{timezone.localtime():%Y%m%d-%H%M%S}"  # names no one


@sensitive_variables("passphrase")
def _write(
    *, actor: User, cases: list[Case], excluded: int, purpose: str, passphrase: str, ip: str | None, file_format: str
) -> ExportResult:
    stem = _stem()
    preload_for(cases)  # every person's data key in one query
    layout = FILE_FORMATS[file_format]
    content = encrypted_zip(name=f"{stem}.{layout.extension}", content=layout.render(cases), passphrase=passphrase)
    record = _record(
        actor=actor, cases=cases, excluded=excluded, purpose=purpose, file_format=file_format,
        sha256=hashlib.sha256(content).hexdigest(), ip=ip,
    )  # fmt: skip
    return ExportResult(record=record, filename=f"{stem}.zip", content=content)


def _record(
    *, actor: User, cases: list[Case], excluded: int, purpose: str, file_format: str, sha256: str, ip: str | None
) -> ExportRecord:
    """The ExportRecord and its audit entry (inside the caller's transaction)."""
    record = ExportRecord.objects.create(
        actor=actor, purpose=purpose, file_format=file_format, cases_included=len(cases),
        cases_excluded=excluded, sha256=sha256, ip=ip or None,
    )  # fmt: skip
    # In batches the database accepts, however many cases the export held.
    ExportRecord.cases.through.objects.bulk_create(
        [ExportRecord.cases.through(exportrecord_id=record.pk, case_id=case.pk) for case in cases], batch_size=500
    )
    offices = {case.office for case in cases}
    # The counts stay in the record: the trail's readers without child clearance must not count children's cases.
    audit_record(
        actor=actor, action=AuditEntry.Action.EXPORT, obj=record, office=offices.pop() if len(offices) == 1 else None,
        fields=FILE_FORMATS[file_format].fields(), detail=purpose, ip=ip,
    )  # fmt: skip
    return record


def export_job_start(
    *, actor: User, cases: QuerySet[Case], purpose: str, file_format: str, ip: str | None, language: str
) -> ExportJob:
    """Ask a worker for the export of `cases` (exports/jobs.py): checked now as `export_cases` checks
    them, and again by the worker. The job holds the ids of the cases the actor may export among
    `cases`, never the search that found them. No passphrase yet: it is asked at the download."""
    from pristan.exports.tasks import export_cases_task  # the task runs this module's export_job_write

    access.require_export(actor)
    _check_choices(purpose=purpose, file_format=file_format)
    candidates = export_candidates(user=actor, cases=cases)
    if not with_consent_to_export(candidates).exists():
        raise _refuse_nothing(actor=actor, ip=ip)
    job = ExportJob(
        kind=ExportJob.Kind.CASES, actor=actor, purpose=purpose, file_format=file_format, ip=ip or None, language=language,
        case_ids=sorted(candidates.values_list("pk", flat=True)),
    )  # fmt: skip
    return jobs.enqueue(job, export_cases_task)


ID_BATCH = 500  # case ids per query: far below what any database accepts in one IN (...)


def export_job_write(job: ExportJob) -> None:
    """The worker's part: the actor's access and each person's consent checked again (either may have
    changed since the job was asked for), the file written sealed, then, in one transaction, the
    ExportRecord, its audit entry and the job made ready."""
    actor = job.actor
    access.require_export(actor)
    included: list[Case] = []
    excluded = 0
    for start in range(0, len(job.case_ids), ID_BATCH):
        batch, left_out = _selected(
            actor=actor, cases=Case.objects.using(reporting_db()).filter(pk__in=job.case_ids[start : start + ID_BATCH])
        )
        included += batch
        excluded += left_out
    if not included:
        raise _refuse_nothing(actor=actor, ip=job.ip)
    included.sort(key=lambda case: case.reference)
    preload_for(included)
    layout = FILE_FORMATS[job.file_format]
    content = layout.render(jobs.Counted(included, job))
    sha256 = jobs.seal_result(job, content, f"{_stem()}.{layout.extension}")
    with transaction.atomic():
        record = _record(
            actor=actor, cases=included, excluded=excluded, purpose=job.purpose, file_format=job.file_format,
            sha256=sha256, ip=job.ip,
        )  # fmt: skip
        jobs.mark_ready(job, record=record)
