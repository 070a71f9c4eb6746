"""The queue's parts in one process, on the test database: the schedule, recovering the jobs of
dead workers, the queue's health, and what the import page says while it waits."""

from datetime import datetime, timedelta
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from pristan.core.models import AuditEntry
from pristan.interchange import jobs, uploads
from pristan.interchange.models import ImportJob
from pristan.interchange.tasks import import_check_run, import_write_run
from pristan.interchange.tests.test_pages import _upload
from pristan.interchange.tests.test_services import ROWS
from pristan.jobs import presence
from pristan.jobs.models import ScheduledRun
from pristan.jobs.schedule import PERIODIC, Periodic, schedule_tick
from pristan.jobs.selectors import queue_reachable, worker_running
from pristan.jobs.services import LostJobs, finished_jobs_prune, lost_jobs_recover
from pristan.keystore.models import DataKey

SOFIA = ZoneInfo("Europe/Sofia")
DEAD = "pristan-elsewhere-4242-deadbeef0000"  # one of ours, holding no lock: dead


@pytest.fixture
def queue(db, settings, tmp_path):
    """The real database queue (the other tests run jobs at once), and files of their own."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    settings.VAR_DIR = tmp_path


def _running(task_path: str, job_id: str, *workers: str) -> DBTaskResult[Any, Any]:
    return DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {"job_id": job_id}}, task_path=task_path, backend_name="default",
        status=TaskResultStatus.RUNNING, worker_ids=list(workers), started_at=timezone.now(),
    )  # fmt: skip


def _uploaded(client_of, ana, sofia) -> ImportJob:
    """An import checked at once (as the immediate backend runs jobs), its file still sealed on disk."""
    response = client_of(ana).post(reverse("import_start"), {"office": sofia.pk, "file": _upload(ROWS)})
    assert response.status_code == 302
    return ImportJob.objects.get()


# --- the schedule ----------------------------------------------------------------------------


def test_a_daily_job_is_enqueued_once_at_its_hour_and_again_the_next_day(queue, settings):
    settings.PRISTAN_RETENTION_HOUR = 3
    retention = [entry for entry in PERIODIC if entry.name == "retention"]
    evening = datetime(2026, 5, 11, 20, 0, tzinfo=SOFIA)
    assert schedule_tick(now=evening, periodic=retention) == []  # first seen: due at the next 03:00
    assert ScheduledRun.objects.get(name="retention").next_at == datetime(2026, 5, 12, 3, 0, tzinfo=SOFIA)
    assert schedule_tick(now=datetime(2026, 5, 12, 2, 59, tzinfo=SOFIA), periodic=retention) == []
    at_three = datetime(2026, 5, 12, 3, 0, 5, tzinfo=SOFIA)
    assert schedule_tick(now=at_three, periodic=retention) == ["retention"]
    assert schedule_tick(now=at_three, periodic=retention) == []  # a second worker finds it moved on
    assert list(DBTaskResult.objects.values_list("task_path", "status")) == [
        ("pristan.erasure.tasks.retention_run", TaskResultStatus.READY)
    ]
    assert ScheduledRun.objects.get(name="retention").next_at == datetime(2026, 5, 13, 3, 0, tzinfo=SOFIA)
    # The machine was off at 03:00 the next day: the job runs once when a worker starts again.
    assert schedule_tick(now=datetime(2026, 5, 13, 9, 30, tzinfo=SOFIA), periodic=retention) == ["retention"]
    assert DBTaskResult.objects.count() == 2


def test_a_job_every_so_often_is_due_at_once_then_after_its_interval(queue):
    often = [Periodic("prune", "pristan.jobs.tasks.finished_jobs_prune_run", every=timedelta(minutes=15))]
    start = datetime(2026, 5, 11, 12, 0, tzinfo=SOFIA)
    assert schedule_tick(now=start, periodic=often) == ["prune"]
    assert schedule_tick(now=start + timedelta(minutes=14), periodic=often) == []
    assert schedule_tick(now=start + timedelta(minutes=16), periodic=often) == ["prune"]


def test_every_periodic_job_names_a_job_that_takes_no_arguments():
    from django.utils.module_loading import import_string
    from django_tasks.base import Task

    for entry in PERIODIC:
        job = import_string(entry.job)
        assert isinstance(job, Task), entry.name
        assert (entry.every is None) != (entry.daily_at is None), entry.name


def test_finished_jobs_are_pruned_after_a_week(queue):
    _old, recent = (
        DBTaskResult.objects.create(
            args_kwargs={"args": [], "kwargs": {}},
            task_path="pristan.jobs.tasks.finished_jobs_prune_run",
            backend_name="default",
            status=TaskResultStatus.SUCCESSFUL,
            finished_at=timezone.now() - age,
        )
        for age in (timedelta(days=8), timedelta(days=1))
    )
    assert finished_jobs_prune() == 1
    assert list(DBTaskResult.objects.values_list("pk", flat=True)) == [recent.pk]


# --- jobs whose worker died --------------------------------------------------------------------


def test_a_lost_import_write_is_failed_with_its_users_message_and_its_upload_destroyed(queue, client_of, ana, sofia, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    job = _uploaded(client_of, ana, sofia)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.IMPORTING, language="mk")
    lost = _running(import_write_run.module_path, str(job.pk), DEAD)
    assert lost_jobs_recover() == LostJobs(retried=0, failed=1)
    lost.refresh_from_db()
    assert lost.status == TaskResultStatus.FAILED
    assert lost.exception_class_path == "pristan.jobs.services.WorkerLost"
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert job.error
    assert job.error != "The import stopped on an unexpected error. Nothing was imported."  # in Macedonian
    assert job.key_id is not None
    assert not DataKey.objects.filter(id=job.key_id).exists()
    assert not uploads.sealed_path(job.pk).exists()


def test_a_lost_import_check_runs_again_once_then_fails(queue, client_of, ana, sofia, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    job = _uploaded(client_of, ana, sofia)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.VALIDATING)
    lost = _running(import_check_run.module_path, str(job.pk), DEAD)
    assert lost_jobs_recover() == LostJobs(retried=1, failed=0)  # it only reads: safe to run again
    lost.refresh_from_db()
    assert lost.status == TaskResultStatus.READY
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.VALIDATING
    DBTaskResult.objects.filter(pk=lost.pk).update(status=TaskResultStatus.RUNNING, worker_ids=[DEAD, DEAD + "1"])
    assert lost_jobs_recover() == LostJobs(retried=0, failed=1)
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.FAILED


def test_a_job_of_a_living_worker_or_of_a_worker_not_ours_is_left_alone(queue, ana):
    with presence.Presence(presence.new_worker_id()) as living:
        mine = _running(import_write_run.module_path, "1", living.worker_id)
        foreign = _running(import_write_run.module_path, "2", "a-db_worker-of-django-tasks")
        assert lost_jobs_recover() == LostJobs(retried=0, failed=0)
        assert presence.alive([living.worker_id, DEAD]) == {living.worker_id}
    assert set(DBTaskResult.objects.values_list("pk", "status")) == {
        (mine.pk, TaskResultStatus.RUNNING),
        (foreign.pk, TaskResultStatus.RUNNING),
    }
    assert presence.alive([living.worker_id]) == set()  # once it has ended


def test_a_write_that_committed_before_its_worker_died_stays_done(queue, client_of, ana, sofia, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    job = _uploaded(client_of, ana, sofia)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.DONE, created=3)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    _running(import_write_run.module_path, str(job.pk), DEAD)
    assert lost_jobs_recover() == LostJobs(retried=0, failed=1)  # the queue's row: failed
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.DONE  # the import: as committed


# --- health, and the page that waits -------------------------------------------------------------


def test_the_queue_reports_a_worker_only_while_one_is_alive(queue):
    assert queue_reachable()
    assert not worker_running()
    with presence.Presence(presence.new_worker_id()):
        assert worker_running()
    assert not worker_running()


def test_the_import_page_says_when_no_worker_runs(queue, client_of, ana, sofia):
    client = client_of(ana)
    client.post(reverse("import_start"), {"office": sofia.pk, "file": _upload(ROWS)})
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.VALIDATING  # queued, not run: no worker
    assert DBTaskResult.objects.get().task_path == import_check_run.module_path
    page = client.get(reverse("import_job", args=[job.pk])).content.decode()
    assert 'data-testid="no-worker"' in page
    with presence.Presence(presence.new_worker_id()):
        page = client.get(reverse("import_progress", args=[job.pk])).content.decode()
    assert 'data-testid="no-worker"' not in page


def test_the_worker_refuses_a_bad_interval():
    with pytest.raises(CommandError, match="--interval must be a number of seconds"):
        call_command("worker", "--interval", "0", stdout=StringIO())


# --- section 6: starting and discarding an import are audited --------------------------------------


def test_starting_confirming_and_discarding_an_import_are_audited(client_of, ana, sofia, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    client = client_of(ana)
    client.post(reverse("import_start"), {"office": sofia.pk, "file": _upload(ROWS)})
    first = ImportJob.objects.get()
    client.post(reverse("import_job", args=[first.pk]), {"action": "discard"})
    client.post(reverse("import_start"), {"office": sofia.pk, "file": _upload(ROWS)})
    second = ImportJob.objects.exclude(pk=first.pk).get()
    client.post(reverse("import_job", args=[second.pk]), {"action": "import"})
    entries = [
        (entry.object_id, entry.action, entry.actor_id, entry.office_id)
        for entry in AuditEntry.objects.filter(object_type="interchange.importjob").order_by("sequence")
    ]
    assert entries == [
        (str(first.pk), AuditEntry.Action.CREATE, ana.pk, sofia.pk),  # uploaded, to be checked
        (str(first.pk), AuditEntry.Action.VIEW, ana.pk, sofia.pk),  # its rows looked up as possible duplicates
        (str(first.pk), AuditEntry.Action.DELETE, ana.pk, sofia.pk),  # discarded
        (str(second.pk), AuditEntry.Action.CREATE, ana.pk, sofia.pk),
        (str(second.pk), AuditEntry.Action.VIEW, ana.pk, sofia.pk),
        (str(second.pk), AuditEntry.Action.UPDATE, ana.pk, sofia.pk),  # confirmed
        (str(second.pk), AuditEntry.Action.CREATE, ana.pk, sofia.pk),  # written: 3 created
    ]


def test_an_import_confirmed_twice_is_written_once(queue, client_of, ana, sofia, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    job = _uploaded(client_of, ana, sofia)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    first, second = ImportJob.objects.get(pk=job.pk), ImportJob.objects.get(pk=job.pk)  # two requests, one click apart
    jobs.start_write(first, actor=ana)
    jobs.start_write(second, actor=ana)
    jobs.discard(second, actor=ana)
    assert list(DBTaskResult.objects.values_list("task_path", flat=True)) == [import_write_run.module_path]
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.IMPORTING
    assert AuditEntry.objects.filter(object_type="interchange.importjob", action=AuditEntry.Action.UPDATE).count() == 1
