"""axe-core (Deque's accessibility engine, bundled by the axe-playwright-python package) run on the
page as the browser shows it now, against the WCAG 2.0 and 2.1 level A and AA rules.

Pristan's Content-Security-Policy allows scripts from 'self' only, and it stays on for the test:
the script is not added as a <script> element (CSP would refuse that inline script) but evaluated
through the DevTools protocol (Playwright's page.evaluate), which runs beside the page's own
scripts and is not subject to the page's CSP. axe itself needs no eval, so the page is checked
exactly as it is served."""

from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

_axe = Axe()


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """The violations axe finds on the page now (an empty list when there are none)."""
    options = {"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]}
    return list(_axe.run(page, options=options).response["violations"])


def describe(violations: list[dict[str, Any]]) -> str:
    """One line per rule broken and one per element that breaks it: what to fix and where."""
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>")
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    {target}: {node['failureSummary'].replace(chr(10), ' ')}")
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    """Fail with a readable list of the WCAG 2.1 A/AA violations axe finds on the page, if any."""
    # Pages settle before they are checked: htmx may still be swapping a part in.
    page.wait_for_load_state("load")
    violations = axe_violations(page)
    assert not violations, f"axe-core found {len(violations)} WCAG 2.1 A/AA violation(s) on {page.url}:\n{describe(violations)}"
