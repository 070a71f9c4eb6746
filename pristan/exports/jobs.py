"""Export jobs: a file asked for on a page, written by a worker process, downloaded once.

Identifiable exports (exports/services.py) and CTDC research files (research/services.py) are
both written here, by a task of the queue (Django's tasks framework, `exports/tasks.py` and
`research/tasks.py`), so a large export neither holds a request open nor dies with the web server.

What is where, and why:
- The queue keeps each task's arguments in clear in the case database. A task gets one argument,
  the job's id; what it needs is on the ExportJob row and holds nothing personal: the ids of the
  cases the search found, never the search (which may be a name) and never a passphrase.
- The passphrase of an identifiable export never reaches the worker, the queue, the session or
  the disk. The worker writes the file's content sealed (core/sealed_file.py) under a new data key
  of the key store; the download request asks for the passphrase and builds the AES-256 encrypted
  ZIP archive from the sealed file while it streams it, one chunk at a time. The research file is
  anonymised: sealed all the same, and sent as it is, to the one who asked only.
- The ExportRecord or ResearchExport, its audit entry and the job's READY status are written in one
  transaction once the sealed file is complete. A worker that dies half-way leaves no record and
  no entry: the page shows the job failed (`refresh`), and `sweep` deletes its sealed file and
  destroys its key.
- A finished file is deleted, and its key destroyed, once it has been downloaded, or when
  PRISTAN_EXPORT_FILE_MINUTES have passed: the page and the download refuse it from then on, and
  `sweep` (run by `pristan retention`) deletes what is left.
- `job_finished(job)` is called once when a job ends, ready or failed: the one place that tells the
  person who asked.
"""

from __future__ import annotations

import hashlib
import io
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO
from uuid import UUID

import pyzipper
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables
from django_stubs_ext import StrOrPromise
from django_tasks.base import Task

from pristan.core import crypto
from pristan.core.sealed_file import CHUNK, SealedWriter, open_sealed, sealed_key_id
from pristan.core.shared import shared_directory
from pristan.exports.models import ExportJob
from pristan.keystore.services import create_data_key, data_key, destroy_data_key, key_scope

Status = ExportJob.Status
RUNNING = (Status.QUEUED, Status.RUNNING)

NOT_GRANTED = "not_granted"
NOTHING_LEFT = "nothing_to_export"
STOPPED = "stopped"
INTERRUPTED = "interrupted"
ERRORS: dict[str, StrOrPromise] = {
    NOT_GRANTED: _("Your role no longer lets you make this file. Nothing was exported."),
    NOTHING_LEFT: _(
        "None of the cases can be exported any more: consent to export was withdrawn, or the cases are no longer "
        "yours to export. Nothing was exported."
    ),
    STOPPED: _("The export stopped on an unexpected error. Nothing was exported; start it again."),
    INTERRUPTED: _("The export was interrupted: the worker writing it stopped. Nothing was exported; start it again."),
}
GONE = _("This file is no longer here: it was downloaded, or not downloaded in time. Start the export again.")

STALLED_AFTER = timedelta(days=1)  # a job still waiting or running by then will not finish
ORPHANED_AFTER = timedelta(hours=6)  # a sealed file no job holds (its worker died before saving the key)
PROGRESS_EVERY = 1.0  # seconds between two progress writes


def directory() -> Path:
    """On shared storage: the worker that writes a file and the server that sends it may be different machines."""
    return shared_directory("exports")


def sealed_path(job_id: UUID) -> Path:
    return directory() / f"{job_id}.sealed"


def _aad(job_id: UUID) -> bytes:
    return f"pristan.exports.job:{job_id}".encode()


def error_message(job: ExportJob) -> StrOrPromise:
    return ERRORS.get(job.error, ERRORS[STOPPED])


def enqueue(job: ExportJob, task: Task[[str], None]) -> ExportJob:
    """Save the job and put it on the queue in one transaction: a worker finds both or neither."""
    with transaction.atomic():
        job.save(force_insert=True)
        queued = task.enqueue(str(job.pk))
        ExportJob.objects.filter(pk=job.pk).update(task_id=str(queued.id))
    job.refresh_from_db()
    return job


def run(job_id: str, write: Callable[[ExportJob], None]) -> None:
    """A task's body: claim the job, let `write` make the file (it ends by `mark_ready`), and record
    a failure with a message the page translates. A job already claimed is left alone, so a task
    run twice writes one file."""
    if not ExportJob.objects.filter(pk=job_id, status=Status.QUEUED).update(status=Status.RUNNING):
        return
    job = ExportJob.objects.select_related("actor").get(pk=job_id)
    try:
        with translation.override(job.language), key_scope():
            write(job)
    except PermissionDenied:
        _fail(job, NOT_GRANTED)
    except ValidationError as error:
        _fail(job, NOTHING_LEFT if error.code == NOTHING_LEFT else STOPPED)
    except Exception:
        _fail(job, STOPPED)
        job_finished(job)
        raise  # @job (pristan/jobs) logs it and gives the queue only its class: its message could quote the data
    job_finished(job)


