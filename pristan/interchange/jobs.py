"""Import runs started from the page or the API: checked, then (once confirmed) written, as jobs of
`pristan worker` (pristan/jobs), never in the web process.

Each pass is a job (interchange/tasks.py) enqueued in the transaction that asks for it, so the
import and its job are committed together, and a job waits in the database through restarts of
the web server until a worker takes it. The write is one database transaction, the import's new
status and audit entry included: a worker killed mid-import leaves nothing half-written, and the
job recovery (pristan/jobs/services.py) marks the import failed with a message in its user's
language. The check only reads, so it is run again once if its worker dies.

Progress lives in a small file beside the uploaded one, not in the database: the run's own rows are
inside its uncommitted transaction, and a second writer would wait for it on SQLite.

The upload was sealed as it arrived (uploads.py), chunk by chunk under a data key of its own, and
waits so between the preview and the confirmation; each pass reads it back one chunk at a time, so
no pass holds the whole file. When the run ends or is discarded the key is destroyed and the file
deleted, so a copy of the file in a backup no longer opens.
"""

import json
import time
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from pristan.core import crypto
from pristan.core.audit import audit_record
from pristan.core.models import AuditEntry, Office
from pristan.core.sealed_file import open_sealed, sealed_key_id
from pristan.interchange import duplicates, readers, services, uploads
from pristan.interchange.models import ImportJob
from pristan.keystore.services import data_key, destroy_data_key
from pristan.notifications.services import notify_import_finished

GONE = gettext_lazy("The uploaded file is no longer here. Upload it again.")
STOPPED = gettext_lazy("The import stopped on an unexpected error. Nothing was imported.")


def _progress_path(job: ImportJob) -> Path:
    return uploads.directory() / f"{job.pk}.progress"


def start(*, actor: User, office: Office, upload: uploads.SealedUpload, source: str, language: str) -> ImportJob:
    """An import of a sealed upload, its check enqueued. The file is not read here, in the request:
    a hostile one costs the check job, which fails the import with the reader's message. Its source
    is the name given (or the file's), until the check knows the file's layout (services.source_of)."""
    from pristan.interchange.tasks import import_check_run

    filename = Path(upload.name or "").name[:200]
    job = ImportJob(
        id=upload.upload_id, office=office, actor=actor, filename=filename, key_id=upload.key_id, language=language,
        source=(source or Path(filename).stem)[:120],
    )  # fmt: skip
    with transaction.atomic():
        job.save(force_insert=True)
        audit_record(
            actor=actor, action=AuditEntry.Action.CREATE, obj=job, office=office, fields=["filename", "source"],
            detail=f"import {job.source}: file uploaded, to be checked",
        )  # fmt: skip
        import_check_run.enqueue(job_id=str(job.pk))
    upload.adopted = True  # committed: the file is the import's now, not the request's
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


def progress_of(job: ImportJob) -> tuple[int, int]:
    """(rows done, rows in all)."""
    try:
        data = json.loads(_progress_path(job).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0, job.rows
    return int(data["done"]), int(data["total"] or job.rows)


def _cleanup(job: ImportJob) -> None:
    duplicates.matches_discard(job_id=job.pk)
    uploads.discard(job.pk, job.key_id)
    _progress_path(job).unlink(missing_ok=True)


@transaction.atomic
def _failed(job: ImportJob, error: str) -> None:
    job.status, job.error, job.finished_at = ImportJob.Status.FAILED, error, timezone.now()
    job.save(update_fields=["status", "error", "finished_at"])
    notify_import_finished(job=job)


def check(job: ImportJob) -> None:
    """The first pass: read the file, decide its source and fill the job's preview. (Run again after
    a lost worker only while the import is still being checked: `source` is still the name given.)"""
    with translation.override(job.language):
        try:
            table = readers.open_table(opener(job), job.filename)
            source = services.source_of(table, job.source)
            preview = services.import_check(
                actor=job.actor, office=job.office, table=table, source=source,
                progress=lambda done, _total: write_progress(job, done, 0),
            )  # fmt: skip
        except (readers.UnreadableFile, PermissionDenied) as error:
            _failed(job, str(error))
            _cleanup(job)
            return
        except Exception:
            _failed(job, str(STOPPED))
            _cleanup(job)
            raise
    job.rows, job.to_create, job.to_update, job.to_skip, job.invalid = (
        preview.rows, preview.to_create, preview.to_update, preview.to_skip, preview.invalid,
    )  # fmt: skip
    job.problems = [problem.as_dict() for problem in preview.problems]
    job.problem_count, job.ignored_columns = preview.problem_count, preview.ignored_columns
    job.source, job.status = source, ImportJob.Status.READY
    if preview.matches.rows or preview.matches.left_out:
        duplicates.matches_save(job_id=job.pk, key_id=job.key_id, matches=preview.matches)
    with transaction.atomic():
        job.save()
        if preview.matches.looked_up:  # as registration's look-ups are: what was asked, never what was found
            audit_record(
                actor=job.actor, action=AuditEntry.Action.VIEW, obj=job, office=job.office, fields=["possible_matches"],
                detail=f"import {job.source}: {preview.matches.looked_up} rows looked up for possible duplicates",
            )  # fmt: skip


def write(job: ImportJob) -> None:
    """The second pass: every row, the import's outcome and its audit entry in one transaction."""
    with translation.override(job.language):
        try:
            with transaction.atomic():
                table = readers.open_table(opener(job), job.filename)
                result = services.import_apply(
                    actor=job.actor, office=job.office, table=table, source=job.source, skip_invalid=job.skip_invalid,
                    progress=lambda done, total: write_progress(job, done, total), total=job.rows,
                    matches=duplicates.matches_load(job_id=job.pk, key_id=job.key_id),
                )  # fmt: skip
                job.status, job.finished_at = ImportJob.Status.DONE, timezone.now()
                job.created, job.updated, job.cases = result.created, result.updated, result.references
                job.save()
                audit_record(  # each record written has its own entries too
                    actor=job.actor, action=AuditEntry.Action.CREATE, obj=job, office=job.office,
                    fields=["created", "updated"], detail=f"import {job.source}: {job.created} created, {job.updated} updated",
                )  # fmt: skip
                notify_import_finished(job=job)
        except (readers.UnreadableFile, ValidationError, PermissionDenied) as error:
            _failed(job, " ".join(getattr(error, "messages", [str(error)])))
        except Exception:
            _failed(job, str(STOPPED))
            raise
        finally:
            _cleanup(job)


def start_write(job: ImportJob, *, actor: User, links: dict[str, int] | None = None) -> None:
    """Confirm a checked import: its write enqueued, with the choice of skipping invalid rows and the
    rows to link to persons already in Pristan (checked by duplicates.links_choose)."""
    from pristan.interchange.tasks import import_write_run

    with transaction.atomic():
        confirmed = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.READY).update(
            status=ImportJob.Status.IMPORTING, skip_invalid=job.skip_invalid
        )
        if not confirmed:  # confirmed or discarded meanwhile (a second click): enqueued once
            return
        job.status = ImportJob.Status.IMPORTING
        matches = duplicates.matches_load(job_id=job.pk, key_id=job.key_id)
        if matches.rows:  # the choices of this confirmation, not of an earlier one that was refused
            matches.links = links or {}
            duplicates.matches_save(job_id=job.pk, key_id=job.key_id, matches=matches)
        audit_record(
            actor=actor, action=AuditEntry.Action.UPDATE, obj=job, office=job.office, fields=["status", "skip_invalid"],
            detail=f"import {job.source}: confirmed, to be written" + (f", {len(links)} rows linked" if links else ""),
        )  # fmt: skip
        write_progress(job, 0, job.rows)
        import_write_run.enqueue(job_id=str(job.pk))


