"""A caseworker flags a case on its page, sees the flag in the band and on the case list, filters by it."""

import pytest
from playwright.sync_api import Page, expect

from browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_flag_set_on_the_case_page_shows_on_the_list_and_filters_it(page: Page, live_server, ana, open_case, screenshot):
    flagged = open_case(given_name="Мария", family_name="Иванова")
    open_case(given_name="Петър", family_name="Стоянов")
    sign_in(page, live_server.url, "ana", "en")
    page.goto(f"{live_server.url}/cases/{flagged.reference}/")
    page.get_by_text("Flag this case").click()
    page.locator("form.flag-form select[name=kind]").select_option("trafficker_in_contact")
    page.locator("form.flag-form textarea[name=reason]").fill("He wrote to her on Viber last night.")
    page.get_by_role("button", name="Set the flag").click()
    band = page.locator("section.flags")
    expect(band.locator("li.flag")).to_contain_text("Trafficker in contact")
    expect(band.locator("li.flag")).to_contain_text("He wrote to her on Viber last night.")
    screenshot("band")

    page.goto(f"{live_server.url}/cases/")
    row = page.locator("#results tbody tr", has_text=flagged.reference)
    expect(row.locator(".badge.flag")).to_have_text("⚑ Trafficker in contact")
    expect(page.locator("#results tbody .badge.flag")).to_have_count(1)
    page.locator("#id_flag").select_option("trafficker_in_contact")
    expect(page.locator("#results .count")).to_have_text("1 case")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    screenshot("list")