def job_finished(job: ExportJob) -> None:
    """Called once when a job ends: its file is ready to download (READY) or it failed (FAILED; its
    `error` says why), by the worker or, for a job whose worker died, by `refresh` or `sweep`.
    Tells the one who asked, with a link to the job's page."""
    from pristan.notifications.services import notify_export_finished

    link = reverse("export_job", kwargs={"export_job_id": job.pk})
    notify_export_finished(user=job.actor, export_id=job.pk, failed=job.status == ExportJob.Status.FAILED, link=link)


def progress(job: ExportJob, done: int, total: int) -> None:
    job.done, job.total = done, total
    ExportJob.objects.filter(pk=job.pk).update(done=done, total=total)


class Progress:
    """Reports a job's progress as its file is written, at most once a second (PROGRESS_EVERY)."""

    def __init__(self, job: ExportJob, total: int) -> None:
        self._job, self._total, self._last = job, total, time.monotonic()
        progress(job, 0, total)

    def __call__(self, done: int) -> None:
        if time.monotonic() - self._last >= PROGRESS_EVERY:
            self._last = time.monotonic()
            progress(self._job, min(done, self._total), self._total)


class SealedResult(io.RawIOBase):
    """The job's file, sealed as it is written (see `sealed_result`), and the SHA-256 of its plaintext."""

    def __init__(self, writer: SealedWriter) -> None:
        super().__init__()
        self._writer, self.sha256 = writer, hashlib.sha256()

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self.sha256.update(chunk)
        self._writer.write(chunk)
        return len(chunk)

    def finish(self) -> None:
        self._writer.close()


