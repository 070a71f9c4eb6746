"""Exporting identifiable data: only the cases the actor may see and export, only with the person's
consent to export (or a supervisor's recorded override), as a CSV inside an AES-256 encrypted ZIP
archive whose passphrase the actor chooses. Each export is an ExportRecord (which cases, the file's
SHA-256) and one audit entry naming the columns, never their values. Neither the file nor the
passphrase is kept.

On the pages an export is a job (`export_job_start`, then `export_job_write` in a worker; see
jobs.py): the record's SHA-256 is then that of the file inside the archive, which is made only at
the download, with the passphrase typed then. `pristan export` makes the archive at once
(`export_cases`), and records the archive's SHA-256.

Both stream, in constant memory whatever the number of cases (`stream_cases`): the cases are read
in batches of CHUNK in the order of their ids, each batch with what its rows need (one query per
relation), its persons' data keys unwrapped in a key scope of its own and forgotten after the
batch, and its rows written to the file (sealed, or inside the archive) before the next batch is
read. What stays in memory for the whole export is the ids of the cases written (8 bytes a case,
for the ExportRecord) and the offices they belong to."""

from __future__ import annotations

import csv
import hashlib
import io
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from typing import BinaryIO, Protocol, cast

import pyzipper
from django.contrib.auth import password_validation
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables
from django_stubs_ext import StrOrPromise

from pristan.cases.models import Case
from pristan.core import access
from pristan.core.audit import audit_record
from pristan.core.models import AuditEntry, Office
from pristan.core.replica import reporting_db
from pristan.exports import jobs
from pristan.exports.models import ExportFormat, ExportJob, ExportPurpose, ExportRecord
from pristan.exports.selectors import export_candidates, with_consent_to_export
from pristan.keystore.services import key_scope, preload_for
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


class RowWriter(Protocol):
    """Writes one file of a layout to a binary stream, a batch of cases at a time."""

    def write(self, cases: Sequence[Case]) -> None: ...

    def close(self) -> None: ...  # the end of the file; the stream itself stays open


class TextSink(io.TextIOWrapper):
    """Text written straight through to a binary stream that stays open when this is closed."""

    def __init__(self, target: BinaryIO, encoding: str = "utf-8") -> None:
        super().__init__(target, encoding=encoding, newline="", write_through=True)

    def close(self) -> None:
        self.flush()
        self.detach()


class CsvWriter:
    """UTF-8 with a byte-order mark, so that spreadsheets read Cyrillic and Latin names as written."""

    def __init__(self, target: BinaryIO) -> None:
        self._text = TextSink(target, "utf-8-sig")
        self._csv = csv.writer(self._text)
        self._csv.writerow([str(column.label()) for column in COLUMNS])

    def write(self, cases: Sequence[Case]) -> None:
        self._csv.writerows([cell(column.value(case)) for column in COLUMNS] for case in cases)

    def close(self) -> None:
        self._text.close()


def with_person_and_office(cases: QuerySet[Case]) -> QuerySet[Case]:
    return cases.select_related("person", "office")


@dataclass(frozen=True)
class FileFormat:
    """A layout of the file inside the archive. Other apps register theirs in FILE_FORMATS
    (pristan.interchange adds the HTCDS 2.0 layouts)."""

    label: Callable[[], StrOrPromise]
    extension: str
    writer: Callable[[BinaryIO], RowWriter]
    fields: Callable[[], list[str]]  # the column names, for the audit entry
    # What a batch of cases loads besides them: its relations, one query each, for the batch only.
    related: Callable[[QuerySet[Case]], QuerySet[Case]] = field(default=with_person_and_office)


FILE_FORMATS: dict[str, FileFormat] = {
    ExportFormat.CSV_IN_AES_ZIP: FileFormat(lambda: ExportFormat.CSV_IN_AES_ZIP.label, "csv", CsvWriter, lambda: COLUMN_NAMES),
}

