"""The language selector changes nothing until its button is pressed (WCAG 3.2.2), and each language
writes the same date one way, as the pages' tests expect."""

import pytest
from playwright.sync_api import Page, expect

from browser.conftest import choose_language, sign_in
from pristan.core.tests.test_dates import BORN

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_arrow_keys_move_through_the_languages_without_leaving_the_page(page: Page, live_server, screenshot):
    page.goto(f"{live_server.url}/accounts/login/")
    page.evaluate("window.pristanStillHere = true")  # gone if the page is replaced
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url) if "/i18n/" in request.url else None)
    selector = page.locator("#language-select")
    selector.focus()
    for _step in range(3):
        page.keyboard.press("ArrowDown")
    expect(selector).to_have_value("bs")  # en → bg → mk → bs: the arrows did move
    # A form submitted on change sends its request at once; this wait can only let one show, the
    # correct page passes whatever the timing.
    page.wait_for_timeout(300)
    assert sent == []
    assert page.evaluate("window.pristanStillHere === true")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.url == f"{live_server.url}/accounts/login/"
    screenshot("1-chosen-not-changed")
    with page.expect_navigation():
        page.keyboard.press("Tab")  # to the button
        page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "bs")
    expect(page.locator("#language-select option[value=en]")).to_have_text("English")
    expect(page.locator("#language-select")).to_have_value("bs")


def test_each_language_writes_the_date_of_birth_one_way(page: Page, live_server, ana, case, screenshot):
    sign_in(page, live_server.url, "ana", "en")
    page.goto(f"{live_server.url}/cases/{case.reference}/")
    for language, born in BORN.items():
        choose_language(page, language)
        expect(page.locator(".facts dd").filter(has_text="1996").first).to_have_text(born)
    screenshot("sr-latn")
