"""Setting up two-step sign-in in a real browser, in Bosnian: password, authenticator, recovery codes."""

from base64 import b32decode

import pytest
from django.utils import translation
from django.utils.translation import gettext
from django_otp.oath import totp
from playwright.sync_api import expect

from browser.conftest import choose_language
from conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _bs(text: str) -> str:
    with translation.override("bs"):
        return gettext(text)


def test_a_bosnian_caseworker_sets_up_two_step_sign_in(page, live_server, ana, screenshot):
    page.goto(f"{live_server.url}/accounts/login/")
    choose_language(page, "bs")
    page.fill("#id_username", "ana")
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()

    expect(page.locator("h1")).to_have_text(_bs("Set up two-step sign-in"))
    expect(page.get_by_role("img", name=_bs("QR code to scan with your authenticator app"))).to_be_visible()
    secret = page.get_by_test_id("totp-secret").inner_text()  # as someone who cannot scan types it in
    screenshot("1-set-up")
    page.fill("#id_code", f"{totp(b32decode(secret.replace(' ', ''))):06d}")
    page.get_by_role("button", name=_bs("Confirm and continue")).click()

    expect(page.locator("h1")).to_have_text(_bs("Your recovery codes"))
    expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
    screenshot("2-recovery-codes")
    page.get_by_role("link", name=_bs("I have kept them; continue")).click()

    expect(page.locator("h1")).to_have_text(_bs("Start"))
    assert _bs("My cases") != "My cases", "the interface must really be in Bosnian"
