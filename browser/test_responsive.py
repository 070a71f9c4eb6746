"""Pristan on a phone (Chromium at 390×844) and on a laptop (1280×720).

Every page each role can open, walked through the authorization matrix's own world and routes
(pristan/core/tests/test_matrix.py): on a phone no page is wider than the screen, in Bulgarian and
in Serbian, whose words are the longest; the menu folds behind one button, also without scripts.
At 1280 px the menu is one row in every language."""

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Browser, BrowserContext, Page, expect

from browser.conftest import ARTIFACTS, choose_language
from conftest import sign_in_verified
from pristan.core.tests.test_matrix import MATRIX, _named_routes, world  # noqa: F401 (world is a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 720}
# The personas of the matrix who stand for the demo accounts (see README.md): every role but the anonymous.
ROLES = [
    "caseworker",
    "supervisor",
    "movement_officer",
    "focal_point",
    "analyst",
    "auditor",
    "office_admin",
    "system_admin",
    "partner",
]
# Routes that show no page of their own to walk: signing out ends the session the walk needs, and
# choosing a language is done by choose_language.
NOT_PAGES = {"logout", "set_language"}


def _signed_in(browser: Browser, live_server, user: User, viewport: dict[str, int], *, scripts: bool = True) -> BrowserContext:
    """A browser context holding the session of a user signed in with both steps (as client_of does)."""
    client = sign_in_verified(Client(), user)
    context = browser.new_context(viewport=viewport, locale="en-GB", java_script_enabled=scripts)  # type: ignore[arg-type]
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                          "url": live_server.url}])  # fmt: skip
    return context


def _pages_of(role: str, user: User, values: dict[str, object]) -> list[str]:
    """The URLs of the HTML pages a role may open: GET is "ok" for it in the matrix and the answer is a page."""
    client = sign_in_verified(Client(), user)
    urls = []
    for name, arguments in sorted(_named_routes().items()):
        expected = MATRIX[name]["get"]
        if name in NOT_PAGES or expected.get(role, expected["default"]) != "ok":
            continue
        url = reverse(name, kwargs={argument: values[argument] for argument in arguments})
        response = client.get(url, follow=True)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            urls.append(url)
    return urls


# Names the elements that cross the right edge of the screen and that no box that scrolls holds
# (an absolutely positioned element escapes a scrolling box that is not its containing block).
CULPRITS = """() => {
  const edge = window.innerWidth + 0.5, found = [];
  const name = (element) => `${element.tagName.toLowerCase()}.${element.getAttribute("class") || ""}`;
  const clips = (ancestor, block) =>
    getComputedStyle(ancestor).overflowX !== "visible" && (!block || ancestor === block || ancestor.contains(block));
  const escapes = (element) => {
    const block = getComputedStyle(element).position === "absolute" ? element.offsetParent : null;
    for (let ancestor = element.parentElement; ancestor && ancestor !== document.body; ancestor = ancestor.parentElement)
      if (clips(ancestor, block)) return false;
    return true;
  };
  for (const element of document.querySelectorAll("body *"))
    if (element.getBoundingClientRect().right > edge && element.checkVisibility() && escapes(element))
      found.push(`${name(element)} in ${name(element.parentElement)}`);
  return found.slice(-3).join(", ");
}"""


DUPLICATE_IDS = """() => {
  const seen = new Set(), twice = new Set();
  for (const element of document.querySelectorAll("[id]")) (seen.has(element.id) ? twice : seen).add(element.id);
  return [...twice].join(", ");
}"""


