"""A supervisor, in Serbian (Latin script), selects cases on the list, reassigns them in bulk, then
sorts the list by caseworker, one way and the other."""

import pytest
from playwright.sync_api import Page, expect

from browser.conftest import sign_in
from browser.test_journeys import _in
from pristan.cases.models import Case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGE = "sr-latn"


def test_a_supervisor_reassigns_in_bulk_then_sorts_by_caseworker(page: Page, live_server, open_case, boris, nina, screenshot):
    cases = [open_case(given_name=name, family_name="Jovanović") for name in ("Milica", "Jelena", "Dragana")]
    sign_in(page, live_server.url, "boris", LANGUAGE)
    page.goto(f"{live_server.url}/cases/")
    expect(page.locator("html")).to_have_attribute("lang", LANGUAGE)
    expect(page.locator("#results [data-testid=caseworker]")).to_have_text(["Ana", "Ana", "Ana"])

    # "Select all on this page" ticks every row; then one is unticked again.
    page.locator("#id_all_on_page").check()
    expect(page.locator("#results [data-testid=select-case]:checked")).to_have_count(3)
    page.locator("#id_all_on_page").uncheck()
    expect(page.locator("#results [data-testid=select-case]:checked")).to_have_count(0)
    for case in cases[:2]:
        page.locator(f"#results [data-testid=select-case][value='{case.pk}']").check()
    page.select_option("#id_action", "assign")
    page.select_option("#id_assignee", str(nina.pk))
    screenshot("1-selected")
    page.get_by_role("button", name=_in(LANGUAGE, "Apply to the selected cases")).click()
    expect(page.locator(".messages")).to_contain_text("Nina")
    assert {case.owner.username for case in Case.objects.filter(pk__in=[c.pk for c in cases[:2]])} == {"nina"}
    assert Case.objects.get(pk=cases[2].pk).owner.username == "ana"

    # Sorting by caseworker: the heading says how the list is ordered, the button what it will do.
    heading = page.locator("th", has=page.locator("button[name=sort_by][value$=caseworker]"))
    expect(heading).to_have_attribute("aria-sort", "none")
    heading.locator("button").click()
    expect(heading).to_have_attribute("aria-sort", "ascending")
    expect(page.locator("#results [data-testid=caseworker]")).to_have_text(["Ana", "Nina", "Nina"])
    heading = page.locator("th", has=page.locator("button[name=sort_by][value$=caseworker]"))
    heading.locator("button").click()
    expect(heading).to_have_attribute("aria-sort", "descending")
    expect(page.locator("#results [data-testid=caseworker]")).to_have_text(["Nina", "Nina", "Ana"])
    screenshot("2-sorted-by-caseworker")
