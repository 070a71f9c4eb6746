"""The case list pages forward and back by position, within a search, and no name reaches the address."""

import pytest
from playwright.sync_api import Page, expect

from browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_search_pages_forward_and_back_without_a_name_in_the_address(page: Page, live_server, ana, open_case, settings):
    settings.PRISTAN_CASES_PER_PAGE = 2
    for index in range(5):
        open_case(given_name=f"Мария{index}", family_name="Иванова")
    open_case(given_name="Петър", family_name="Стоянов")  # not found by the search
    sign_in(page, live_server.url, "ana", "en")
    page.goto(f"{live_server.url}/cases/")
    expect(page.locator("#results .count")).to_have_text("6 cases")
    page.fill("#id_q", "Ivanova")
    expect(page.locator("#results .count")).to_have_text("5 cases")
    expect(page.locator("#results .pages span")).to_have_text("Page 1 of 3")
    first = page.locator("#results tbody .name").all_inner_texts()
    page.get_by_role("button", name="Next").click()  # the search box's change on leaving it must not win over Next
    page.wait_for_load_state("networkidle")
    expect(page.locator("#results .pages span")).to_have_text("Page 2 of 3")
    second = page.locator("#results tbody .name").all_inner_texts()
    page.get_by_role("button", name="Next").click()
    expect(page.locator("#results .pages span")).to_have_text("Page 3 of 3")
    expect(page.get_by_role("button", name="Next")).to_have_count(0)
    third = page.locator("#results tbody .name").all_inner_texts()
    assert sorted(first + second + third) == [f"Мария{index} Иванова" for index in range(5)]
    page.get_by_role("button", name="Previous").click()
    expect(page.locator("#results .pages span")).to_have_text("Page 2 of 3")
    assert page.locator("#results tbody .name").all_inner_texts() == second
    assert "Ivanova" not in page.url
    assert "page" not in page.url
