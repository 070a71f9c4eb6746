"""Two roles sign in, one after the other, in a real browser: each lands on its own start page
(the caseworker on their work, the data-protection focal point on the decisions awaiting them),
and the menu offers "Register a person" only to the one who may register."""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from conftest import PASSWORD, authenticator_of, current_code, member
from pristan.cases.services import task_add
from pristan.core.models import Role
from pristan.erasure.services import erasure_request

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Page, url: str, username: str, code: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.fill("#id_code", code)
    page.locator("main form button[type=submit]").click()


def test_a_caseworker_and_a_focal_point_each_land_on_their_own_start_page(page, live_server, ana, sofia, open_case, screenshot):
    case = open_case()
    task_add(actor=ana, case=case, title="Call the shelter", due_on=timezone.localdate())
    erasure_request(actor=ana, case=case, reason="The person asked for it.")
    focal = member("fiona", sofia, Role.FOCAL_POINT)
    menu = page.get_by_role("navigation", name="Main")

    _sign_in(page, live_server.url, "ana", current_code(authenticator_of(ana)))
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_test_id("start-work")).to_contain_text("Screening: 1 case")
    expect(page.get_by_test_id("tasks-due")).to_have_text("Tasks due: 1")
    expect(page.get_by_test_id("start-decisions")).to_have_count(0)
    expect(menu.get_by_role("link", name="Register a person")).to_be_visible()
    screenshot("1-caseworker")
    page.get_by_test_id("stage-counts").get_by_role("link").first.click()
    expect(page).to_have_url(f"{live_server.url}/cases/?stage=screening")
    page.get_by_role("button", name="Sign out").click()

    _sign_in(page, live_server.url, "fiona", current_code(authenticator_of(focal)))
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_test_id("pending-erasures")).to_have_text("Erasure requests to decide: 1")
    expect(page.get_by_test_id("start-work")).to_have_count(0)
    expect(menu.get_by_role("link", name="Register a person")).to_have_count(0)
    expect(menu.get_by_role("link", name="My cases")).to_have_count(0)
    screenshot("2-focal-point")
    page.get_by_test_id("pending-erasures").click()
    expect(page).to_have_url(f"{live_server.url}/erasure/")