def _wider_than_the_screen(page: Page) -> int | None:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width if width > page.viewport_size["width"] else None  # type: ignore[index]


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    ARTIFACTS.mkdir(exist_ok=True)
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def test_no_page_is_wider_than_a_phone_for_any_role_in_bulgarian_and_serbian(browser, live_server, world, contexts):  # noqa: F811
    users, values = world
    too_wide, repeated_ids = [], []
    visited = 0
    for role in ROLES:
        urls = _pages_of(role, users[role], values)
        assert len(urls) >= 5, f"{role} opens too few pages for this walk to mean anything: {urls}"
        for language in ("bg", "sr"):
            context = _signed_in(browser, live_server, users[role], PHONE)
            contexts.append(context)
            page = context.new_page()
            page.set_default_timeout(15_000)
            page.goto(f"{live_server.url}/")
            choose_language(page, language)
            for url in urls:
                page.goto(f"{live_server.url}{url}")
                visited += 1
                if duplicates := page.evaluate(DUPLICATE_IDS):
                    repeated_ids.append(f"{role} {language} {url}: {duplicates}")
                if (width := _wider_than_the_screen(page)) is not None:
                    too_wide.append(f"{role} {language} {url}: {width} px ({page.evaluate(CULPRITS)})")
                    shot = f"too-wide-{role}-{language}-{url.strip('/').replace('/', '-')}.png"
                    page.screenshot(path=str(ARTIFACTS / shot), full_page=True)
            context.close()
    assert visited > 100
    assert not too_wide, "pages wider than a 390 px screen:\n" + "\n".join(too_wide)
    # Labels and the error summary's links find a field by its id: one id, one element.
    assert not repeated_ids, "ids used twice on a page:\n" + "\n".join(repeated_ids)


def test_the_menu_folds_behind_one_button_on_a_phone_also_without_scripts(browser, live_server, ana, contexts):
    for scripts in (True, False):
        context = _signed_in(browser, live_server, ana, PHONE, scripts=scripts)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server.url}/cases/")
        menu = page.get_by_role("navigation", name="Main")
        expect(menu).to_be_hidden()
        # The whole header, menu folded, takes one line: not a quarter of the screen.
        assert page.locator("header.top").bounding_box()["height"] < 60  # type: ignore[index]
        button = page.locator("details.menu > summary")
        button.focus()
        page.keyboard.press("Enter")
        expect(menu).to_be_visible()
        expect(menu.get_by_role("link", name="All cases")).to_be_visible()
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / f"phone-menu-open-{'scripts' if scripts else 'no-scripts'}.png"))
        page.keyboard.press("Enter")
        expect(menu).to_be_hidden()
        context.close()


def test_case_tabs_are_one_row_that_scrolls_on_a_phone(browser, live_server, boris, active_case):
    context = _signed_in(browser, live_server, boris, PHONE)
    page = context.new_page()
    page.goto(f"{live_server.url}{reverse('case_summary', kwargs={'reference': active_case.reference})}")
    choose_language(page, "bg")
    tabs = page.locator("nav.tabs a")
    assert tabs.count() >= 8
    tops = {round(tabs.nth(index).bounding_box()["y"]) for index in range(tabs.count())}  # type: ignore[index]
    assert len(tops) == 1, f"case tabs on {len(tops)} rows"
    assert _wider_than_the_screen(page) is None, page.evaluate(CULPRITS)
    # The last tab is reached with the keyboard: focusing it scrolls the row to it.
    tabs.last.focus()
    box = tabs.last.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= PHONE["width"]
    context.close()


def test_the_menu_is_one_row_at_1280_px_in_every_language(browser, live_server, world, contexts):  # noqa: F811
    users, _values = world
    wrapped = []
    for role in ROLES:
        context = _signed_in(browser, live_server, users[role], LAPTOP)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server.url}/")
        for language, _name in settings.LANGUAGES:
            choose_language(page, language)
            links = page.locator("header.top nav a")
            assert links.count() >= 3
            boxes = [links.nth(index).bounding_box() for index in range(links.count())]
            tops = {round(box["y"]) for box in boxes if box is not None}
            right = max(box["x"] + box["width"] for box in boxes if box is not None)
            tools = page.locator("header.top .tools").bounding_box()
            if len(tops) != 1 or right > LAPTOP["width"] or tools is None or tools["height"] > 48:
                wrapped.append(f"{role} {language}: {len(tops)} rows, right edge at {right:.0f} px, tools {tools}")
        context.close()
    assert not wrapped, "the menu wraps at 1280 px:\n" + "\n".join(wrapped)
