"""Export jobs: what the queue holds, who reaches a job, and what a failed, interrupted or
forgotten job leaves behind (nothing)."""

import json
from collections.abc import Sequence
from datetime import timedelta
from io import StringIO
from typing import BinaryIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from pristan.cases.models import Case
from pristan.core.models import AuditEntry, Role
from pristan.exports import jobs, services
from pristan.exports.models import ExportJob, ExportRecord
from pristan.exports.tasks import export_cases_task
from pristan.exports.tests.conftest import PASSPHRASE, consent_to_export, download, just_confirmed
from pristan.jobs.services import JobFailed, LostJobs, lost_jobs_recover
from pristan.keystore.models import DataKey

EXPORT = reverse("export_create")


def _start(client, **fields) -> ExportJob:
    response = client.post(EXPORT, {"step": "confirm", "purpose": "authority", **fields})
    assert response.status_code == 302, response.content.decode()
    return ExportJob.objects.get()


def _job_urls(job: ExportJob) -> tuple[str, str]:
    kwargs = {"export_job_id": job.pk}
    return reverse("export_job", kwargs=kwargs), reverse("export_job_download", kwargs=kwargs)


def _files(settings) -> list[str]:
    directory = settings.VAR_DIR / "exports"
    return sorted(path.name for path in directory.iterdir()) if directory.exists() else []


def test_the_queue_holds_the_job_id_and_nothing_personal(ana, client_of, open_case, queued_tasks):
    consent_to_export(open_case("Иван", "Петров"), ana)
    client = just_confirmed(client_of(ana))
    client.post(EXPORT, {"q": "Иван Петров"})  # a search by name
    job = _start(client)
    [queued] = DBTaskResult.objects.all()
    assert queued.args_kwargs == {"args": [str(job.pk)], "kwargs": {}}
    assert queued.task_path == "pristan.exports.tasks.export_cases_task"
    assert str(queued.id) == job.task_id
    row = json.dumps(list(ExportJob.objects.values()), default=str)
    assert "Иван" not in row
    assert "Петров" not in row
    assert job.status == "queued"
    assert "Waiting for a worker" in client.get(_job_urls(job)[0]).content.decode()
    assert not ExportRecord.objects.exists()  # nothing is recorded before the file is complete


@pytest.fixture
def others(staff, nina, marko, partner_user):
    """Who must not reach a caseworker's export: another caseworker of her office, a supervisor of
    it, a caseworker of another office, a partner's user and an analyst."""
    return [nina, staff(Role.SUPERVISOR), marko, partner_user, staff(Role.ANALYST)]


def test_only_the_one_who_asked_reaches_the_job_and_its_file(ana, others, client_of, open_case, immediate_tasks):
    consent_to_export(open_case(), ana)
    job = _start(just_confirmed(client_of(ana)))
    page, file = _job_urls(job)
    for user in others:
        client = just_confirmed(client_of(user))
        assert client.get(page).status_code == 404, user.username
        assert client.get(page, headers={"HX-Request": "true"}).status_code == 404, user.username
        assert client.post(file, {"passphrase": PASSPHRASE, "passphrase_again": PASSPHRASE}).status_code == 404, user.username
    job.refresh_from_db()
    assert job.status == "ready"
    assert not AuditEntry.objects.filter(detail="download").exists()


def test_a_caseworker_who_no_longer_exports_no_longer_reaches_her_job(ana, client_of, open_case, immediate_tasks):
    consent_to_export(open_case(), ana)
    client = just_confirmed(client_of(ana))
    job = _start(client)
    ana.memberships.update(role=Role.ANALYST)
    assert client.get(_job_urls(job)[0]).status_code == 404


