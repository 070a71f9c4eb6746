"""Nothing uploaded waits sealed for ever: imports left waiting and uploads no import holds are swept."""

import os
import time
from datetime import timedelta
from io import StringIO
from pathlib import Path
from uuid import UUID, uuid4

from django.core.management import call_command
from django.db.models.signals import post_save
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from pristan.core.sealed_file import SealedWriter
from pristan.interchange import jobs, uploads
from pristan.interchange.models import ImportJob
from pristan.interchange.tasks import import_write_run
from pristan.interchange.tests.test_pages import _upload
from pristan.interchange.tests.test_services import ROWS
from pristan.keystore.models import DataKey
from pristan.keystore.services import create_data_key, data_key


def _uploaded(client_of, ana, sofia) -> ImportJob:
    response = client_of(ana).post(reverse("import_start"), {"office": sofia.pk, "file": _upload(ROWS)})
    assert response.status_code == 302
    return ImportJob.objects.latest("created_at")


def _orphan(hours_old: float) -> tuple[Path, UUID]:
    """A sealed upload as a request that died half-way leaves it: a file and a key, and no import."""
    upload_id, key_id = uuid4(), create_data_key()
    key = data_key(key_id)
    assert key is not None
    path = uploads.sealed_path(upload_id)
    with path.open("wb") as target:
        writer = SealedWriter(target, key_id, key, uploads.upload_aad(upload_id))
        writer.write(b"prs_FirstName\nMaria\n")
    moment = time.time() - hours_old * 3600
    os.utime(path, (moment, moment))
    return path, key_id


def test_an_import_left_waiting_is_discarded_and_its_upload_destroyed(client_of, ana, sofia, settings):
    old, fresh = _uploaded(client_of, ana, sofia), _uploaded(client_of, ana, sofia)
    ImportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - jobs.ABANDONED_AFTER - timedelta(minutes=1))
    moment = time.time() - 3 * 86400  # its file as old as the import: counted once, as the import's
    os.utime(uploads.sealed_path(old.pk), (moment, moment))
    assert jobs.sweep(dry_run=True) == jobs.Sweep(abandoned=1, orphaned=0)
    assert ImportJob.objects.get(pk=old.pk).status == ImportJob.Status.READY
    assert jobs.sweep() == jobs.Sweep(abandoned=1, orphaned=0)
    old, fresh = ImportJob.objects.get(pk=old.pk), ImportJob.objects.get(pk=fresh.pk)
    assert (old.status, fresh.status) == (ImportJob.Status.DISCARDED, ImportJob.Status.READY)
    assert old.key_id is not None
    assert fresh.key_id is not None
    assert not DataKey.objects.filter(id=old.key_id).exists()
    assert DataKey.objects.filter(id=fresh.key_id).exists()
    assert not uploads.sealed_path(old.pk).exists()
    assert uploads.sealed_path(fresh.pk).exists()


def test_an_upload_no_import_holds_is_deleted_with_its_key(sofia, settings):
    (stale, stale_key), (recent, recent_key) = _orphan(hours_old=7), _orphan(hours_old=1)
    out = StringIO()
    call_command("retention", "--dry-run", "--lang", "en", stdout=out)
    assert "Imports: 0 left waiting or interrupted, 1 uploads no import holds, would be cleared." in out.getvalue()
    assert stale.exists()
    call_command("retention", stdout=StringIO())
    assert not stale.exists()
    assert not DataKey.objects.filter(id=stale_key).exists()
    assert recent.exists()  # its request may still be running
    assert DataKey.objects.filter(id=recent_key).exists()


def test_a_file_posted_by_nobody_signed_in_is_never_kept(sofia, settings):
    client = Client(enforce_csrf_checks=True)  # whose middleware reads the posted form, as in production
    client.get(reverse("login"))
    token = client.cookies["csrftoken"].value
    created: list[DataKey] = []

    def count(instance: DataKey, created_now: bool, **kwargs: object) -> None:
        created.append(instance)

    post_save.connect(count, sender=DataKey, dispatch_uid="count-keys")
    try:
        response = client.post(reverse("import_start"), {"office": sofia.pk, "file": _upload(ROWS), "csrfmiddlewaretoken": token})
    finally:
        post_save.disconnect(dispatch_uid="count-keys", sender=DataKey)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert created == []  # not even for the length of the request
    assert list(uploads.directory().glob("*")) == []


def test_an_import_no_job_is_left_to_finish_is_marked_failed(client_of, ana, sofia, settings):
    """Its job was lost before the queue recovered it (or the queue's row was deleted): after two days it is failed."""
    job, other = _uploaded(client_of, ana, sofia), _uploaded(client_of, ana, sofia)
    two_days_ago = timezone.now() - jobs.ABANDONED_AFTER - timedelta(minutes=1)
    ImportJob.objects.filter(pk__in=[job.pk, other.pk]).update(status=ImportJob.Status.IMPORTING, created_at=two_days_ago)
    DBTaskResult.objects.create(  # the other one's write still waits for a worker
        args_kwargs={"args": [], "kwargs": {"job_id": str(other.pk)}}, task_path=import_write_run.module_path,
        backend_name="default",
    )  # fmt: skip
    assert jobs.sweep() == jobs.Sweep(abandoned=1, orphaned=0)
    job.refresh_from_db()
    assert (job.status, job.error) == (
        ImportJob.Status.FAILED,
        "The import stopped on an unexpected error. Nothing was imported.",
    )
    assert job.key_id is not None
    assert not DataKey.objects.filter(id=job.key_id).exists()
    assert not uploads.sealed_path(job.pk).exists()
    assert ImportJob.objects.get(pk=other.pk).status == ImportJob.Status.IMPORTING
    assert uploads.sealed_path(other.pk).exists()