CHUNK = 500  # cases read, unsealed and written at a time: far below what any database accepts in one IN (...)


def chunks(ids: Iterable[int], size: int | None = None) -> Iterator[list[int]]:
    iterator = iter(ids)
    while chunk := list(islice(iterator, size or CHUNK)):
        yield chunk


def forget(cases: Iterable[Model]) -> None:
    """Break the reference cycles Django makes between a batch's instances and what was loaded with
    them (a prefetched row points back at its case, a reverse one-to-one too), so that the batch is
    freed as soon as it is done with, not at the garbage collector's next full collection: that
    one comes later the more is in memory, and the garbage grows with the export meanwhile."""
    for instance in cases:
        instance.__dict__.pop("_prefetched_objects_cache", None)
        instance._state.fields_cache.clear()


@dataclass
class Streamed:
    """What `stream_cases` wrote: the ids of the cases in the file (8 bytes each), their offices,
    and how many the actor may export that were left out for want of consent."""

    case_ids: array[int] = field(default_factory=lambda: array("q"))
    office_ids: set[int] = field(default_factory=set)
    excluded: int = 0
    done: int = 0  # ids gone through, included or not

    @property
    def included(self) -> int:
        return len(self.case_ids)


def stream_cases(
    *, actor: User, id_chunks: Iterable[Sequence[int]], layout: FileFormat, target: BinaryIO,
    progress: Callable[[Streamed], None] | None = None,
) -> Streamed:  # fmt: skip
    """Write the layout's file of the cases among `id_chunks` that the actor may export and that have
    consent to export (each chunk checked now), a chunk at a time, in the order of their ids.
    Nothing is written, not even the header, when none of them is: the caller refuses then."""
    streamed = Streamed()
    writer: RowWriter | None = None
    for ids in id_chunks:
        candidates = export_candidates(user=actor, cases=Case.objects.using(reporting_db()).filter(pk__in=ids))
        # The keys unwrapped for a chunk are forgotten with it: the cache never holds the whole export.
        with key_scope():
            cases = list(layout.related(with_consent_to_export(candidates)).order_by("pk"))
            streamed.excluded += candidates.count() - len(cases)
            streamed.done += len(ids)
            if cases:
                preload_for(cases)  # every person's data key in one query
                writer = writer or layout.writer(target)
                writer.write(cases)
                streamed.case_ids.extend(case.pk for case in cases)
                streamed.office_ids.update(case.office_id for case in cases)
            forget(cases)
        if progress is not None:
            progress(streamed)
    if writer is not None:
        writer.close()
    return streamed


class HashingWriter(io.RawIOBase):
    """A binary stream that passes what is written on to `write` and keeps its SHA-256."""

    def __init__(self, write: Callable[[bytes], object]) -> None:
        super().__init__()
        self._write, self.sha256 = write, hashlib.sha256()

    def writable(self) -> bool:
        return True

    def write(self, data: object) -> int:
        chunk = bytes(data)  # type: ignore[call-overload]
        self.sha256.update(chunk)
        self._write(chunk)
        return len(chunk)


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
    file_format: str = ExportFormat.CSV_IN_AES_ZIP, target: BinaryIO | None = None,
) -> ExportResult:  # fmt: skip
    """Export the identifiable data of `cases` at once (`pristan export`; the pages use a job,
    `export_job_start`): those the actor may export and that have consent to export (the others
    are left out and counted; cases the actor may not see are neither included nor counted).
    Refused, and the refusal audited, when none is left. The archive is streamed to `target`
    (then `content` is empty), or returned in `content`."""
    access.require_export(actor)
    _check_choices(purpose=purpose, file_format=file_format)
    validate_passphrase(passphrase=passphrase, user=actor)
    # One transaction: the ids are read through a server-side cursor on PostgreSQL, which needs
    # one when a PgBouncer in transaction mode is in front; and the record is written with the file.
    with transaction.atomic():
        if with_consent_to_export(export_candidates(user=actor, cases=cases)).exists():
            buffer = io.BytesIO() if target is None else None
            return _write(
                actor=actor, cases=cases, purpose=purpose, passphrase=passphrase, ip=ip, file_format=file_format,
                target=buffer or target,
            )  # fmt: skip
    raise _refuse_nothing(actor=actor, ip=ip)


