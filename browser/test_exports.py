"""A caseworker exports the cases of a search in a real browser: All cases, confirm identity, start
the export, follow its job to the file, choose a passphrase, download once, and open the archive
with that passphrase. The job runs as it is enqueued (django_tasks' immediate backend): a worker
process is tested in pristan/exports/tests/test_worker.py."""

import csv
import io
import re

import pytest
import pyzipper
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from playwright.sync_api import expect

from conftest import PASSWORD, authenticator_of, current_code
from pristan.accounts.services import recovery_digest
from pristan.cases.models import ConsentPurpose
from pristan.cases.services import consent_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSPHRASE = "Морски фар, северна кула"  # noqa: S105 - the test's passphrase
RECOVERY_CODE = "abcdefghijklmnopqrstuvwx"


def test_a_caseworker_exports_the_cases_of_a_search(page, live_server, ana, open_case, screenshot, settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.VAR_DIR = tmp_path
    wanted = open_case("Иванка", "Петрова")
    consent_record(actor=ana, case=wanted, purpose=ConsentPurpose.EXPORT, given=True)
    open_case("Иванка", "Димитрова")  # found too, but without consent to export
    open_case("Мария", "Петрова")  # not found
    device = authenticator_of(ana)
    # The code used to sign in cannot be used again in the same half minute: confirm with a recovery code.
    recovery = StaticDevice.objects.create(user=ana, name="Recovery codes")
    StaticToken.objects.create(device=recovery, token=recovery_digest(RECOVERY_CODE))

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "ana")
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.fill("#id_code", current_code(device))
    page.locator("main form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("Start")

    page.get_by_role("link", name="All cases").click()
    with page.expect_response(lambda response: response.url.endswith("/cases/") and response.request.method == "POST"):
        page.fill("#id_q", "Иванка")
    expect(page.locator("#results tbody tr")).to_have_count(2)
    page.get_by_role("button", name="Export identifiable data").click()

    expect(page.locator("h1")).to_have_text("Confirm it is you")
    assert "Иванка" not in page.url  # the search travels by POST and the session, never in an address
    page.fill("#id_password", PASSWORD)
    page.fill("#id_code", RECOVERY_CODE)
    screenshot("1-confirm")
    page.get_by_role("button", name="Confirm").click()

    expect(page.locator("h1")).to_have_text("Export identifiable data")
    counts = page.get_by_test_id("export-counts")
    expect(counts).to_contain_text("2 cases match.")
    expect(counts).to_contain_text("1 case without consent to export will be left out.")
    page.select_option("#id_purpose", "referral")
    screenshot("2-export")
    page.get_by_role("button", name="Start the export").click()

    expect(page.get_by_test_id("export-status")).to_have_text("Ready to download")
    assert "/exports/jobs/" in page.url
    page.fill("#id_passphrase", PASSPHRASE)
    page.fill("#id_passphrase_again", PASSPHRASE)
    screenshot("3-download")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the encrypted archive").click()
    download = download_info.value
    assert re.fullmatch(r"pristan-export-\d{8}-\d{6}\.zip", download.suggested_filename)

    with pyzipper.AESZipFile(download.path()) as archive:
        archive.setpassword(PASSPHRASE.encode("utf-8"))
        [name] = archive.namelist()
        rows = list(csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig"))))
    assert rows[0][:2] == ["Reference", "Office code"]
    assert [(row[0], row[5], row[6]) for row in rows[1:]] == [(wanted.reference, "Иванка", "Петрова")]
    with pyzipper.AESZipFile(download.path()) as archive:
        archive.setpassword(b"the wrong passphrase")
        with pytest.raises(RuntimeError):
            archive.read(name)

    assert list((tmp_path / "exports").iterdir()) == []  # downloaded once, then deleted
    page.reload()
    expect(page.get_by_test_id("export-status")).to_have_text("Downloaded; the file was deleted")
