"""The export pages through Django's test client: from All cases, after confirming identity, to the file."""

import hashlib
import io
import re
import time

import pytest
import pyzipper
from django.urls import reverse

from conftest import PASSWORD
from pristan.accounts.services import REAUTHENTICATED_AT
from pristan.core.models import AuditEntry
from pristan.core.sealed_file import sealed_key_id
from pristan.exports.models import ExportJob, ExportRecord
from pristan.exports.tests.conftest import (
    NOT_EXPORTING,
    PASSPHRASE,
    consent_to_export,
    download,
    just_confirmed,
    open_archive,
)
from pristan.keystore.models import DataKey

EXPORT = reverse("export_create")


def _confirm_form(**fields: str) -> dict[str, str]:
    return {"step": "confirm", "purpose": "authority", **fields}


def _passphrase_form(**fields: str) -> dict[str, str]:
    return {"passphrase": PASSPHRASE, "passphrase_again": PASSPHRASE, **fields}


def _download_url(job: ExportJob) -> str:
    return reverse("export_job_download", kwargs={"export_job_id": job.pk})


@pytest.mark.parametrize("role", NOT_EXPORTING)
def test_roles_that_do_not_export_are_refused_and_the_refusal_is_audited(role, ana, staff, open_case, client_of):
    consent_to_export(open_case(), ana)
    user = staff(role)
    client = just_confirmed(client_of(user))
    assert client.get(EXPORT).status_code == 403
    assert client.post(EXPORT, _confirm_form()).status_code == 403
    assert not ExportRecord.objects.exists()
    assert AuditEntry.objects.filter(action=AuditEntry.Action.DENIED, actor=user, detail="export_create").count() == 2
    assert "Export identifiable data" not in client.get(reverse("case_list")).content.decode()


def test_the_case_list_offers_the_export_to_caseworkers_and_supervisors(ana, boris, client_of):
    for user in (ana, boris):
        body = client_of(user).get(reverse("case_list")).content.decode()
        assert f'formaction="{EXPORT}"' in body


def test_the_search_is_handed_over_by_post_and_never_put_in_a_url(ana, client_of, open_case):
    open_case("Иван", "Петров")
    client = client_of(ana)
    response = client.post(EXPORT, {"q": "Иван Петров", "stage": "screening"})
    assert response.status_code == 302
    assert response.url == EXPORT
    assert client.session["pristan_export_search"] == {"q": "Иван Петров", "stage": "screening"}
    htmx = client.post(EXPORT, {"q": "Иван"}, headers={"HX-Request": "true"})  # the case list's form is driven by htmx
    assert htmx.status_code == 204
    assert htmx["HX-Redirect"] == EXPORT
    confirm = client.get(EXPORT)
    assert confirm.status_code == 302
    assert confirm.url == f"{reverse('reauthenticate')}?next=%2Fexports%2Fnew%2F"
    assert "Иван" not in confirm.url
    assert "Ivan" not in confirm.url


def test_an_invalid_search_is_sent_back_to_be_corrected(ana, client_of):
    response = client_of(ana).post(EXPORT, {"q": "x" * 201})
    assert response.url == reverse("case_list")
    assert not ExportRecord.objects.exists()


def test_confirming_identity_holds_for_a_while(ana, client_of, settings):
    client = just_confirmed(client_of(ana))
    assert client.get(EXPORT).status_code == 200
    session = client.session
    session[REAUTHENTICATED_AT] = time.time() - settings.PRISTAN_REAUTH_SECONDS - 1
    session.save()
    response = client.get(EXPORT)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("reauthenticate"))
    assert client.post(EXPORT, _confirm_form())["Location"].startswith(reverse("reauthenticate"))  # the export itself too
    assert not ExportRecord.objects.exists()


def test_the_page_counts_what_the_file_will_hold(ana, client_of, open_case):
    consent_to_export(open_case("Иван", "Петров"), ana)
    open_case("Иван", "Иванов")
    open_case("Мария", "Петрова")
    client = just_confirmed(client_of(ana))
    client.post(EXPORT, {"q": "Иван"})
    body = client.get(EXPORT).content.decode()
    found = re.search(r'data-testid="export-counts">(.*?)</p>', body, re.S)
    assert found is not None
    counts = re.sub(r"\s+", " ", found.group(1))
    assert "2 cases match." in counts
    assert "1 has the person's consent to export" in counts
    assert "1 case without consent to export will be left out." in counts
    assert "Иван" in body  # the search is shown as the user set it
    assert 'name="purpose"' in body


