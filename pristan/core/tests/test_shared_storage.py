"""Several application servers and workers: a file one of them writes (a sealed upload, a sealed
export) is found by another through PRISTAN_SHARED_DIR, never through its own PRISTAN_VAR_DIR.
Each "machine" here is the same test process with its own VAR_DIR and the one shared directory."""

import csv
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pristan.cases.models import Case, ConsentPurpose
from pristan.cases.services import consent_record
from pristan.exports import jobs
from pristan.exports.models import ExportJob
from pristan.exports.services import export_job_write
from pristan.exports.tests.conftest import PASSPHRASE, download, just_confirmed, open_archive
from pristan.interchange.models import ImportJob
from pristan.interchange.tasks import import_check_run
from pristan.interchange.tests.test_services import HEADER, ROWS

pytestmark = pytest.mark.django_db
QUEUED = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # jobs wait for the worker the test plays


@pytest.fixture
def machines(settings, tmp_path: Path) -> dict[str, Path]:
    settings.TASKS = QUEUED
    settings.PRISTAN_SHARED_DIR = str(tmp_path / "shared")
    return {name: tmp_path / name for name in ("server-a", "worker-b", "server-c")}


def _on(settings, machine: Path) -> None:
    settings.VAR_DIR = machine


def _files_under(machine: Path) -> list[Path]:
    return [path for path in machine.rglob("*") if path.is_file()] if machine.exists() else []


def _csv(rows: list[list[str]]) -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return SimpleUploadedFile("cases.csv", buffer.getvalue().encode("utf-8"), content_type="text/csv")


def test_an_upload_accepted_by_one_server_is_checked_by_a_worker_on_another(machines, settings, client_of, ana, sofia):
    _on(settings, machines["server-a"])
    response = client_of(ana).post(reverse("import_start"), {"office": sofia.pk, "file": _csv(ROWS)})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert (Path(settings.PRISTAN_SHARED_DIR) / "imports" / f"{job.pk}.sealed").is_file()
    assert _files_under(machines["server-a"]) == []  # nothing of it on the server's own disk

    _on(settings, machines["worker-b"])
    import_check_run.call(job_id=str(job.pk))
    job.refresh_from_db()
    assert (job.status, job.to_create) == ("ready", 3)


def test_an_export_written_by_a_worker_is_downloaded_from_another_server(machines, settings, client_of, ana, case):
    consent_record(actor=ana, case=case, purpose=ConsentPurpose.EXPORT, given=True)
    _on(settings, machines["server-a"])
    client = just_confirmed(client_of(ana))
    started = client.post(reverse("export_create"), {"step": "confirm", "purpose": "authority"})
    assert started.status_code == 302
    job = ExportJob.objects.get()

    _on(settings, machines["worker-b"])
    jobs.run(str(job.pk), export_job_write)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.READY
    assert (Path(settings.PRISTAN_SHARED_DIR) / "exports" / f"{job.pk}.sealed").is_file()

    _on(settings, machines["server-c"])
    response = client.post(
        reverse("export_job_download", kwargs={"export_job_id": job.pk}),
        {"passphrase": PASSPHRASE, "passphrase_again": PASSPHRASE},
    )
    _name, rows = open_archive(download(response))
    assert [row[0] for row in rows[1:]] == [Case.objects.get().reference]
    for machine in machines.values():
        assert _files_under(machine) == []
