"""A day in the office, role by role, each in its own language, on a desktop and on a phone.

Every page a person visits is photographed (test-artifacts/day/<role>-<size>-<nn>-<step>.png) and
checked by axe-core against WCAG 2.1 A and AA: a violation anywhere on the way fails the day."""

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import Locator, Page, expect

from browser.axe import assert_accessible
from browser.conftest import ARTIFACTS, choose_language
from conftest import PASSWORD, authenticator_of, current_code, member
from pristan.attachments.models import Attachment
from pristan.attachments.tests.test_attachments import png
from pristan.cases.models import Case, CaseFlag, CaseNote, ConsentPurpose
from pristan.cases.services import case_assign, consent_override, consent_record, flag_set, task_add
from pristan.core.models import Role
from pristan.erasure.models import ErasureRequest, ErasureStatus
from pristan.erasure.services import erasure_request
from pristan.screening.services import screening_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DAY_ARTIFACTS = ARTIFACTS / "day"
SIZES = {"desktop": {"width": 1280, "height": 720}, "phone": {"width": 390, "height": 844}}


def _in(language: str, text: str) -> str:
    with translation.override(language):
        return gettext(text)


@dataclass
class Day:
    """One person's walk through Pristan: every page they look at is photographed, then checked."""

    page: Page
    role: str
    size: str
    shots: list[Path] = field(default_factory=list)

    def look(self, step: str) -> None:
        # The picture first: when axe fails the day, the page it failed on is there to look at.
        path = DAY_ARTIFACTS / f"{self.role}-{self.size}-{len(self.shots) + 1:02d}-{step}.png"
        self.page.screenshot(path=str(path), full_page=True)
        self.shots.append(path)
        assert_accessible(self.page)
        if self.size == "phone":  # nothing wider than the screen, whatever the page
            assert self.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), step


@pytest.fixture(scope="module", autouse=True)
def _pictures_of_this_run_only() -> None:
    shutil.rmtree(DAY_ARTIFACTS, ignore_errors=True)


@pytest.fixture(params=list(SIZES))
def day(request: pytest.FixtureRequest, page: Page) -> Iterator[Callable[[str], Day]]:
    size = request.param
    page.set_viewport_size(SIZES[size])
    DAY_ARTIFACTS.mkdir(parents=True, exist_ok=True)
    days: list[Day] = []

    def start(role: str) -> Day:
        days.append(Day(page, role, size))
        return days[-1]

    yield start
    for each in days:
        print(f"{each.role} at {size}: {len(each.shots)} pages photographed in {DAY_ARTIFACTS}")


def _menu_link(page: Page, name: str) -> Locator:
    """A link of the main menu, opening the menu first where a narrow screen folds it away."""
    link = page.get_by_role("navigation", name=_in(page.locator("html").get_attribute("lang") or "en", "Main")).get_by_role(
        "link", name=name, exact=True
    )
    # The menu's toggle, whichever form a narrow layout gives it: a button that says whether the
    # menu is expanded, or a <details> summary.
    toggle = page.locator("header button[aria-expanded=false], header details:not([open]) > summary")
    if not link.is_visible() and toggle.count():
        toggle.first.click()
    expect(link).to_be_visible()
    return link


def _tab(page: Page, path: str) -> None:
    page.locator(f"nav.tabs a[href$='/{path}/']").click()
    expect(page.locator(f"nav.tabs a[href$='/{path}/']")).to_have_attribute("aria-current", "page")


