"""A caseworker refers a case to a partner in the browser; the partner's user sees the count in the
menu, opens the list, follows the link to the referral inbox and marks the notification read."""

import pytest
from playwright.sync_api import Page, expect

from browser.conftest import sign_in
from conftest import PASSWORD
from pristan.cases.models import ConsentPurpose
from pristan.cases.services import consent_record
from pristan.notifications.models import Notification

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("#id_username")).to_be_visible()


def test_a_referral_reaches_the_partner_as_a_notification(page, live_server, active_case, ana, partner, partner_user, screenshot):
    partner_user.set_password(PASSWORD)
    partner_user.save()
    consent_record(actor=ana, case=active_case, purpose=ConsentPurpose.REFERRAL, given=True)

    sign_in(page, live_server.url, ana.username)
    expect(page.locator("h1")).to_have_text("Start")
    expect(page.get_by_test_id("unread-count")).to_have_count(0)
    page.goto(f"{live_server.url}/cases/{active_case.reference}/referrals/")
    page.get_by_text("Refer the case or a service").click()
    page.select_option("#id_referral-organisation", label=partner.name)
    page.select_option("#id_referral-reason", "AdditionalServicesRequired")
    page.get_by_role("button", name="Send the referral").click()
    expect(page.locator(".messages")).to_be_visible()
    expect(page.get_by_test_id("unread-count")).to_have_count(0)  # the sender is told nothing
    _sign_out(page)

    sign_in(page, live_server.url, partner_user.username)
    expect(page.locator("h1")).to_have_text("Start")
    expect(page.get_by_test_id("unread-count")).to_have_text("1")
    screenshot("1-count")
    page.get_by_role("link", name="Notifications").click()
    sentence = f"A referral of case {active_case.reference} awaits your answer."
    expect(page.get_by_test_id("notification")).to_contain_text(sentence)
    expect(page.locator("main")).not_to_contain_text(active_case.person.family_name)
    screenshot("2-list")
    page.get_by_role("link", name=sentence).click()
    expect(page.locator("h1")).to_have_text("Referrals and transfers to answer")
    expect(page.locator("main")).to_contain_text(active_case.reference)
    page.get_by_role("link", name="Notifications").click()
    page.get_by_role("button", name="Mark read").click()
    expect(page.get_by_test_id("unread-count")).to_have_count(0)
    expect(page.get_by_test_id("notification")).to_contain_text("Read")
    screenshot("3-read")
    assert Notification.objects.get(user=partner_user).read_at is not None
