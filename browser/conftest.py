"""Headless Chromium (Debian's package) driven by Playwright against the live test server."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

CHROMIUM = os.environ.get("PRISTAN_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    # Playwright's sync API runs an event loop in this thread; the test's own database calls are
    # still synchronous and safe. Set only while the browser tests run.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is needed for the browser tests: apt-get install chromium (looked for {CHROMIUM}).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def screenshot(page: Page, request: pytest.FixtureRequest):
    ARTIFACTS.mkdir(exist_ok=True)

    def take(step: str) -> Path:
        path = ARTIFACTS / f"{request.node.name}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture(scope="session")
def django_db_modify_db_settings(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Databases in files for the browser tests. With SQLite's in-memory test database the live
    server's request threads all share the test's one connection, and two requests at once (a page
    and its htmx call) collide: "database table is locked". In files, each thread has its own
    connection and waits for the writer (WAL, busy timeout) like a real deployment."""
    from django.conf import settings

    directory = tmp_path_factory.mktemp("browser-databases")
    for alias, database in settings.DATABASES.items():
        if database["ENGINE"] == "django.db.backends.sqlite3":
            database.setdefault("TEST", {})["NAME"] = str(directory / f"{alias}.sqlite3")


def choose_language(page: Page, language: str) -> None:
    """Choose a language as a person does: pick it, then press the button (choosing alone changes nothing)."""
    if page.locator("details.menu:not([open]) > summary").is_visible():  # on a phone the selector is in the folded menu
        page.locator("details.menu > summary").click()
    page.select_option("#language-select", language)
    with page.expect_navigation():
        page.locator("form.lang button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", language)


def sign_in(page: Page, base: str, username: str, language: str | None = None) -> None:
    """Sign in as a person does, both steps (the code the authenticator app shows), choosing the
    language first when one is given; ends signed in, on the start page of the user's role."""
    from django.contrib.auth.models import User

    from conftest import PASSWORD, authenticator_of, current_code

    device = authenticator_of(User.objects.get(username=username))  # before signing in: the second step asks for its code
    page.goto(f"{base}/accounts/login/")
    if language:
        choose_language(page, language)
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.fill("#id_code", current_code(device))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    expect(page.locator("#id_code")).to_have_count(0)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Where the browser tests left their screenshots (CI keeps them in its working directory)."""
    if ARTIFACTS.is_dir() and any(ARTIFACTS.rglob("*.png")):
        terminalreporter.write_line(f"Screenshots of the browser tests: {ARTIFACTS}")