@contextmanager
def sealed_result(job: ExportJob, filename: str) -> Iterator[SealedResult]:
    """The job's file, written sealed under a new data key as the block writes it, and complete on
    disk when the block ends. The key's id is saved on the job first, so that whatever stops the
    worker from here on, `sweep` (or `_fail`, when the block raises) can destroy it."""
    key_id = create_data_key()
    key = data_key(key_id)
    assert key is not None
    ExportJob.objects.filter(pk=job.pk).update(key_id=key_id)
    job.key_id = key_id
    descriptor = os.open(sealed_path(job.pk), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as target:
        result = SealedResult(SealedWriter(target, key_id, key, _aad(job.pk)))
        yield result
        result.finish()
        target.flush()
        os.fsync(target.fileno())
    job.filename = filename


def seal_result(job: ExportJob, content: bytes, filename: str) -> str:
    """Write `content` as the job's sealed file (`sealed_result`); its SHA-256."""
    with sealed_result(job, filename) as sealed:
        for start in range(0, len(content), CHUNK):
            sealed.write(content[start : start + CHUNK])
    return sealed.sha256.hexdigest()


def mark_ready(job: ExportJob, **records: Model) -> None:
    """The job's file is complete: inside the transaction that writes its record and audit entry."""
    now = timezone.now()
    job.status, job.finished_at = Status.READY, now
    job.expires_at = now + timedelta(minutes=settings.PRISTAN_EXPORT_FILE_MINUTES)
    job.done = job.total
    for name, record in records.items():
        setattr(job, name, record)
    job.save(update_fields=["status", "finished_at", "expires_at", "done", "filename", "key_id", *records])


def _fail(job: ExportJob, code: str) -> None:
    job.status, job.error, job.finished_at = Status.FAILED, code, timezone.now()
    job.save(update_fields=["status", "error", "finished_at"])
    _discard_file(job)


def _discard_file(job: ExportJob) -> None:
    if job.key_id is not None:
        destroy_data_key(job.key_id)
    sealed_path(job.pk).unlink(missing_ok=True)
    if job.key_id is not None:
        job.key_id = None
        ExportJob.objects.filter(pk=job.pk).update(key_id=None)


def refresh(job: ExportJob, *, now: datetime | None = None) -> ExportJob:
    """The job as the page shows it: expired once its time passed (the sweep deletes the file too)."""
    if job.status == Status.READY and job.expires_at is not None and job.expires_at <= (now or timezone.now()):
        _end(job, Status.EXPIRED)
    return job


def _interrupt(job: ExportJob) -> bool:
    """Fail a job that will not finish, once, and tell its user; whether this call did it."""
    if not ExportJob.objects.filter(pk=job.pk, status__in=RUNNING).update(status=Status.FAILED):
        return False
    _fail(job, INTERRUPTED)
    job_finished(job)
    return True


def lost(job_id: str) -> None:
    """Its worker died mid-file and the queue gave it up (pristan/jobs calls this, `when_lost`):
    nothing was recorded, so the job is failed, its half-written file deleted, its user told."""
    job = ExportJob.objects.filter(pk=job_id).select_related("actor").first()
    if job is not None:
        _interrupt(job)


def _end(job: ExportJob, status: str) -> None:
    """Downloaded or expired: the file deleted and its key destroyed, once."""
    if ExportJob.objects.filter(pk=job.pk, status=Status.READY).update(status=status):
        job.status = status
        _discard_file(job)
    else:
        job.refresh_from_db()


def _source(job: ExportJob) -> BinaryIO:
    """The sealed file, opened now: once open it reads on even if deleted. OSError when it is gone."""
    key = data_key(job.key_id) if job.key_id is not None else None
    if key is None:
        raise FileNotFoundError(str(GONE))
    try:
        return open_sealed(sealed_path(job.pk), key, _aad(job.pk))
    except crypto.SealError:
        raise FileNotFoundError(str(GONE)) from None


def plain_download(job: ExportJob) -> Iterator[bytes]:
    """The file as written (the research CSV); deleted once all of it was sent."""
    source = _source(job)

    def stream() -> Iterator[bytes]:
        with source:
            while chunk := source.read(CHUNK):
                yield chunk
        _end(job, Status.DOWNLOADED)

    return stream()


class _Drain(io.RawIOBase):
    """Where the archive writes: collects its bytes until the stream takes them. Not seekable, so
    the archive describes each file after its data, as streamed ZIP archives do."""

    def __init__(self) -> None:
        super().__init__()
        self._parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        taken = b"".join(self._parts)
        self._parts.clear()
        return taken


@sensitive_variables("passphrase")
def encrypted_download(job: ExportJob, passphrase: str) -> Iterator[bytes]:
    """The file inside a ZIP archive encrypted with AES-256 under `passphrase`, built as it is sent:
    neither the archive nor the plain file is ever whole in memory or on disk. Deleted once sent."""
    source = _source(job)
    drain = _Drain()
    archive = pyzipper.AESZipFile(drain, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES)
    archive.setpassword(passphrase.encode("utf-8"))
    archive.setencryption(pyzipper.WZ_AES, nbits=256)

    def stream() -> Iterator[bytes]:
        with source, archive, archive.open(job.filename, "w", force_zip64=True) as entry:
            while chunk := source.read(CHUNK):
                entry.write(chunk)
                if taken := drain.take():
                    yield taken
        yield drain.take()
        _end(job, Status.DOWNLOADED)

    return stream()


def archive_name(job: ExportJob) -> str:
    return f"{Path(job.filename).stem}.zip"


@dataclass(frozen=True)
class Sweep:
    expired: int  # finished files not downloaded in time
    interrupted: int  # jobs whose worker died or that no worker took up
    orphaned: int  # sealed files no job holds


def sweep(*, now: datetime | None = None, dry_run: bool = False) -> Sweep:
    """Delete (destroying their keys) the files not downloaded in time, fail the jobs that will not
    finish, and delete the sealed files no job holds; `pristan retention` runs it."""
    now = now or timezone.now()
    expired = list(ExportJob.objects.filter(status=Status.READY, expires_at__lte=now))
    # A job its worker lost is failed by pristan/jobs (`lost`); one still waiting or running a day
    # later (its queue row pruned, or no worker ever ran) will not finish either.
    interrupted = list(ExportJob.objects.filter(status__in=RUNNING, created_at__lt=now - STALLED_AFTER))
    held = {str(pk) for pk in ExportJob.objects.filter(status__in=[*RUNNING, Status.READY]).values_list("pk", flat=True)}
    orphaned = [
        path for path in directory().glob("*.sealed")
        if path.stem not in held and path.stat().st_mtime < (now - ORPHANED_AFTER).timestamp()
    ]  # fmt: skip
    if not dry_run:
        for job in expired:
            _end(job, Status.EXPIRED)
        for job in interrupted:
            _interrupt(job)
        for path in orphaned:
            with suppress(OSError, crypto.SealError):  # not a sealed file after all: deleted all the same
                destroy_data_key(sealed_key_id(path))
            path.unlink(missing_ok=True)
    return Sweep(expired=len(expired), interrupted=len(interrupted), orphaned=len(orphaned))
