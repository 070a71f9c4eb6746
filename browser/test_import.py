"""A caseworker imports the official HTCDS Excel spreadsheet, filled with generated rows, in a real
browser: upload, read the preview and its problem, upload the corrected file, import, and find the
cases in All cases."""

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD, authenticator_of, current_code
from pristan.demo.generate import generate
from pristan.demo.world import ensure_world
from pristan.interchange.tests import files
from pristan.interchange.tests.conftest import records_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_caseworker_imports_the_official_spreadsheet(page, live_server, settings, tmp_path, screenshot):
    settings.VAR_DIR = tmp_path
    generate(cases=6, offices=1, seed=11, progress=False)
    world = ensure_world(2)
    source_cases = list(world.offices[0].office.cases.select_related("person").order_by("reference"))
    rows = list(records_of(source_cases).values())
    office, caseworker = world.offices[1].office, world.offices[1].caseworker
    caseworker.set_password(PASSWORD)
    caseworker.save()
    device = authenticator_of(caseworker)

    bad = [dict(row) for row in rows]
    bad[2]["prs_Gender"] = "Femnine"
    (tmp_path / "bad").mkdir()
    (tmp_path / "good").mkdir()
    spreadsheet = files.fill_spreadsheet(files.SPREADSHEET, bad, tmp_path / "bad" / "htcds-cases.xlsx")
    corrected = files.fill_spreadsheet(files.SPREADSHEET, rows, tmp_path / "good" / "htcds-cases.xlsx")

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", caseworker.username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.fill("#id_code", current_code(device))
    page.locator("main form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("Start")

    page.goto(f"{live_server.url}/imports/")
    expect(page.locator("h1")).to_have_text("Import cases")
    page.set_input_files("#id_file", str(spreadsheet))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_test_id("import-status")).to_have_text("Checked, waiting for confirmation")
    expect(page.get_by_test_id("invalid")).to_have_text("1")
    expect(page.get_by_test_id("to-create")).to_have_text("5")
    problems = page.get_by_test_id("import-problems")
    expect(problems).to_contain_text("prs_Gender")
    expect(problems).to_contain_text("Femnine")
    expect(problems).to_contain_text("The closest is “Feminine”")
    screenshot("1-preview-with-a-problem")
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.locator(".has-error")).to_contain_text("Some rows have problems")
    assert office.cases.count() == 0

    page.get_by_role("link", name="Upload a corrected file").click()
    page.set_input_files("#id_file", str(corrected))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_test_id("to-create")).to_have_text("6")
    expect(page.get_by_test_id("invalid")).to_have_text("0")
    expect(page.get_by_test_id("import-problems")).to_have_count(0)
    screenshot("2-preview-corrected")
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_test_id("import-outcome")).to_contain_text("6 cases created")
    screenshot("3-imported")
    assert office.cases.count() == 6

    wanted = rows[0]
    page.get_by_role("link", name="All cases").first.click()
    with page.expect_response(lambda response: response.url.endswith("/cases/") and response.request.method == "POST"):
        page.fill("#id_q", f"{wanted['prs_FirstName']} {wanted['prs_SecondName']}")
    results = page.locator("#results tbody tr")
    expect(results.first).to_contain_text(wanted["prs_FirstName"])
    expect(results.first).to_contain_text(office.code)
    screenshot("4-found")
