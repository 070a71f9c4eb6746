"""Import runs started from the page: checked, then (once confirmed) written, in the background.

Why a thread of the web process rather than a task queue or a subprocess: Pristan runs without a
broker or worker to operate, and the work is one database transaction either way. A thread
keeps the request short; if the process dies mid-run, the transaction is rolled back and the page
shows the run as interrupted (its progress stops moving), so nothing half-written remains.

Progress lives in a small file beside the uploaded one, not in the database: the run's own rows are
inside its uncommitted transaction, and a second writer would wait for it on SQLite.

The upload was sealed as it arrived (uploads.py), chunk by chunk under a data key of its own, and
waits so between the preview and the confirmation; each pass reads it back one chunk at a time, so
no pass holds the whole file. When the run ends or is discarded the key is destroyed and the file
deleted, so a copy of the file in a backup no longer opens.
`PRISTAN_IMPORT_IN_BACKGROUND = False` runs inline (tests).
"""

import json
import threading
import time
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import close_old_connections, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from pristan.core import crypto
from pristan.core.audit import audit_record
from pristan.core.models import AuditEntry, Office
from pristan.core.sealed_file import open_sealed, sealed_key_id
from pristan.interchange import readers, services, uploads
from pristan.interchange.models import ImportJob
from pristan.keystore.services import data_key, destroy_data_key
from pristan.notifications.services import notify_import_finished

STALE_AFTER = 120  # seconds without progress: the run was interrupted
GONE = gettext_lazy("The uploaded file is no longer here. Upload it again.")
STOPPED = gettext_lazy("The import stopped on an unexpected error. Nothing was imported.")


def _progress_path(job: ImportJob) -> Path:
    return uploads.directory() / f"{job.pk}.progress"


def start(*, actor: User, office: Office, upload: uploads.SealedUpload, source: str, language: str) -> ImportJob:
    """An import of a sealed upload, checked in the background; raises UnreadableFile (the upload
    then goes with the request) when the file is not one Pristan reads."""
    job = ImportJob(
        id=upload.upload_id, office=office, actor=actor, filename=Path(upload.name or "").name[:200], key_id=upload.key_id,
        language=language,
    )  # fmt: skip
    table = readers.open_table(opener(job), job.filename)
    job.source = services.source_of(table, source or Path(job.filename).stem)
    job.save(force_insert=True)
    upload.adopted = True
    start_check(job)
    return job


def opener(job: ImportJob) -> readers.Opener:
    """The uploaded file, opened afresh for each pass; UnreadableFile once its key is gone."""

    def open_upload() -> BinaryIO:
        key = data_key(job.key_id) if job.key_id else None
        if key is None:
            raise readers.UnreadableFile(str(GONE))
        try:
            return open_sealed(uploads.sealed_path(job.pk), key, uploads.upload_aad(job.pk))
        except (OSError, crypto.SealError):
            raise readers.UnreadableFile(str(GONE)) from None

    return open_upload


def write_progress(job: ImportJob, done: int, total: int) -> None:
    path = _progress_path(job)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps({"done": done, "total": total, "at": time.time()}), encoding="utf-8")
    temporary.replace(path)


