"""A caseworker's whole first day with a person, in their own language, in a real browser."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import Page, expect

from browser.conftest import sign_in
from conftest import PASSWORD, authenticator_of, current_code
from pristan.cases.models import Case
from pristan.cases.services import task_add
from pristan.screening.indicators import IndicatorList, indicators_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _in(language: str, text: str) -> str:
    with translation.override(language):
        return gettext(text)


def _journey(page: Page, base: str, screenshot, *, language: str, given: str, family: str, citizenship: str, query: str) -> None:
    sign_in(page, base, "ana", language)
    assert _in(language, "My cases") != "My cases", "the interface must really be translated"
    screenshot("1-my-cases")

    page.get_by_role("link", name=_in(language, "Register a person")).click()
    page.fill("#id_given_name", given)
    page.fill("#id_family_name", family)
    page.fill("#id_date_of_birth", "1994-06-15")
    page.select_option("#id_citizenships", citizenship)
    page.select_option("#id_gender", "Feminine")
    screenshot("2-register")
    page.get_by_role("button", name=_in(language, "Register and open a case")).click()
    expect(page.locator(".messages")).to_contain_text(re.compile(r"[A-Z]{3}-\d{4}-\d{5}"))
    case = Case.objects.get()
    expect(page.locator("h1 .name")).to_have_text(f"{given} {family}")  # the name exactly as written

    page.check("input[name=case_management][value=yes]")
    page.check("input[name=referral][value=yes]")
    screenshot("3-consent")
    page.get_by_role("button", name=_in(language, "Record consent")).click()
    expect(page.locator(".messages")).to_contain_text(_in(language, "Consent recorded."))

    expect(page.locator(".steps [aria-current=step]")).to_have_text(_in(language, "Screening"))  # on to step 3
    suggestion = page.get_by_test_id("suggestion")
    expect(suggestion).to_contain_text(_in(language, "The indicators observed so far do not point to a presumed victim."))
    items = indicators_for(IndicatorList.ADULT_LABOUR)
    for dimension in ("deceptive_recruitment", "exploitation", "coercion_destination"):
        for item in [i for i in items if i.dimension == dimension and i.strength == "strong"][:1] + [
            i for i in items if i.dimension == dimension and i.strength == "medium"
        ][:1]:
            page.check(f"input[name=indicators][value='{item.key}']")
    expect(suggestion).to_contain_text(_in(language, "The indicators point to a presumed victim of trafficking."))
    page.select_option("#id_decision", "PossibleVictimOfTrafficking")
    page.select_option("#id_deciding_body", "NGO")
    page.fill("#id_reason", "Deceived about the job, documents withheld, debt bondage.")
    screenshot("4-screening")
    page.get_by_role("button", name=_in(language, "Record the decision")).click()
    expect(page.locator(".messages")).to_contain_text(_in(language, "Screening recorded."))

    expect(page.locator(".steps [aria-current=step]")).to_have_text(_in(language, "Case"))  # ending on the case
    page.select_option("#id_stage", "assistance")
    page.get_by_role("button", name=_in(language, "Move the case")).click()
    expect(page.locator(".stage")).to_have_text(_in(language, "Assistance"))

    page.get_by_role("link", name=_in(language, "Assistance"), exact=True).click()
    page.select_option("#id_svc-kind", "psychosocial")
    page.fill("#id_svc-starts_on", "2026-11-01")
    page.get_by_role("button", name=_in(language, "Add the service")).click()
    expect(page.locator("table.services")).to_contain_text(_in(language, "Psychosocial support"))
    screenshot("5-assistance")

    page.get_by_role("link", name=_in(language, "Notes and tasks")).click()
    page.fill("#id_text", "Първа среща в приюта." if language == "bg" else "Prvi sastanak u skloništu.")
    page.get_by_role("button", name=_in(language, "Add the note")).click()
    expect(page.locator(".note").first).to_contain_text("Първа среща" if language == "bg" else "Prvi sastanak")

    page.get_by_role("link", name=_in(language, "All cases")).click()
    with page.expect_response(lambda response: response.url.endswith("/cases/") and response.request.method == "POST"):
        page.fill("#id_q", query)  # htmx posts the search as it is typed: the name never enters the address
    results = page.locator("#results")
    expect(results).to_contain_text(case.reference)  # htmx replaced the results as the name was typed
    expect(results.locator("tbody tr")).to_have_count(1)
    screenshot("6-found")
    page.get_by_role("link", name=case.reference).click()
    expect(page.locator("h1 .ref")).to_have_text(case.reference)


def test_bulgarian_caseworker_registers_a_cyrillic_name_and_finds_it_in_latin(page, live_server, ana, screenshot):
    _journey(page, live_server.url, screenshot, language="bg", given="Иванка", family="Петрова", citizenship="BG",
             query="Ivanka Petrova")  # fmt: skip


def test_bosnian_caseworker_registers_a_latin_name_and_finds_it_in_cyrillic(page, live_server, ana, screenshot):
    _journey(page, live_server.url, screenshot, language="bs", given="Amra", family="Hadžić", citizenship="BA",
             query="Амра Хаџић")  # fmt: skip


def test_the_pages_work_with_a_keyboard_alone(page, live_server, ana, open_case, settings):
    settings.PRISTAN_CASES_PER_PAGE = 5  # My cases shows its lists a page at a time
    case = open_case()
    for day in range(7):
        task_add(actor=ana, case=case, title=f"Overdue task {day}", due_on=timezone.localdate() - timedelta(days=10 - day))
    device = authenticator_of(ana)
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.locator("#id_username")).to_be_focused()  # sign-in starts where typing starts
    page.keyboard.type("ana")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("#id_code")).to_be_focused()  # and so does the second step
    page.keyboard.type(current_code(device))
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Start")
    page.keyboard.press("Tab")
    expect(page.locator(".skip")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scrolling at 1280 px"
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My cases").focus()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("My cases")

    # The overdue tasks come a page at a time; "More" is reached and followed with the keyboard.
    overdue = page.get_by_test_id("overdue-tasks").locator("li")
    expect(overdue).to_have_count(5)
    expect(page.locator("#overdue")).to_have_text("7 overdue tasks")
    more = page.get_by_test_id("pages-overdue").get_by_role("link", name="More")
    more.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"\?overdue=2#overdue$"))
    expect(overdue).to_have_count(2)
    expect(overdue.first).to_contain_text("Overdue task 5")  # soonest due first: the sixth and seventh
    page.get_by_test_id("pages-overdue").get_by_role("link", name="Previous").click()
    expect(overdue.first).to_contain_text("Overdue task 0")
