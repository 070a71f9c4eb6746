"""A caseworker attaches a photo to a case in a real browser and sees it previewed on the case's
Attachments tab: the image is drawn from the sealed file, served by Pristan."""

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD, authenticator_of, current_code
from pristan.attachments.models import Attachment
from pristan.attachments.tests.test_attachments import png
from pristan.core.models import AuditEntry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_caseworker_attaches_a_photo_and_sees_its_preview(page, live_server, ana, case, tmp_path, screenshot):
    device = authenticator_of(ana)
    photo = tmp_path / "photo.png"
    photo.write_bytes(png())

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", ana.username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.fill("#id_code", current_code(device))
    page.locator("main form button[type=submit]").click()

    page.goto(f"{live_server.url}/cases/{case.reference}/")
    page.get_by_role("link", name="Attachments").click()
    expect(page.locator("#attachments-heading")).to_have_text("Attachments")
    page.set_input_files("#id_file", str(photo))
    page.select_option("#id_kind", "photo")
    page.select_option("#id_subject", "person")
    page.get_by_role("button", name="Attach the file").click()
    expect(page.locator("table")).to_contain_text("photo.png")

    page.get_by_role("link", name="Preview").click()
    image = page.locator("#preview img")
    expect(image).to_be_visible()
    page.wait_for_function("document.querySelector('#preview img').complete")
    assert image.evaluate("img => img.naturalWidth") == 2  # drawn: the browser decoded the PNG it was sent
    screenshot("attachment-preview")
    attachment = Attachment.objects.get(case=case)
    assert AuditEntry.objects.filter(action="view", object_id=str(attachment.pk), fields=["preview"]).exists()
