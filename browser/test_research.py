"""An analyst opens the research page in a real browser: the cases are being counted by a worker
(pristan/research/counts.py), and the preview appears on the page, without reloading it, once the
worker has counted them. The queue is the database's, as in production; the worker runs here, in
the test, once the page says the count is waiting, so nothing depends on timing."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from conftest import PASSWORD, authenticator_of, current_code, member
from pristan.cases.models import ConsentPurpose
from pristan.cases.services import consent_record
from pristan.core.models import Role
from pristan.research.models import ResearchCounts
from pristan.screening.services import screening_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_analyst_sees_the_cases_being_counted_then_the_preview(
    page, live_server, ana, sofia, open_case, screenshot, settings, tmp_path
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    settings.VAR_DIR = tmp_path
    for _ in range(6):
        case = open_case()
        screening_record(
            actor=ana, case=case, indicator_list="adult_labour", indicators=[], decision="PossibleVictimOfTrafficking",
            reason="Credible account.",
        )  # fmt: skip
        consent_record(actor=ana, case=case, purpose=ConsentPurpose.RESEARCH, given=True)
    analyst = member("lidia", sofia, Role.ANALYST)
    device = authenticator_of(analyst)

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "lidia")
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.fill("#id_code", current_code(device))
    page.locator("main form button[type=submit]").click()

    page.goto(f"{live_server.url}/research/?k=5")
    expect(page.locator("h1")).to_have_text("Research data (CTDC)")
    expect(page.get_by_test_id("research-counting")).to_contain_text("Being counted")
    screenshot("1-counting")
    assert ResearchCounts.objects.get(actor=analyst).computed_at is None

    call_command("worker", "--batch", verbosity=0)  # takes the count off the queue, as `pristan worker` does

    report = page.get_by_test_id("research-report")
    expect(report).to_be_visible()  # swapped in by the page's poll
    expect(report).to_contain_text("6")
    expect(page.get_by_test_id("research-counted")).to_contain_text("6 cases")
    expect(page.get_by_test_id("research-counting")).to_have_count(0)
    screenshot("2-preview")
    expect(page.get_by_role("button", name="Make the CSV file")).to_be_visible()
