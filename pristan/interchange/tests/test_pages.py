"""The import pages: upload, preview with problems, confirm, progress, outcome; and the export choice."""

import csv
import io
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pristan.accounts.services import REAUTHENTICATED_AT
from pristan.cases.models import Case
from pristan.interchange.models import ImportJob
from pristan.interchange.tests.test_commands import BAD
from pristan.interchange.tests.test_services import HEADER, ROWS


def _upload(rows: list[list[str]], name: str = "cases.csv") -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode("utf-8"), content_type="text/csv")


def test_upload_preview_confirm_and_done(client_of, ana, sofia, settings):
    client = client_of(ana)
    response = client.post(reverse("import_start"), {"office": sofia.pk, "file": _upload(ROWS)})
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("import_job", args=[job.pk])
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert job.filename in page.content.decode()
    job.refresh_from_db()
    assert (job.status, job.to_create) == ("ready", 3)
    assert Case.objects.count() == 0
    done = client.post(reverse("import_job", args=[job.pk]), {"action": "import"}, follow=True)
    assert Case.objects.count() == 3
    text = done.content.decode()
    assert "3 cases created" in text
    for case in Case.objects.all():
        assert case.reference in text
    assert not list((settings.VAR_DIR / "imports").iterdir())  # the upload is gone


def test_problems_are_listed_and_block_the_import_unless_skipped(client_of, ana, sofia):
    client = client_of(ana)
    client.post(reverse("import_start"), {"office": sofia.pk, "file": _upload([*ROWS, BAD])})
    job = ImportJob.objects.get()
    page = client.get(reverse("import_job", args=[job.pk])).content.decode()
    for shown in ("1999-13-45", "prs_Birthdate", "Femnine", "The closest is “Feminine”"):
        assert shown in page
    refused = client.post(reverse("import_job", args=[job.pk]), {"action": "import"})
    assert refused.status_code == 422
    assert Case.objects.count() == 0
    client.post(reverse("import_job", args=[job.pk]), {"action": "import", "skip_invalid": "on"})
    assert Case.objects.count() == 3


def test_discard_deletes_the_upload(client_of, ana, sofia, settings):
    client = client_of(ana)
    client.post(reverse("import_start"), {"office": sofia.pk, "file": _upload(ROWS)})
    job = ImportJob.objects.get()
    client.post(reverse("import_job", args=[job.pk]), {"action": "discard"})
    job.refresh_from_db()
    assert job.status == "discarded"
    assert not list((settings.VAR_DIR / "imports").glob(f"{job.pk}*"))


def test_an_unreadable_file_is_read_by_the_check_and_fails_its_import(client_of, ana, sofia, settings):
    """The request does not read the file: it is accepted, and the check job fails the import with
    the reader's message, shown on the import's page; neither the file nor its key is left."""
    from pristan.keystore.models import DataKey

    client = client_of(ana)  # signed in first: her authenticator has a data key of its own
    keys_before = DataKey.objects.count()
    response = client.post(reverse("import_start"), {"office": sofia.pk, "file": SimpleUploadedFile("x.csv", b"name,age\nA,3\n")})
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert (job.status, job.source) == (ImportJob.Status.FAILED, "x")
    assert "No column of this file is an HTCDS field" in job.error
    assert "No column of this file is an HTCDS field" in client.get(response["Location"]).content.decode()
    assert _sealed_files(settings) == []
    assert DataKey.objects.count() == keys_before


def test_someone_who_cannot_register_gets_no_import_page(client_of, vera, sofia):
    assert client_of(vera).get(reverse("import_start")).status_code == 403


def test_an_office_the_user_does_not_work_in_cannot_be_chosen(client_of, marko, sofia):
    response = client_of(marko).post(reverse("import_start"), {"office": sofia.pk, "file": _upload(ROWS)})
    assert response.status_code == 422
    assert ImportJob.objects.count() == 0


def test_only_the_importer_sees_an_import(client_of, ana, boris, sofia):
    client_of(ana).post(reverse("import_start"), {"office": sofia.pk, "file": _upload(ROWS)})
    job = ImportJob.objects.get()
    assert client_of(boris).get(reverse("import_job", args=[job.pk])).status_code == 404
    assert client_of(boris).get(reverse("import_progress", args=[job.pk])).status_code == 404


