"""The accessibility check the day-in-the-office tests rely on: it runs under Pristan's own
Content-Security-Policy and fails, naming the rule and the element, when a page breaks WCAG."""

import pytest
from playwright.sync_api import Page

from browser.axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_check_passes_the_sign_in_page_and_fails_it_once_a_label_is_gone(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    assert "script-src 'self'" in (page.request.get(page.url).headers.get("content-security-policy") or "")
    assert_accessible(page)

    page.locator("label[for=id_username]").evaluate("label => label.remove()")
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page)
    message = str(failure.value)
    assert "label (critical): Form elements must have labels" in message
    assert "#id_username:" in message
    assert page.url in message
