"""Printing: the case summary downloads as a PDF named after the reference, in the reader's
language, with the name as written; the case list prints as its table alone, within the paper."""

import io

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from browser.conftest import sign_in
from pristan.core.models import AuditEntry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_print_summary_downloads_the_case_in_macedonian(page: Page, live_server, ana, active_case, screenshot):
    sign_in(page, live_server.url, ana.username, "mk")
    page.goto(f"{live_server.url}/cases/{active_case.reference}/")
    with page.expect_download() as waiting:
        page.locator("a.print-link").click()
    download = waiting.value
    assert download.suggested_filename == f"{active_case.reference}.pdf"
    with open(download.path(), "rb") as file:
        text = " ".join(" ".join(sheet.extract_text().split()) for sheet in PdfReader(io.BytesIO(file.read())).pages)
    assert "Иван Петров" in text
    assert "Скрининг" in text  # the screening section, its heading in Macedonian
    assert AuditEntry.objects.filter(action=AuditEntry.Action.PRINT, case=active_case, actor=ana).count() == 1
    screenshot("case-page-with-print-link")


def test_the_case_list_prints_its_table_alone_within_the_page(page: Page, live_server, ana, open_case, screenshot):
    for index in range(12):
        open_case(given_name=f"Александра{index}", family_name="Стоянова-Димитрова", citizenships=["BG", "MK"])
    sign_in(page, live_server.url, ana.username, "bg")
    page.set_viewport_size({"width": 700, "height": 1000})  # about an A4 sheet's width, less its margins
    page.goto(f"{live_server.url}/cases/")
    expect(page.locator("table.cases tbody tr")).to_have_count(12)
    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_be_hidden()
    expect(page.locator("#case-filters")).to_be_hidden()
    expect(page.locator("table.cases")).to_be_visible()
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], widths
    table = page.locator("table.cases").bounding_box()
    assert table is not None
    assert table["x"] >= 0
    assert table["x"] + table["width"] <= 700
    screenshot("case-list-printed")
    page.emulate_media(media="screen")
    expect(page.locator("header.top")).to_be_visible()
