"""The page's import runs in a background thread; the page polls its progress."""

import time

import pytest
from django.urls import reverse

from pristan.cases.models import Case
from pristan.interchange.models import ImportJob
from pristan.interchange.tests.test_pages import _upload
from pristan.interchange.tests.test_services import ROWS

pytestmark = pytest.mark.django_db(transaction=True)


def _wait(job: ImportJob, *statuses: str) -> ImportJob:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in statuses:
            return job
        time.sleep(0.1)
    pytest.fail(f"the import stayed {job.status}")


def test_the_check_and_the_import_run_in_a_background_thread(client_of, ana, sofia, settings):
    settings.PRISTAN_IMPORT_IN_BACKGROUND = True
    client = client_of(ana)
    client.post(reverse("import_start"), {"office": sofia.pk, "file": _upload(ROWS)})
    job = _wait(ImportJob.objects.get(), ImportJob.Status.READY)
    assert job.to_create == 3
    client.post(reverse("import_job", args=[job.pk]), {"action": "import"})
    job = _wait(job, ImportJob.Status.DONE, ImportJob.Status.FAILED)
    assert (job.status, job.created) == (ImportJob.Status.DONE, 3)
    assert Case.objects.count() == 3
    page = client.get(reverse("import_job", args=[job.pk])).content.decode()
    assert "3 cases created" in page
