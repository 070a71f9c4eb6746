"""An office administrator adds a caseworker through the pages; the new caseworker signs in with
the temporary password, is made to choose a password, and reaches the set-up of the second step."""

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD, authenticator_of, current_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "violet-lantern-orbit-73"  # noqa: S105 - the new caseworker's password in this test


def test_an_office_administrator_adds_a_caseworker_who_then_signs_in(page, browser, live_server, vera, sofia, screenshot):
    device = authenticator_of(vera)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "vera")
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.fill("#id_code", current_code(device))
    page.locator("main form button[type=submit]").click()

    page.get_by_role("link", name="Administration").click()
    expect(page.locator("h1")).to_have_text("Administration")
    page.get_by_role("link", name="Add a person").click()
    page.fill("#id_username", "dana")
    page.fill("#id_name", "Dana Koleva")
    page.fill("#id_email", "dana@example.org")
    page.select_option("#id_office", label=str(sofia))
    page.select_option("#id_role", "caseworker")
    page.get_by_label("A temporary password they must change").check()
    screenshot("1-add")
    page.get_by_role("button", name="Add the person").click()
    expect(page.locator("h1")).to_have_text("How dana signs in")
    temporary = page.get_by_test_id("temporary-password").inner_text()
    screenshot("2-shown-once")

    newcomer = browser.new_context(viewport={"width": 1280, "height": 720}, locale="en-GB").new_page()
    newcomer.goto(f"{live_server.url}/accounts/login/")
    newcomer.fill("#id_username", "dana")
    newcomer.fill("#id_password", temporary)
    newcomer.locator("main form button[type=submit]").click()
    expect(newcomer.locator("h1")).to_have_text("Choose your password")
    newcomer.fill("#id_new_password1", NEW_PASSWORD)
    newcomer.fill("#id_new_password2", NEW_PASSWORD)
    newcomer.get_by_role("button", name="Save my password").click()
    expect(newcomer.locator("h1")).to_have_text("Set up two-step sign-in")
    expect(newcomer.get_by_test_id("totp-secret")).to_be_visible()
    newcomer.context.close()
