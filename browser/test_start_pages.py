"""Two roles sign in, one after the other, in a real browser: each lands on its own start page
(the caseworker on their work, the data-protection focal point on the decisions awaiting them),
and the menu offers "Register a person" only to the one who may register."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from browser.conftest import sign_in
from conftest import member
from pristan.cases.services import task_add
from pristan.core.models import Role
from pristan.erasure.services import erasure_request

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_caseworker_and_a_focal_point_each_land_on_their_own_start_page(page, live_server, ana, sofia, open_case, screenshot):
    case = open_case()
    task_add(actor=ana, case=case, title="Call the shelter", due_on=timezone.localdate())
    erasure_request(actor=ana, case=case, reason="The person asked for it.")
    member("fiona", sofia, Role.FOCAL_POINT)
    menu = page.get_by_role("navigation", name="Main")

    sign_in(page, live_server.url, "ana")
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_test_id("start-work")).to_contain_text("Screening: 1 case")
    expect(page.get_by_test_id("tasks-due")).to_have_text("Tasks due: 1")
    expect(page.get_by_test_id("start-decisions")).to_have_count(0)
    expect(menu.get_by_role("link", name="Register a person")).to_be_visible()
    screenshot("1-caseworker")
    page.get_by_test_id("stage-counts").get_by_role("link").first.click()
    expect(page).to_have_url(f"{live_server.url}/cases/?stage=screening")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server.url, "fiona")
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_test_id("pending-erasures")).to_have_text("Erasure requests to decide: 1")
    expect(page.get_by_test_id("start-work")).to_have_count(0)
    expect(menu.get_by_role("link", name="Register a person")).to_have_count(0)
    expect(menu.get_by_role("link", name="My cases")).to_have_count(0)
    screenshot("2-focal-point")
    page.get_by_test_id("pending-erasures").click()
    expect(page).to_have_url(f"{live_server.url}/erasure/")
