"""Registration walked as a caseworker walks it: person, every consent on one form, screening, and
the new case at the end; and a stage form that shows the closure fields only when closing."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from browser.conftest import sign_in
from pristan.cases.models import Case
from pristan.screening.indicators import IndicatorList, indicators_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_person_is_registered_step_by_step_and_the_flow_ends_on_the_new_case(page: Page, live_server, ana, screenshot):
    base = live_server.url
    sign_in(page, base, "ana", "en")
    page.get_by_role("link", name="Register a person").click()
    current = page.locator(".steps [aria-current=step]")
    expect(current).to_have_text("Person")

    # 1. The person, typed and sent from the keyboard.
    page.locator("#id_given_name").focus()
    page.keyboard.type("Елена")
    page.keyboard.press("Tab")
    page.keyboard.type("Петрова")
    page.fill("#id_date_of_birth", "1990-01-02")
    page.select_option("#id_gender", "Feminine")
    screenshot("1-person")
    page.locator("#id_family_name").press("Enter")
    expect(current).to_have_text("Consent")
    case = Case.objects.get()
    expect(page).to_have_url(re.compile(re.escape(reverse("case_consent", args=[case.reference])) + "$"))
    expect(page.locator("h1 .name")).to_have_text("Елена Петрова")

    # 2. Every purpose on one form: the first decided with the arrow keys, as in any radio group.
    page.locator("input[name=case_management][value='']").focus()
    page.keyboard.press("ArrowDown")
    expect(page.locator("input[name=case_management][value=yes]")).to_be_checked()
    page.locator("input[name=referral][value=yes]").click()
    page.locator("input[name=research][value=no]").click()
    screenshot("2-consents")
    page.get_by_role("button", name="Record consent").click()
    expect(page.locator(".messages")).to_contain_text("Consent recorded.")
    expect(current).to_have_text("Screening")
    expect(page).to_have_url(re.compile(re.escape(reverse("case_screening", args=[case.reference])) + "$"))
    decided = {(event.purpose, event.given) for event in case.consent_events.all()}
    assert decided == {("case_management", True), ("referral", True), ("research", False)}  # one submit, three decisions

    # 3. The screening.
    items = indicators_for(IndicatorList.ADULT_LABOUR)
    for dimension in ("deceptive_recruitment", "exploitation", "coercion_destination"):
        for item in [i for i in items if i.dimension == dimension and i.strength == "strong"][:2]:
            page.locator(f"input[name=indicators][value='{item.key}']").click()
    page.select_option("#id_decision", "PossibleVictimOfTrafficking")
    page.fill("#id_reason", "Deceived about the job; passport taken; debt bondage.")
    screenshot("3-screening")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".messages")).to_contain_text("Screening recorded.")

    # 4. The case: its page, with the last step current and the way on.
    expect(current).to_have_text("Case")
    expect(page).to_have_url(re.compile(re.escape(reverse("case_summary", args=[case.reference])) + "$"))
    expect(page.locator("h1 .ref")).to_have_text(case.reference)
    expect(page.locator(".registration")).to_contain_text("Registration is complete.")
    screenshot("4-case")
    page.select_option("#id_stage", "assistance")
    page.get_by_role("button", name="Move the case").click()
    expect(page.locator("header .stage")).to_have_text("Assistance")
    expect(page.locator(".steps")).to_have_count(0)  # registered: the steps are gone


def test_the_stage_form_shows_the_closure_fields_only_when_closing(page: Page, live_server, ana, active_case, screenshot):
    sign_in(page, live_server.url, "ana", "en")
    page.goto(live_server.url + reverse("case_summary", args=[active_case.reference]))
    reason, details = page.locator("#id_closure_reason"), page.locator("#id_closure_details")
    expect(reason).to_be_hidden()
    expect(details).to_be_hidden()

    page.select_option("#id_stage", "closed")
    expect(reason).to_be_visible()
    expect(details).to_be_visible()
    page.select_option("#id_stage", "follow_up")
    expect(reason).to_be_hidden()

    page.select_option("#id_stage", "closed")
    reason.select_option("lost_contact")
    details.fill("Moved away without a word.")
    screenshot("closing")
    page.get_by_role("button", name="Move the case").click()
    expect(page.locator("header .stage")).to_have_text("Closed")
    active_case.refresh_from_db()
    assert (active_case.closure_reason, active_case.closure_details) == ("lost_contact", "Moved away without a word.")
