"""The research data page: analysts and supervisors read counts and download the CSV; everyone else
is refused; an analyst still reaches no case."""

import csv
import hashlib
import io

import pytest
from django.test import Client
from django.urls import reverse

from pristan.core.models import AuditEntry
from pristan.exports.models import ExportJob
from pristan.research import ctdc
from pristan.research.models import ResearchExport

pytestmark = pytest.mark.django_db
URL = reverse("research_export")


def test_it_shows_the_form_and_the_preview_for_the_usual_k(analyst, client_of):
    response = client_of(analyst).get(URL)
    assert response.status_code == 200
    assert b'name="k"' in response.content
    assert response.context["report"].k == 11
    assert response.context["report"].considered == 0


def test_it_shows_the_report_in_counts_only(victim, analyst, client_of):
    cases = [victim() for _ in range(6)]
    response = client_of(analyst).get(URL, {"k": 5})
    assert response.status_code == 200
    assert response.context["report"].considered == 6
    assert response.context["report"].published == 6
    page = response.content.decode()
    for case in cases:
        assert case.reference not in page
    assert "Иван" not in page
    assert "Петров" not in page
    assert not ResearchExport.objects.exists()  # a preview is not an export


def test_a_worker_writes_the_csv_and_the_one_who_asked_downloads_it_once(victim, boris, client_of, settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.VAR_DIR = tmp_path
    for _ in range(6):
        victim()
    client = client_of(boris)
    started = client.post(URL, {"k": 5})
    job = ExportJob.objects.get()
    assert started.url == reverse("export_job", kwargs={"export_job_id": job.pk})
    assert (job.kind, job.status, job.k) == ("research", "ready", 5)
    assert "Download the CSV" in client.get(started.url).content.decode()
    record = ResearchExport.objects.get()  # written with the file, before any download
    assert AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT, actor=boris, case=None).count() == 1
    response = client.post(reverse("export_job_download", kwargs={"export_job_id": job.pk}))
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="pristan-ctdc-k5-')
    header, *rows = list(csv.reader(io.StringIO(content.decode("utf-8"))))
    assert header == list(ctdc.COLUMNS)
    assert len(rows) == 6
    assert (record.actor, record.k, record.records_published) == (boris, 5, 6)
    assert record.sha256 == hashlib.sha256(content).hexdigest()
    job.refresh_from_db()
    assert job.status == "downloaded"
    assert list((tmp_path / "exports").iterdir()) == []


def test_it_checks_k(analyst, client_of):
    response = client_of(analyst).post(URL, {"k": 2})
    assert response.status_code == 422
    assert not ResearchExport.objects.exists()
    assert not ExportJob.objects.exists()
    response = client_of(analyst).get(URL, {"k": "many"})
    assert response.context["report"] is None


@pytest.mark.parametrize("persona", ["ana", "vera", "auditor", "partner_user"])
def test_it_refuses_everyone_else(persona, request, client_of):
    user = request.getfixturevalue(persona)
    client = client_of(user)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"k": 11}).status_code == 403
    assert AuditEntry.objects.filter(action=AuditEntry.Action.DENIED, actor=user, detail="research_export").count() == 2


def test_it_requires_signing_in():
    response = Client().get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_analyst_still_reaches_no_case(victim, analyst, client_of):
    case = victim()
    client = client_of(analyst)
    assert client.get(reverse("case_summary", kwargs={"reference": case.reference})).status_code == 404
    assert case.reference not in client.get(reverse("case_list")).content.decode()


def test_the_columns_are_named_in_the_reader_s_language_with_their_ctdc_name(analyst, client_of):
    client = client_of(analyst)
    client.post(reverse("set_language"), {"language": "bg", "next": "/"})
    page = client.get(URL).content.decode()
    assert "Пол (gender)" in page
    assert "Вид експлоатация (typeOfExploitation)" in page