def test_only_the_analyst_who_asked_reaches_a_research_file(analyst_of, ana, boris, client_of, immediate_tasks):
    asker, other_analyst = analyst_of("lidia"), analyst_of("petar")
    response = client_of(asker).post(reverse("research_export"), {"k": 5})
    job = ExportJob.objects.get(kind="research")
    assert response.url == _job_urls(job)[0]
    page, file = _job_urls(job)
    for user in (other_analyst, boris, ana):  # boris supervises, so makes research files too; ana does not
        client = client_of(user)
        assert client.get(page).status_code == 404, user.username
        assert client.post(file).status_code == 404, user.username
    assert download(client_of(asker).post(file)).startswith(b"year")


@pytest.fixture
def analyst_of(sofia, django_user_model):
    from pristan.core.services import membership_grant

    def make(username):
        user = django_user_model.objects.create_user(username)
        membership_grant(actor=None, user=user, office=sofia, role=Role.ANALYST, child_clearance=True)
        return user

    return make


def test_consent_withdrawn_before_the_worker_runs_fails_the_job_with_a_message(ana, client_of, open_case, queued_tasks, settings):
    case = consent_to_export(open_case(), ana)
    client = just_confirmed(client_of(ana))
    job = _start(client)
    consent_to_export(case, ana, given=False)
    export_cases_task.call(str(job.pk))  # what the worker runs
    job.refresh_from_db()
    assert (job.status, job.error) == ("failed", "nothing_to_export")
    body = client.get(_job_urls(job)[0]).content.decode()
    assert "None of the cases can be exported any more" in body
    assert not ExportRecord.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).exists()
    assert _files(settings) == []
    export_cases_task.call(str(job.pk))  # a task run twice does nothing more
    job.refresh_from_db()
    assert job.status == "failed"


def test_an_error_in_the_worker_leaves_nothing_half_written(ana, client_of, open_case, queued_tasks, settings, monkeypatch):
    consent_to_export(open_case("Иван", "Петров"), ana)
    client = just_confirmed(client_of(ana))
    job = _start(client)
    keys = DataKey.objects.count()

    class Broken:
        def __init__(self, target: BinaryIO) -> None:
            target.write(b"half a file")

        def write(self, cases: Sequence[Case]) -> None:
            raise KeyError(cases[0].person.given_name)  # an error whose message quotes the data

        def close(self) -> None:
            pass

    layout = services.FILE_FORMATS["csv-aes-zip"]
    monkeypatch.setitem(services.FILE_FORMATS, "csv-aes-zip", services.FileFormat(layout.label, "csv", Broken, layout.fields))
    with pytest.raises(JobFailed) as stopped:
        export_cases_task.call(str(job.pk))
    assert "Иван" not in str(stopped.value)  # what the queue would keep names no one
    assert str(stopped.value) == "KeyError"
    job.refresh_from_db()
    assert (job.status, job.error, job.key_id) == ("failed", "stopped", None)
    assert "The export stopped on an unexpected error" in client.get(_job_urls(job)[0]).content.decode()
    assert not ExportRecord.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).exists()
    assert _files(settings) == []
    assert DataKey.objects.count() == keys


def test_a_job_whose_worker_died_shows_as_interrupted(ana, client_of, open_case, queued_tasks, settings):
    consent_to_export(open_case(), ana)
    client = just_confirmed(client_of(ana))
    job = _start(client)
    # As a worker killed mid-job leaves it: claimed, half a file sealed, its queue row running under
    # a worker of ours that holds no lock any more; then the queue's recovery gives it up.
    ExportJob.objects.filter(pk=job.pk).update(status="running")
    jobs.seal_result(job, b"half a file", "half.csv")
    DBTaskResult.objects.filter(pk=job.task_id).update(status="RUNNING", worker_ids=["pristan-elsewhere-4242-deadbeef0000"])
    assert lost_jobs_recover() == LostJobs(retried=0, failed=1)
    body = client.get(_job_urls(job)[0]).content.decode()
    assert "The export was interrupted" in body
    job.refresh_from_db()
    assert (job.status, job.error, job.key_id) == ("failed", "interrupted", None)
    assert _files(settings) == []