def _stem() -> str:
    return f"pristan-export-{timezone.localtime():%Y%m%d-%H%M%S}"  # names no one


@sensitive_variables("passphrase")
def _write(
    *, actor: User, cases: QuerySet[Case], purpose: str, passphrase: str, ip: str | None, file_format: str,
    target: BinaryIO | None,
) -> ExportResult:  # fmt: skip
    assert target is not None
    stem = _stem()
    layout = FILE_FORMATS[file_format]
    archived = HashingWriter(target.write)
    with pyzipper.AESZipFile(archived, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES) as archive:
        archive.setpassword(passphrase.encode("utf-8"))
        archive.setencryption(pyzipper.WZ_AES, nbits=256)
        with archive.open(f"{stem}.{layout.extension}", "w", force_zip64=True) as entry:
            ids = cases.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=CHUNK)
            streamed = stream_cases(actor=actor, id_chunks=chunks(ids), layout=layout, target=entry)
    record = _record(
        actor=actor, streamed=streamed, purpose=purpose, file_format=file_format, sha256=archived.sha256.hexdigest(), ip=ip
    )
    content = target.getvalue() if isinstance(target, io.BytesIO) else b""
    return ExportResult(record=record, filename=f"{stem}.zip", content=content)


def _record(*, actor: User, streamed: Streamed, purpose: str, file_format: str, sha256: str, ip: str | None) -> ExportRecord:
    """The ExportRecord and its audit entry (inside the caller's transaction)."""
    record = ExportRecord.objects.create(
        actor=actor, purpose=purpose, file_format=file_format, cases_included=streamed.included,
        cases_excluded=streamed.excluded, sha256=sha256, ip=ip or None,
    )  # fmt: skip
    through = ExportRecord.cases.through
    for ids in chunks(streamed.case_ids):  # in batches the database accepts, however many cases the export held
        through.objects.bulk_create([through(exportrecord_id=record.pk, case_id=case_id) for case_id in ids])
    offices = streamed.office_ids
    # The counts stay in the record: the trail's readers without child clearance must not count children's cases.
    audit_record(
        actor=actor, action=AuditEntry.Action.EXPORT, obj=record,
        office=Office.objects.get(pk=next(iter(offices))) if len(offices) == 1 else None,
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


def export_job_write(job: ExportJob) -> None:
    """The worker's part: the actor's access and each person's consent checked again (either may have
    changed since the job was asked for), the file written sealed as the cases are read, then, in one
    transaction, the ExportRecord, its audit entry and the job made ready."""
    actor = job.actor
    access.require_export(actor)
    layout = FILE_FORMATS[job.file_format]
    progress = jobs.Progress(job, len(job.case_ids))
    with jobs.sealed_result(job, f"{_stem()}.{layout.extension}") as sealed:
        streamed = stream_cases(
            actor=actor, id_chunks=chunks(job.case_ids), layout=layout, target=cast(BinaryIO, sealed),
            progress=lambda streamed: progress(streamed.done),
        )  # fmt: skip
        if not streamed.included:
            raise _refuse_nothing(actor=actor, ip=job.ip)
    with transaction.atomic():
        record = _record(
            actor=actor, streamed=streamed, purpose=job.purpose, file_format=job.file_format, sha256=sealed.sha256.hexdigest(),
            ip=job.ip,
        )  # fmt: skip
        jobs.progress(job, streamed.included, streamed.included)  # what the file holds, as the page says it
        jobs.mark_ready(job, record=record)
