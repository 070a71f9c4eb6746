"""After a submit with errors a keyboard or screen-reader user starts at the error summary, whose
links lead to each field; the screening decision is a few Tab presses away, not ninety; every case
tab has a title of its own."""

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from browser.test_responsive import LAPTOP, PHONE, _signed_in
from pristan.cases.pages import TABS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _case_page(
    browser: Browser, live_server, user, url_name: str, reference: str, *, scripts: bool = True, viewport=LAPTOP
) -> Page:
    page = _signed_in(browser, live_server, user, viewport, scripts=scripts).new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}{reverse(url_name, kwargs={'reference': reference})}")
    return page


@pytest.mark.parametrize("scripts", [True, False], ids=["with-scripts", "without-scripts"])
def test_the_error_summary_takes_the_focus_and_leads_to_each_field(browser, live_server, ana, active_case, screenshot, scripts):
    page = _case_page(browser, live_server, ana, "case_notes", active_case.reference, scripts=scripts)
    tasks = page.locator("form[action$='/tasks/add/']")
    tasks.get_by_role("button", name="Add the task").click()

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    expect(summary.get_by_role("link")).to_have_count(2)
    page.screenshot(path=f"test-artifacts/error-summary-{'scripts' if scripts else 'no-scripts'}.png")

    due = page.locator("#id_due_on")
    expect(page.locator("#id_title")).to_have_attribute("aria-invalid", "true")
    expect(due).to_have_attribute("aria-invalid", "true")
    expect(due).to_have_attribute("aria-describedby", "id_due_on_error")
    expect(page.locator("#id_due_on_error")).to_have_text("This field is required.")
    expect(page.locator("#id_text")).not_to_have_attribute("aria-invalid", "true")  # the other form on the page was not sent

    summary.get_by_role("link", name="Due on: This field is required.").click()
    expect(due).to_be_focused()


def test_the_screening_errors_are_summarised_and_link_to_their_fields(browser, live_server, ana, case):
    page = _case_page(browser, live_server, ana, "case_screening", case.reference)
    page.get_by_role("button", name="Record the decision").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name="Reason for the decision: This field is required.").click()
    expect(page.locator("#id_reason")).to_be_focused()
    expect(page.locator("#id_reason")).to_have_attribute("aria-invalid", "true")


def _tabs_until(page: Page, selector: str, *, enter_on: str | None = None, most: int = 150) -> int:
    """Press Tab until the element `selector` has the focus; press Enter on the link named
    `enter_on` on the way (a skip link). How many Tab presses it took."""
    for presses in range(1, most + 1):
        page.keyboard.press("Tab")
        if page.evaluate("(selector) => document.activeElement.matches(selector)", selector):
            return presses
        if enter_on is not None and page.evaluate("() => document.activeElement.textContent.trim()") == enter_on:
            page.keyboard.press("Enter")
            enter_on = None
    raise AssertionError(f"{selector} not reached in {most} Tab presses")


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_the_screening_decision_is_a_few_tab_presses_away(browser, live_server, ana, case, viewport):
    page = _case_page(browser, live_server, ana, "case_screening", case.reference, viewport=viewport)
    decision = "#id_decision"
    # Without the skip link, the way the issue measured it: every indicator is a stop.
    assert _tabs_until(page, decision) > 60
    page.reload()
    assert _tabs_until(page, decision, enter_on="Skip to the decision") <= 4
    # The jump list inside the form, for one who has come past the menu and the tabs.
    page.reload()
    page.locator("nav.jump").get_by_role("link", name="Skip to the decision").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.locator(decision)).to_be_focused()


def test_every_case_tab_has_a_title_of_its_own_without_the_persons_name(browser, live_server, boris, active_case):
    page = _signed_in(browser, live_server, boris, LAPTOP).new_page()
    titles = {}
    for name, _label, _section in TABS:
        page.goto(f"{live_server.url}{reverse(name, kwargs={'reference': active_case.reference})}")
        titles[name] = page.title()
    assert len(set(titles.values())) == len(TABS), titles
    for title in titles.values():
        assert active_case.reference in title
        for part in (active_case.person.given_name, active_case.person.family_name, "Петров", "Petrov"):
            assert part not in title
    assert titles["case_assistance"] == f"Assistance · {active_case.reference} · Pristan"