def test_a_file_not_downloaded_in_time_is_deleted(ana, client_of, open_case, immediate_tasks, settings):
    consent_to_export(open_case(), ana)
    client = just_confirmed(client_of(ana))
    job = _start(client)
    assert job.finished_at is not None
    assert job.expires_at is not None
    assert job.key_id is not None
    assert job.expires_at == job.finished_at + timedelta(minutes=settings.PRISTAN_EXPORT_FILE_MINUTES)
    key_id = job.key_id
    assert jobs.sweep(now=job.expires_at - timedelta(seconds=1), dry_run=True) == jobs.Sweep(0, 0, 0)
    assert jobs.sweep(now=job.expires_at, dry_run=True) == jobs.Sweep(expired=1, interrupted=0, orphaned=0)
    assert len(_files(settings)) == 1  # a dry run deletes nothing
    ExportJob.objects.filter(pk=job.pk).update(expires_at=job.expires_at - timedelta(hours=2))
    out = StringIO()
    call_command("retention", stdout=out)
    assert "Export files: 1 not downloaded in time, 0 of interrupted exports, 0 no export holds, deleted." in out.getvalue()
    job.refresh_from_db()
    assert job.status == "expired"
    assert _files(settings) == []
    assert not DataKey.objects.filter(pk=key_id).exists()
    response = client.post(_job_urls(job)[1], {"passphrase": PASSPHRASE, "passphrase_again": PASSPHRASE})
    assert response.status_code == 302
    assert ExportRecord.objects.count() == 1  # the record of what was prepared stays


def test_the_page_refuses_an_expired_file_before_the_sweep(ana, client_of, open_case, immediate_tasks, settings):
    consent_to_export(open_case(), ana)
    client = just_confirmed(client_of(ana))
    job = _start(client)
    ExportJob.objects.filter(pk=job.pk).update(expires_at=job.finished_at)
    assert "Not downloaded in time" in client.get(_job_urls(job)[0]).content.decode()
    assert _files(settings) == []


def test_the_sweep_fails_stalled_jobs_and_deletes_files_no_job_holds(ana, client_of, open_case, queued_tasks, settings):
    consent_to_export(open_case(), ana)
    job = _start(just_confirmed(client_of(ana)))
    stray = ExportJob.objects.create(kind="cases", actor=ana, status="downloaded")
    jobs.seal_result(stray, b"left behind", "stray.csv")  # as by a worker that died before saving its job
    later = job.created_at + jobs.STALLED_AFTER + timedelta(minutes=1)
    assert jobs.sweep(now=later) == jobs.Sweep(expired=0, interrupted=1, orphaned=1)
    job.refresh_from_db()
    assert (job.status, job.error) == ("failed", "interrupted")
    assert _files(settings) == []


def test_the_progress_fragment_leads_back_to_the_page_once_done(ana, client_of, open_case, immediate_tasks):
    consent_to_export(open_case(), ana)
    client = just_confirmed(client_of(ana))
    job = _start(client)
    page = _job_urls(job)[0]
    fragment = client.get(page, headers={"HX-Request": "true"})
    assert fragment["HX-Redirect"] == page
    ExportJob.objects.filter(pk=job.pk).update(status="running", done=3, total=4)
    fragment = client.get(page, headers={"HX-Request": "true"})
    assert "HX-Redirect" not in fragment
    assert "3 of 4 cases written" in fragment.content.decode()
    assert 'value="75"' in fragment.content.decode()


def test_no_table_holds_the_passphrase(ana, client_of, open_case, immediate_tasks):
    consent_to_export(open_case(), ana)
    client = just_confirmed(client_of(ana))
    job = _start(client)
    download(client.post(_job_urls(job)[1], {"passphrase": PASSPHRASE, "passphrase_again": PASSPHRASE}))
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        for table in tables:
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - the database's own table names
            assert PASSPHRASE not in json.dumps(cursor.fetchall(), default=str, ensure_ascii=False), table