def test_a_caseworkers_day_in_bulgarian(live_server, day, ana, active_case: Case, tmp_path) -> None:
    bg = "bg"
    today = timezone.localdate()
    task_add(actor=ana, case=active_case, title="Обаждане до приюта", due_on=today)
    photo = tmp_path / "снимка.png"
    photo.write_bytes(png())
    walk = day("caseworker")
    page = walk.page
    _sign_in_at(walk, live_server.url, bg, ana)
    expect(page.get_by_test_id("tasks-due")).to_have_text(_in(bg, "Tasks due: %(count)s") % {"count": 1})

    _menu_link(page, _in(bg, "My cases")).click()
    expect(page.locator("h1")).to_have_text(_in(bg, "My cases"))
    expect(page.get_by_test_id("due-tasks")).to_contain_text("Обаждане до приюта")
    walk.look("my-cases")

    page.locator("main").get_by_role("link", name=active_case.reference).first.click()
    expect(page.locator("h1 .ref")).to_have_text(active_case.reference)
    walk.look("case")

    # A flag: the trafficker has written to her.
    page.locator("section.flags details > summary").last.click()
    page.locator("form.flag-form select[name=kind]").select_option("trafficker_in_contact")
    page.locator("form.flag-form textarea[name=reason]").fill("Писал ѝ е във Viber снощи.")
    walk.look("flag-form")
    page.locator("form.flag-form button[type=submit]").click()
    expect(page.locator("section.flags li.flag")).to_contain_text("Писал ѝ е във Viber снощи.")
    walk.look("flagged")
    assert CaseFlag.objects.filter(case=active_case, kind="trafficker_in_contact", removed_at=None).count() == 1

    # A photo of her identity card, attached to the person and previewed.
    _tab(page, "attachments")
    walk.look("attachments")
    page.set_input_files("#id_file", str(photo))
    page.select_option("#id_kind", "photo")
    page.select_option("#id_subject", "person")
    page.locator("main form[enctype] button[type=submit]").click()
    expect(page.locator("main table")).to_contain_text("снимка.png")
    page.locator("main table a[href*='show=']").click()
    page.wait_for_function("() => document.querySelector('#preview img')?.complete")
    assert page.locator("#preview img").evaluate("img => img.naturalWidth") == 2
    walk.look("attachment-preview")
    assert Attachment.objects.filter(case=active_case).count() == 1

    # The shelter service she is now in, and a note of the visit.
    _tab(page, "assistance")
    walk.look("assistance")
    page.select_option("#id_svc-kind", "accommodation")
    page.fill("#id_svc-description", "Приют на Анимус, стая 3.")
    page.locator("main form[action$='/assistance/services/'] button[type=submit]").click()
    expect(page.locator("main")).to_contain_text("Приют на Анимус, стая 3.")
    walk.look("service-recorded")

    _tab(page, "notes")
    page.fill("#id_text", "Посещение в приюта: спокойна, иска да се обади на майка си.")
    page.locator("main form[action$='/notes/add/'] button[type=submit]").click()
    expect(page.locator("main article.note").first).to_contain_text("иска да се обади на майка си")
    walk.look("note")
    assert CaseNote.objects.filter(case=active_case).count() == 1

    # Her tasks: the call to the shelter is made.
    _menu_link(page, _in(bg, "My cases")).click()
    task = page.get_by_test_id("due-tasks").locator("li", has_text="Обаждане до приюта")
    task.get_by_role("button", name=_in(bg, "Mark done")).click()
    expect(page.get_by_test_id("due-tasks").locator("li", has_text="Обаждане до приюта")).to_have_count(0)
    walk.look("tasks")


def test_a_focal_points_day_in_bosnian(live_server, day, ana, boris, sofia, open_case) -> None:
    bs = "bs"
    fiona = member("fiona", sofia, Role.FOCAL_POINT)
    asked = open_case(given_name="Мария", family_name="Иванова")
    erasure_request(actor=ana, case=asked, reason="Лицето поиска това.")
    overridden = open_case(given_name="Петър", family_name="Стоянов")
    consent_record(actor=ana, case=overridden, purpose=ConsentPurpose.CASE_MANAGEMENT, given=True)
    consent_override(
        actor=boris, case=overridden, purpose=ConsentPurpose.REFERRAL, reason="A child in danger: the police must know today."
    )
    walk = day("focal-point")
    page = walk.page
    _sign_in_at(walk, live_server.url, bs, fiona)
    expect(page.get_by_test_id("pending-erasures")).to_have_text(_in(bs, "Erasure requests to decide: %(count)s") % {"count": 1})
    expect(page.get_by_test_id("overrides").locator("tbody tr")).to_have_count(1)

    # The override the supervisor made: what was shared, and why.
    page.get_by_test_id("overrides").get_by_role("link", name=overridden.reference).click()
    expect(page.locator("h1 .ref")).to_have_text(overridden.reference)
    expect(page.locator("main")).to_contain_text("A child in danger: the police must know today.")
    walk.look("consent-override")

    _menu_link(page, _in(bs, "Erasure")).click()
    expect(page.locator("h1")).to_have_text(_in(bs, "Erasure requests"))
    walk.look("erasure-requests")
    page.locator("main table").get_by_role("link", name=asked.reference).click()
    expect(page.locator("#decide-heading")).to_be_visible()
    walk.look("erasure-request")
    page.locator("input[name=decision][value=refuse]").check()
    page.fill("#id_note", "The case is still open with the prosecutor; asked again after the trial.")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text(_in(bs, "The request was refused."))
    walk.look("decided")
    assert ErasureRequest.objects.get(case=asked).status == ErasureStatus.REFUSED