def progress_of(job: ImportJob) -> tuple[int, int, bool]:
    """(rows done, rows in all, whether the run stopped moving)."""
    try:
        data = json.loads(_progress_path(job).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0, job.rows, False
    return int(data["done"]), int(data["total"] or job.rows), time.time() - float(data["at"]) > STALE_AFTER


def _cleanup(job: ImportJob) -> None:
    uploads.discard(job.pk, job.key_id)
    _progress_path(job).unlink(missing_ok=True)


def check(job: ImportJob) -> None:
    """The first pass: fill the job's preview."""
    with translation.override(job.language):
        try:
            table = readers.open_table(opener(job), job.filename)
            preview = services.import_check(
                actor=job.actor, office=job.office, table=table, source=job.source,
                progress=lambda done, _total: write_progress(job, done, 0),
            )  # fmt: skip
        except (readers.UnreadableFile, PermissionDenied) as error:
            job.status, job.error, job.finished_at = ImportJob.Status.FAILED, str(error), timezone.now()
            job.save()
            notify_import_finished(job=job)
            _cleanup(job)
            return
    job.rows, job.to_create, job.to_update, job.to_skip, job.invalid = (
        preview.rows, preview.to_create, preview.to_update, preview.to_skip, preview.invalid,
    )  # fmt: skip
    job.problems = [problem.as_dict() for problem in preview.problems]
    job.problem_count, job.ignored_columns = preview.problem_count, preview.ignored_columns
    job.status = ImportJob.Status.READY
    job.save()


def write(job: ImportJob) -> None:
    """The second pass: every row in one transaction, then the job's outcome."""
    with translation.override(job.language):
        try:
            table = readers.open_table(opener(job), job.filename)
            result = services.import_apply(
                actor=job.actor, office=job.office, table=table, source=job.source, skip_invalid=job.skip_invalid,
                progress=lambda done, total: write_progress(job, done, total), total=job.rows,
            )  # fmt: skip
        except (readers.UnreadableFile, ValidationError, PermissionDenied) as error:
            job.status, job.error = ImportJob.Status.FAILED, " ".join(getattr(error, "messages", [str(error)]))
        except Exception:
            job.status, job.error = ImportJob.Status.FAILED, str(STOPPED)
            raise
        else:
            job.status = ImportJob.Status.DONE
            job.created, job.updated, job.cases = result.created, result.updated, result.references
        finally:
            job.finished_at = timezone.now()
            job.save()
            notify_import_finished(job=job)
            _cleanup(job)
            if job.status == ImportJob.Status.DONE:  # each record written has its own entries too
                with transaction.atomic():
                    audit_record(
                        actor=job.actor,
                        action=AuditEntry.Action.CREATE,
                        obj=job, office=job.office, fields=["created", "updated"],
                        detail=f"import {job.source}: {job.created} created, {job.updated} updated",
                    )  # fmt: skip


def _in_background(target: object, job: ImportJob) -> None:
    if not getattr(settings, "PRISTAN_IMPORT_IN_BACKGROUND", True):
        target(job)  # type: ignore[operator]
        return

    def run() -> None:
        try:
            target(ImportJob.objects.select_related("actor", "office").get(pk=job.pk))  # type: ignore[operator]
        finally:
            close_old_connections()

    transaction.on_commit(lambda: threading.Thread(target=run, name=f"import-{job.pk}", daemon=True).start())


def start_check(job: ImportJob) -> None:
    _in_background(check, job)


def start_write(job: ImportJob) -> None:
    job.status = ImportJob.Status.IMPORTING
    job.save(update_fields=["status", "skip_invalid"])
    write_progress(job, 0, job.rows)
    _in_background(write, job)


def discard(job: ImportJob) -> None:
    job.status, job.finished_at = ImportJob.Status.DISCARDED, timezone.now()
    job.save(update_fields=["status", "finished_at"])
    _cleanup(job)


ABANDONED_AFTER = timedelta(days=2)  # a checked import nobody confirmed or discarded
ORPHANED_AFTER = timedelta(hours=6)  # a sealed upload no import holds: its request died half-way


@dataclass(frozen=True)
class Sweep:
    abandoned: int  # imports discarded (checked and never confirmed, or interrupted)
    orphaned: int  # sealed uploads deleted that no import held


def sweep(*, now: datetime | None = None, dry_run: bool = False) -> Sweep:
    """Discard the imports waiting for a confirmation or stalled since ABANDONED_AFTER, and delete
    (destroying their keys) the sealed uploads that no import holds; `pristan retention` runs it."""
    now = now or timezone.now()
    waiting = [ImportJob.Status.VALIDATING, ImportJob.Status.READY, ImportJob.Status.IMPORTING]
    abandoned = [
        job for job in ImportJob.objects.filter(status__in=waiting, created_at__lt=now - ABANDONED_AFTER)
        if job.status == ImportJob.Status.READY or progress_of(job)[2]
    ]  # fmt: skip
    held = {str(pk) for pk in ImportJob.objects.filter(status__in=waiting).values_list("pk", flat=True)}  # abandoned too
    orphaned = [
        path for path in uploads.directory().glob("*.sealed")
        if path.stem not in held and path.stat().st_mtime < (now - ORPHANED_AFTER).timestamp()
    ]  # fmt: skip
    if not dry_run:
        for job in abandoned:
            if job.status == ImportJob.Status.READY:
                discard(job)
            else:  # its run died with its process: nothing of it was committed
                _interrupted(job)
        for path in orphaned:
            _delete_orphan(path)
    return Sweep(abandoned=len(abandoned), orphaned=len(orphaned))


def _interrupted(job: ImportJob) -> None:
    with translation.override(job.language):
        job.status, job.error, job.finished_at = ImportJob.Status.FAILED, str(STOPPED), timezone.now()
    job.save(update_fields=["status", "error", "finished_at"])
    notify_import_finished(job=job)
    _cleanup(job)


def _delete_orphan(path: Path) -> None:
    """A sealed upload no import holds: the key its header names destroyed, then the file deleted."""
    with suppress(OSError, crypto.SealError):  # not a sealed file after all: deleted all the same
        destroy_data_key(sealed_key_id(path))
    path.unlink(missing_ok=True)