def test_the_progress_fragment_reloads_the_page_when_the_run_ends(client_of, ana, sofia):
    client = client_of(ana)
    client.post(reverse("import_start"), {"office": sofia.pk, "file": _upload(ROWS)})
    job = ImportJob.objects.get()
    response = client.get(reverse("import_progress", args=[job.pk]), headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == reverse("import_job", args=[job.pk])


@pytest.mark.parametrize("file_format", ["htcds-xlsx-aes-zip", "htcds-csv-aes-zip", "htcds-json-aes-zip"])
def test_the_export_page_offers_the_htcds_layouts(client_of, ana, active_case, file_format, settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}  # the job runs at once
    settings.VAR_DIR = tmp_path
    from pristan.cases.services import consent_record
    from pristan.exports.models import ExportJob, ExportRecord
    from pristan.interchange.tests.conftest import PASSPHRASE, unzip

    consent_record(actor=ana, case=active_case, purpose="export", given=True)
    client = client_of(ana)
    session = client.session
    session[REAUTHENTICATED_AT] = time.time()
    session.save()
    page = client.get(reverse("export_create"))
    assert file_format in page.content.decode()
    started = client.post(reverse("export_create"), {"step": "confirm", "purpose": "transfer", "file_format": file_format})
    assert started.status_code == 302, started.content.decode()[:2000]
    job = ExportJob.objects.get()
    response = client.post(
        reverse("export_job_download", args=[job.pk]), {"passphrase": PASSPHRASE, "passphrase_again": PASSPHRASE}
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    content = unzip(b"".join(response.streaming_content))
    assert content.startswith(b"PK") if file_format.startswith("htcds-xlsx") else active_case.reference in content.decode("utf-8")
    assert ExportRecord.objects.get().file_format == file_format


def test_the_upload_waits_sealed_and_its_key_is_destroyed_after_the_run(client_of, ana, sofia, settings):
    from pristan.keystore.models import DataKey

    client = client_of(ana)
    client.post(reverse("import_start"), {"office": sofia.pk, "file": _upload(ROWS)})
    job = ImportJob.objects.get()
    [stored] = (settings.VAR_DIR / "imports").glob(f"{job.pk}.sealed")
    content = stored.read_bytes()
    for plain in ("Мария".encode(), b"Popa", b"prs_FirstName"):
        assert plain not in content
    key_id = job.key_id
    assert key_id is not None
    assert DataKey.objects.filter(id=key_id).exists()
    client.post(reverse("import_job", args=[job.pk]), {"action": "import"})
    assert not DataKey.objects.filter(id=key_id).exists()
    assert not stored.exists()


def _sealed_files(settings) -> list[str]:
    return sorted(path.name for path in (settings.VAR_DIR / "imports").glob("*.sealed"))


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"file": _upload(ROWS, "cases.pdf")}, "Upload an .xlsx, .csv or .json file."),  # and no office chosen
        ({"office": "", "file": _upload(ROWS)}, "This field is required."),
    ],
)
def test_an_upload_refused_leaves_neither_file_nor_key(client_of, ana, sofia, settings, data, problem):
    from pristan.keystore.models import DataKey

    client = client_of(ana)  # signed in first: her authenticator has a data key of its own
    keys_before = DataKey.objects.count()
    response = client.post(reverse("import_start"), {"office": sofia.pk, **data})
    assert response.status_code == 422
    assert problem in response.content.decode()
    assert ImportJob.objects.count() == 0
    assert _sealed_files(settings) == []
    assert DataKey.objects.count() == keys_before


def test_a_large_upload_is_sealed_in_chunks_and_read_back_whole(client_of, ana, sofia, settings):
    rows = [
        [f"L-{n}", "Марија", f"Петровска {n}", "1990-01-01", "Feminine", "MK", "ForcedLabour", "TRUE", "Active"]
        for n in range(4000)
    ]
    upload = _upload(rows)
    assert (upload.size or 0) > 4 * 64 * 1024  # several chunks of the sealed file
    response = client_of(ana).post(reverse("import_start"), {"office": sofia.pk, "file": upload})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert (job.status, job.rows, job.to_create, job.invalid) == (ImportJob.Status.READY, 4000, 4000, 0)
    [stored] = _sealed_files(settings)
    assert "Петровска".encode() not in (settings.VAR_DIR / "imports" / stored).read_bytes()