def test_a_supervisors_day_in_serbian_latin(live_server, day, ana, boris, nina, open_case) -> None:
    latn = "sr-latn"
    first = open_case(given_name="Мария", family_name="Иванова")
    second = open_case(given_name="Петър", family_name="Стоянов")
    third = case_assign(actor=boris, case=open_case(given_name="Elena", family_name="Kostova"), owner=nina)
    flag_set(actor=ana, case=second, kind="medical_urgency", reason="Insulin runs out on Friday.")
    task_add(actor=ana, case=first, title="Call the shelter", due_on=timezone.localdate() - timedelta(days=2))
    walk = day("supervisor")
    page = walk.page
    _sign_in_at(walk, live_server.url, latn, boris)
    expect(page.get_by_test_id("caseloads").locator("tbody tr")).to_have_count(2)  # Ana's two, Nina's one
    expect(page.get_by_test_id("overdue-tasks")).to_have_text(_in(latn, "Overdue tasks: %(count)s") % {"count": 1})

    _menu_link(page, _in(latn, "All cases")).click()
    expect(page.locator("#results tbody tr")).to_have_count(3)
    walk.look("case-list")
    _caseload_on_the_case_list(walk, ana=ana, nina=nina, cases=[first, second, third])

    page.locator("#results").get_by_role("link", name=second.reference).click()
    expect(page.locator("h1 .ref")).to_have_text(second.reference)
    expect(page.locator("section.flags li.flag")).to_contain_text("Insulin runs out on Friday.")
    walk.look("case")

    _menu_link(page, _in(latn, "Overview")).click()
    expect(page.locator("h1")).to_have_text(_in(latn, "Overview"))
    walk.look("overview")


def _caseload_on_the_case_list(walk: Day, *, ana: User, nina: User, cases: list[Case]) -> None:
    """The supervisor's caseload step, on the case list: she finds the case that needs attention
    first by its flag, then hands Ana's two cases to Nina in one bulk reassignment, and sorts the
    list by caseworker to see the new caseloads."""
    page = walk.page
    latn = "sr-latn"
    assert {case.owner for case in cases} == {ana, nina}
    page.locator("#id_flag").select_option("medical_urgency")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    walk.look("case-list-flagged")
    page.locator("#id_flag").select_option("")
    expect(page.locator("#results tbody tr")).to_have_count(len(cases))

    anas = [case for case in cases if case.owner == ana]
    for case in anas:
        page.locator(f"#results [data-testid=select-case][value='{case.pk}']").check()
    page.select_option("#id_action", "assign")
    page.select_option("#id_assignee", str(nina.pk))
    walk.look("case-list-selected")
    page.get_by_role("button", name=_in(latn, "Apply to the selected cases")).click()
    expect(page.locator(".messages")).to_contain_text(nina.first_name)
    walk.look("case-list-reassigned")
    assert set(Case.objects.filter(pk__in=[case.pk for case in anas]).values_list("owner", flat=True)) == {nina.pk}

    heading = page.locator("th", has=page.locator("button[name=sort_by][value$=caseworker]"))
    heading.locator("button").click()
    expect(heading).to_have_attribute("aria-sort", "ascending")
    expect(page.locator("#results [data-testid=caseworker]")).to_have_count(len(cases))
    walk.look("case-list-by-caseworker")


def test_an_auditors_day_in_macedonian(live_server, day, sofia, nina, client_of) -> None:
    mk = "mk"
    auditor = member("aurel", sofia, Role.AUDITOR)
    client_of(nina).get(reverse("research_export"))  # refused: a caseworker does not make research data
    walk = day("auditor")
    page = walk.page
    _sign_in_at(walk, live_server.url, mk, auditor)
    expect(page.get_by_test_id("refusals").locator("tbody tr")).to_have_count(1)
    expect(page.get_by_test_id("refusals")).to_contain_text("Nina")

    page.get_by_test_id("start-refusals").locator("a[href*='action=denied']").click()
    expect(page.locator("h1")).to_have_text(_in(mk, "Audit trail"))
    expect(page.locator("main table tbody tr")).to_have_count(1)
    expect(page.locator("main table tbody")).to_contain_text(_in(mk, "Access refused"))
    walk.look("audit-trail")


def test_an_analysts_day_in_macedonian(live_server, day, ana, sofia, open_case) -> None:
    mk = "mk"
    for _ in range(6):
        case = open_case()
        screening_record(
            actor=ana, case=case, indicator_list="adult_labour", indicators=[], decision="PossibleVictimOfTrafficking",
            reason="Credible account.",
        )  # fmt: skip
        consent_record(actor=ana, case=case, purpose=ConsentPurpose.RESEARCH, given=True)
    analyst = member("lidia", sofia, Role.ANALYST)
    walk = day("analyst")
    page = walk.page
    _sign_in_at(walk, live_server.url, mk, analyst, lands_on="Research data (CTDC)")  # the analyst's start page
    page.locator("#research-preview form[action$='/research/count/'] button").click()
    expect(page.get_by_test_id("research-report")).to_contain_text("6")  # counted at once: jobs run where queued here
    walk.look("research-preview")


def _sign_in_at(day: Day, base: str, language: str, user: User, *, lands_on: str = "Start") -> None:
    device = authenticator_of(user)  # two-step sign-in is required of everyone: the app is set up
    page = day.page
    page.goto(f"{base}/accounts/login/")
    choose_language(page, language)
    day.look("sign-in")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#id_code")).to_be_visible()
    day.look("two-step")
    page.fill("#id_code", current_code(device))
    page.locator("main form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text(_in(language, lands_on))
    day.look("start")