def test_the_whole_export_is_written_by_a_job_and_downloaded_once(ana, client_of, open_case, immediate_tasks, settings):
    wanted = consent_to_export(open_case("Иван", "Петров"), ana)
    consent_to_export(open_case("Мария", "Петрова"), ana)  # not in the search
    open_case("Иван", "Иванов")  # in the search, without consent
    client = just_confirmed(client_of(ana))
    client.post(EXPORT, {"q": "Иван"})
    started = client.post(EXPORT, _confirm_form())
    job = ExportJob.objects.get()
    assert started.status_code == 302
    assert started["Location"] == reverse("export_job", kwargs={"export_job_id": job.pk})
    assert "pristan_export_search" not in client.session  # the search is not kept once used
    assert (job.status, job.done, job.total) == ("ready", 1, 1)
    page = client.get(started["Location"]).content.decode()
    assert "Ready to download" in page
    assert 'name="passphrase"' in page
    [sealed] = (settings.VAR_DIR / "exports").iterdir()
    assert "Петров".encode() not in sealed.read_bytes()  # sealed: the name is not readable on the disk
    key_id = sealed_key_id(sealed)

    response = client.post(_download_url(job), _passphrase_form())
    assert response["Content-Type"] == "application/zip"
    assert re.fullmatch(r'attachment; filename="pristan-export-\d{8}-\d{6}\.zip"', response["Content-Disposition"])
    assert response["Cache-Control"] == "no-store"
    content = download(response)
    name, rows = open_archive(content)
    assert re.fullmatch(r"pristan-export-\d{8}-\d{6}\.csv", name)
    assert [(row[0], row[5], row[6]) for row in rows[1:]] == [(wanted.reference, "Иван", "Петров")]
    record = ExportRecord.objects.get()
    assert (record.purpose, record.cases_included, record.cases_excluded, record.ip) == ("authority", 1, 1, "127.0.0.1")
    assert list(record.cases.all()) == [wanted]
    with pyzipper.AESZipFile(io.BytesIO(content)) as archive:
        archive.setpassword(PASSPHRASE.encode())
        assert record.sha256 == hashlib.sha256(archive.read(name)).hexdigest()  # the file inside the archive
    assert AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT, actor=ana).count() == 1
    assert AuditEntry.objects.filter(action=AuditEntry.Action.VIEW, actor=ana, detail="download").count() == 1

    job.refresh_from_db()
    assert job.status == "downloaded"
    assert list((settings.VAR_DIR / "exports").iterdir()) == []  # deleted once downloaded
    assert not DataKey.objects.filter(pk=key_id).exists()  # and its key destroyed
    again = client.post(_download_url(job), _passphrase_form())
    assert again.status_code == 302
    assert "no longer here" in client.get(again["Location"]).content.decode()


def test_a_weak_passphrase_is_explained_beside_the_field_and_nothing_is_sent(ana, client_of, open_case, immediate_tasks):
    consent_to_export(open_case(), ana)
    client = just_confirmed(client_of(ana))
    client.post(EXPORT, _confirm_form())
    job = ExportJob.objects.get()
    response = client.post(_download_url(job), _passphrase_form(passphrase="short", passphrase_again="short"))
    assert response.status_code == 422
    body = response.content.decode()
    field = re.search(r'<div class="field has-error">(?:(?!<div class="field).)*?id="id_passphrase"', body, re.S)
    assert field is not None
    assert "at least 12 characters" in field.group(0)
    assert 'value="short"' not in body  # a passphrase is never sent back
    job.refresh_from_db()
    assert job.status == "ready"  # still there, for a better passphrase
    assert not AuditEntry.objects.filter(detail="download").exists()


def test_the_passphrase_is_typed_twice_and_is_not_the_password(ana, client_of, open_case, immediate_tasks):
    consent_to_export(open_case(), ana)
    client = just_confirmed(client_of(ana))
    client.post(EXPORT, _confirm_form())
    url = _download_url(ExportJob.objects.get())
    response = client.post(url, _passphrase_form(passphrase_again=PASSPHRASE + "!"))
    assert response.status_code == 422
    assert "The two passphrases differ." in response.content.decode()
    response = client.post(url, _passphrase_form(passphrase=PASSWORD, passphrase_again=PASSWORD))
    assert response.status_code == 422
    assert "other than your password" in response.content.decode()


def test_the_download_asks_to_confirm_identity_again_once_it_is_old(ana, client_of, open_case, immediate_tasks, settings):
    consent_to_export(open_case(), ana)
    client = just_confirmed(client_of(ana))
    client.post(EXPORT, _confirm_form())
    job = ExportJob.objects.get()
    session = client.session
    session[REAUTHENTICATED_AT] = time.time() - settings.PRISTAN_REAUTH_SECONDS - 1
    session.save()
    response = client.post(_download_url(job), _passphrase_form())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("reauthenticate"))
    job.refresh_from_db()
    assert job.status == "ready"


def test_with_nothing_to_export_the_page_says_why_and_the_refusal_is_audited(ana, client_of, open_case):
    open_case()
    client = just_confirmed(client_of(ana))
    page = client.get(EXPORT).content.decode()
    assert "None of these cases can be exported" in page
    assert 'name="purpose"' not in page
    response = client.post(EXPORT, _confirm_form())
    assert response.status_code == 422
    assert "no supervisor has recorded a decision to export without it" in response.content.decode()
    assert not ExportRecord.objects.exists()
    assert not ExportJob.objects.exists()
    assert AuditEntry.objects.filter(action=AuditEntry.Action.DENIED, actor=ana, detail__startswith="export:").count() == 1