def discard(job: ImportJob, *, actor: User | None) -> None:
    """Discard a checked import (its user, or the sweep when nobody confirmed it): the upload goes with it."""
    with transaction.atomic():
        job.status, job.finished_at = ImportJob.Status.DISCARDED, timezone.now()
        if not ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.READY).update(
            status=job.status, finished_at=job.finished_at
        ):
            return  # confirmed or discarded meanwhile
        audit_record(
            actor=actor, action=AuditEntry.Action.DELETE, obj=job, office=job.office, fields=["status"],
            detail=f"import {job.source}: discarded" + ("" if actor else ", left waiting"),
        )  # fmt: skip
    _cleanup(job)


def lost(job: ImportJob) -> None:
    """Its run died with its worker, so nothing of it was committed: failed, with its user's message.
    (A write killed after its commit left the import done: that stays.)"""
    if job.status not in (ImportJob.Status.VALIDATING, ImportJob.Status.IMPORTING):
        return
    with translation.override(job.language):
        _failed(job, str(STOPPED))
    _cleanup(job)


ABANDONED_AFTER = timedelta(days=2)  # a checked import nobody confirmed or discarded
ORPHANED_AFTER = timedelta(hours=6)  # a sealed upload no import holds: its request died half-way


@dataclass(frozen=True)
class Sweep:
    abandoned: int  # imports discarded (checked and never confirmed) or failed (no job left to finish them)
    orphaned: int  # sealed uploads deleted that no import held


def _queued_or_running() -> set[str]:
    """The imports a job of the queue is still to run or running."""
    from pristan.interchange.tasks import import_check_run, import_write_run

    rows = DBTaskResult.objects.filter(
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
        task_path__in=[import_check_run.module_path, import_write_run.module_path],
    ).values_list("args_kwargs", flat=True)
    return {str(row["kwargs"].get("job_id")) for row in rows}


def sweep(*, now: datetime | None = None, dry_run: bool = False) -> Sweep:
    """Discard the imports waiting for a confirmation since ABANDONED_AFTER, mark failed those as old
    that no job is left to finish (their job was lost before the queue recovered it), and delete
    (destroying their keys) the sealed uploads that no import holds; `pristan retention` runs it."""
    now = now or timezone.now()
    waiting = [ImportJob.Status.VALIDATING, ImportJob.Status.READY, ImportJob.Status.IMPORTING]
    pending = _queued_or_running()
    abandoned = [
        job for job in ImportJob.objects.filter(status__in=waiting, created_at__lt=now - ABANDONED_AFTER)
        if job.status == ImportJob.Status.READY or str(job.pk) not in pending
    ]  # fmt: skip
    held = {str(pk) for pk in ImportJob.objects.filter(status__in=waiting).values_list("pk", flat=True)}  # abandoned too
    orphaned = [
        path for path in uploads.directory().glob("*.sealed")
        if path.stem not in held and path.stat().st_mtime < (now - ORPHANED_AFTER).timestamp()
    ]  # fmt: skip
    if not dry_run:
        for job in abandoned:
            if job.status == ImportJob.Status.READY:
                discard(job, actor=None)
            else:
                lost(job)
        for path in orphaned:
            _delete_orphan(path)
    return Sweep(abandoned=len(abandoned), orphaned=len(orphaned))


def _delete_orphan(path: Path) -> None:
    """A sealed upload no import holds: the key its header names destroyed, then the file deleted."""
    with suppress(OSError, crypto.SealError):  # not a sealed file after all: deleted all the same
        destroy_data_key(sealed_key_id(path))
    path.unlink(missing_ok=True)
