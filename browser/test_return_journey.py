"""One person's whole journey across a border, in a real browser (issue 4, "Done means"): screened
in Sofia, returned home to Moldova, handed over to the Chișinău office, and visited there 3 and 6
months after arrival, with the reintegration scores the page shows checked against the survey.

Only the world is set up through the ORM and services: one organisation with offices in Sofia (BG)
and Chișinău (MD), and their staff, each with an authenticator. Everything the staff do is done
through the pages, each person in their own browser context, signed in once with their own code:
Ana, the Sofia caseworker, in Bulgarian; the others in English (Pristan offers no Romanian yet).

The live server's clock cannot be moved, and a 6-month visit can only be recorded once it has
happened: so the return is recorded after the fact, with the past dates and times the forms accept
(the leg of the route, departure and arrival confirmed "at" a given time, counselling, fitness,
consent and screening dated before departure), about 200 days before today. Registration, the
approval and the transfer carry today's date: those forms have no date to give.
"""

import re
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.template.defaultfilters import floatformat
from django.utils import formats, timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import Browser, Locator, Page, expect

from browser.conftest import choose_language
from conftest import PASSWORD, authenticator_of, current_code
from pristan.cases.models import Case, Stage
from pristan.core.models import Office, Organisation, Role
from pristan.core.services import membership_grant
from pristan.movements.models import Movement
from pristan.reintegration import schedule
from pristan.reintegration.models import Survey, Visit, VisitStatus
from pristan.reintegration.scores import score
from pristan.reintegration.services import survey_load
from pristan.reintegration.survey import DEFAULT_FILE, dimensions_of, parse_file
from pristan.screening.indicators import IndicatorList, indicators_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

# The answers given at each visit (item key → option key; an item left out is "No answer").
AT_3_MONTHS = {
    "income": "some", "debt": "struggling", "food_security": "sometimes", "work": "irregular", "access_to_jobs": "difficult",
    "housing": "fair", "health_care": "fair", "documents": "some", "justice": "probably_not", "safe_water": "mostly",
    "support_network": "probably", "participation": "rarely", "safety": "unsafe", "discrimination": "sometimes",
    "distress": "often", "wish_to_migrate": "unsure",
}  # fmt: skip
AT_6_MONTHS = {
    "income": "most", "debt": "repayable", "food_security": "rarely", "work": "regular", "access_to_jobs": "neither",
    "housing": "good", "health_care": "good", "documents": "all", "justice": "probably", "safe_water": "always",
    "support_network": "certainly", "participation": "sometimes", "safety": "safe", "discrimination": "rarely",
    "distress": "sometimes", "wish_to_migrate": "stay",
}  # fmt: skip
# "Do the school-age children of your household go to school?" does not apply: she has none.
NOT_ASKED = "schooling"


# The world ----------------------------------------------------------------------------------------


def _staff(username: str, first: str, last: str, office: Office, role: str) -> User:
    user = User.objects.create_user(username, password=PASSWORD, first_name=first, last_name=last)
    membership_grant(actor=None, user=user, office=office, role=role, child_clearance=True)
    authenticator_of(user)  # two-step sign-in is required of everyone
    return user


@pytest.fixture
def world(organisation: Organisation, sofia: Office, ana: User, boris: User) -> dict[str, Office]:
    """Sofia (from conftest: Ana the caseworker, Boris the supervisor) and a movement officer;
    Chișinău with a supervisor and a caseworker (who sees only her own and assigned cases)."""
    chisinau = Office.objects.create(organisation=organisation, code="KIV", name="Chișinău", country="MD", city="Chișinău")
    _staff("mila", "Mila", "Georgieva", sofia, Role.MOVEMENT_OFFICER)
    _staff("ion", "Ion", "Ceban", chisinau, Role.SUPERVISOR)
    _staff("elena", "Elena", "Lungu", chisinau, Role.CASEWORKER)
    authenticator_of(ana)
    authenticator_of(boris)
    if not Survey.objects.exists():  # the data migration's version 1 is gone once a transactional test has flushed
        survey_load(actor=None, definition=parse_file(DEFAULT_FILE), source=DEFAULT_FILE.name)
    return {"sofia": sofia, "chisinau": chisinau}


@pytest.fixture
def sign_in(browser: Browser, live_server) -> Iterator[Callable[..., Page]]:
    """A browser context of one's own per person, signed in with password and authenticator code,
    in the language they choose on the sign-in page."""
    contexts = []

    def open_as(username: str, language: str = "en") -> Page:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/accounts/login/")
        if language != "en":
            choose_language(page, language)
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        _submit(page, page.locator("main form button[type=submit]"))
        page.fill("#id_code", current_code(authenticator_of(User.objects.get(username=username))))
        _submit(page, page.locator("main form button[type=submit]"))
        expect(page.locator("#id_code")).to_have_count(0)  # signed in: on the start page of the user's role
        return page

    yield open_as
    for context in contexts:
        context.close()


def _shot(page: Page, request: pytest.FixtureRequest, step: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{step}.png"), full_page=True)


# Driving the pages --------------------------------------------------------------------------------


def _in(language: str, text: str) -> str:
    with translation.override(language):
        return gettext(text)


def _bg(text: str) -> str:
    return _in("bg", text)


def _submit(page: Page, button: Locator) -> None:
    """Click a submit button and wait for the page that answers (messages repeat from step to step)."""
    with page.expect_navigation():
        button.click()


def _done(page: Page, message: str | re.Pattern[str]) -> None:
    expect(page.locator(".messages")).to_contain_text(message)


def _tab(page: Page, name: str) -> None:
    page.locator("nav.tabs").get_by_role("link", name=name, exact=True).click()
    expect(page.locator("nav.tabs [aria-current=page]")).to_have_text(name)


def _day(day: date) -> str:
    return day.isoformat()


def _at(day: date, time: str) -> str:
    return f"{day.isoformat()}T{time}"  # a datetime-local field, in the office's time


def _short(day: date, language: str = "en") -> str:
    with translation.override(language):
        return formats.date_format(day, "SHORT_DATE_FORMAT")  # as the pages show dates


class MovementTab:
    """The block of one movement on a case's Movement tab."""

    def __init__(self, page: Page, movement: Movement, language: str = "en") -> None:
        self.page, self.pk, self.language = page, movement.pk, language
        self.block = page.locator(f"#movement-{movement.pk}")

    def open(self, summary: str) -> None:
        self.block.locator("summary", has_text=_in(self.language, summary)).click()

    def field(self, form: str, name: str) -> str:
        return f"#id_m{self.pk}-{form}-{name}"

    def submit(self, action: str, message: str) -> None:
        _submit(self.page, self.block.locator(f"form[action$='/movement/{action}/'] button[type=submit]"))
        _done(self.page, _in(self.language, message))

    def stage(self, stage: str, label: str, at: str = "") -> None:
        self.open("Change the stage")
        self.page.select_option(self.field("stage", "stage"), stage)
        if at:
            self.page.fill(self.field("stage", "at"), at)
        self.submit("stage", "Stage changed.")
        expect(self.block.locator("h2 .stage")).to_have_text(_in(self.language, label))


def _record_visit(page: Page, months: int, done_on: date, answers: dict[str, str], note: str) -> None:
    row = page.locator("table.visits tbody tr", has_text=f"{months} months after arrival")
    row.get_by_role("link", name="Record").click()
    expect(page.locator("h2", has_text="Record a monitoring visit")).to_be_visible()
    expect(page.locator("#id_visit option:checked")).to_have_text(f"{months} months after arrival")
    page.fill("#id_done_on", _day(done_on))
    for item, option in answers.items():
        page.check(f"input[name=answer_{item}][value={option}]")
    page.fill("#id_note", note)
    _submit(page, page.get_by_role("button", name="Record the visit"))
    _done(page, "Monitoring visit recorded.")


def _figure(value: float | None) -> str:
    return floatformat(value, 2) if value is not None else "—"  # as the table of scores formats them


# The journey --------------------------------------------------------------------------------------


def test_a_person_screened_in_sofia_returns_to_chisinau_and_is_visited_there(world, sign_in, request):
    today = timezone.localdate()
    arrival = today - timedelta(days=200)
    before = arrival - timedelta(days=30)  # consent and screening
    chisinau = world["chisinau"]

    # 1. Sofia: Ana, who works in Bulgarian, registers the person, records her consent, screens her;
    # the case opens.
    ana = sign_in("ana", "bg")
    ana.get_by_role("link", name=_bg("Register a person")).click()
    ana.fill("#id_given_name", "Ана")
    ana.fill("#id_family_name", "Русу")
    ana.fill("#id_date_of_birth", "1995-03-08")
    ana.select_option("#id_citizenships", "MD")
    ana.select_option("#id_gender", "Feminine")
    _submit(ana, ana.get_by_role("button", name=_bg("Register and open a case")))
    _done(ana, re.compile(r"SOF-\d{4}-\d{5}"))
    case = Case.objects.get()
    expect(ana.locator("h1 .name")).to_have_text("Ана Русу")

    for purpose in ("case_management", "referral", "transfer"):  # one form, one submit
        ana.check(f"input[name={purpose}][value=yes]")
    ana.fill("#id_on", _day(before))
    _shot(ana, request, "01-consent")
    _submit(ana, ana.get_by_role("button", name=_bg("Record consent")))
    _done(ana, _bg("Consent recorded."))

    _tab(ana, _bg("Consent"))
    for label in ("Case management", "Referral to third parties", "Transfer to another office"):
        expect(ana.locator("table.consents tr", has_text=_bg(label))).to_contain_text(_bg("Given"))
    _tab(ana, _bg("Screening"))
    items = indicators_for(IndicatorList.ADULT_LABOUR)
    for dimension in ("deceptive_recruitment", "exploitation", "coercion_destination"):
        strong = [i for i in items if i.dimension == dimension and i.strength == "strong"][:1]
        medium = [i for i in items if i.dimension == dimension and i.strength == "medium"][:1]
        for item in strong + medium:
            ana.check(f"input[name=indicators][value='{item.key}']")
    expect(ana.get_by_test_id("suggestion")).to_contain_text(_bg("The indicators point to a presumed victim of trafficking."))
    ana.select_option("#id_decision", "PossibleVictimOfTrafficking")
    ana.select_option("#id_deciding_body", "NGO")
    ana.fill("#id_screened_on", _day(before))
    ana.fill("#id_reason", "Обещана работа в пекарна; паспортът ѝ е взет, заплатата е задържана срещу дълг.")
    _shot(ana, request, "02-screening")
    _submit(ana, ana.get_by_role("button", name=_bg("Record the decision")))
    _done(ana, _bg("Screening recorded."))

    expect(ana.locator("h1 .ref")).to_have_text(case.reference)  # registration ends on the case's summary
    for stage, label in (("assistance", "Assistance"), ("movement", "Movement")):
        ana.select_option("#id_stage", stage)
        _submit(ana, ana.get_by_role("button", name=_bg("Move the case")))
        expect(ana.locator("header .stage")).to_have_text(_bg(label))

    # Her reintegration plan is prepared before she leaves; the date of return is not known yet.
    _tab(ana, _bg("Reintegration"))
    ana.fill("#id_plan-economic_objectives", "Работа в пекарна в Кишинев или собствен щанд на пазара.")
    ana.fill("#id_plan-social_objectives", "Собствена стая; нови лични документи.")
    ana.fill("#id_plan-psychosocial_objectives", "Консултиране; подкрепа от майка ѝ.")
    _submit(ana, ana.get_by_role("button", name=_bg("Save the plan")))
    _done(ana, _bg("Reintegration plan saved."))
    expect(ana.locator("dl.facts dd").first).to_have_text(_bg("Not set yet"))
    no_visits = _bg("No visits are planned yet: they are planned from the date of arrival.")
    expect(ana.locator("table.visits")).to_contain_text(no_visits)

    # 2. The voluntary return to Moldova, received by the Chișinău office.
    _tab(ana, _bg("Movement"))
    ana.select_option("#id_request-kind", "voluntary_return")
    ana.select_option("#id_request-destination_country", "MD")
    ana.select_option("#id_request-receiving_office", label=str(chisinau))
    _submit(ana, ana.get_by_role("button", name=_bg("Request the movement")))
    movement = Movement.objects.get()
    _done(ana, _bg("Movement %(label)s requested.") % {"label": movement.label})

    boris = sign_in("boris")  # the Sofia supervisor approves it, from the board
    boris.get_by_role("link", name="Movements").click()
    board = boris.locator(f"#board-{movement.pk}")
    expect(board).to_contain_text("Ана Русу")
    board.get_by_role("link", name=movement.label).click()
    MovementTab(boris, movement).stage("approved", "Approved")

    mila = sign_in("mila")  # the movement officer arranges it
    mila.get_by_role("link", name="Movements").click()
    mila.locator(f"#board-{movement.pk}").get_by_role("link", name=movement.label).click()
    tab = MovementTab(mila, movement)
    tab.open("Add a travel document")
    mila.select_option(tab.field("document", "kind"), "passport")
    mila.fill(tab.field("document", "number"), "AB1234567")
    mila.select_option(tab.field("document", "status"), "valid")
    mila.fill(tab.field("document", "expires_on"), _day(date(today.year + 5, 1, 31)))
    tab.submit("documents", "Travel document added.")
    tab.stage("travel_documents", "Travel documents")

    # Fitness to travel is health detail: the caseworker records it, and the counselling.
    ana.reload()
    tab = MovementTab(ana, movement, "bg")
    expect(tab.block.get_by_test_id("missing")).to_contain_text(
        _bg("%(reference)s: fitness to travel not recorded.") % {"reference": case.reference}
    )
    tab.open("Record fitness to travel")
    ana.select_option(tab.field("fitness", "outcome"), "fit")
    ana.fill(tab.field("fitness", "assessed_on"), _day(arrival - timedelta(days=4)))
    tab.submit("fitness", "Fitness to travel recorded.")
    tab.open("Record pre-departure counselling")
    expect(ana.locator(f"input[name='m{movement.pk}-counselling-travellers']")).to_be_checked()
    ana.fill(tab.field("counselling", "on"), _day(arrival - timedelta(days=5)))
    ana.select_option(tab.field("counselling", "by"), label="ana")
    ana.fill(tab.field("counselling", "note"), "Какво я очаква при пристигане; кой я посреща в Кишинев.")
    tab.submit("counselling", "Counselling recorded.")

    mila.reload()
    tab = MovementTab(mila, movement)
    tab.stage("fit_to_travel", "Fit to travel")
    tab.open("Add a leg")
    mila.fill(tab.field("leg", "from_city"), "Sofia")
    mila.select_option(tab.field("leg", "from_country"), "BG")
    mila.fill(tab.field("leg", "to_city"), "Chișinău")
    mila.select_option(tab.field("leg", "to_country"), "MD")
    mila.fill(tab.field("leg", "carrier"), "Air Moldova")
    mila.fill(tab.field("leg", "number"), "9U 174")
    mila.fill(tab.field("leg", "departs_at"), _at(arrival, "06:40"))
    mila.fill(tab.field("leg", "arrives_at"), _at(arrival, "08:10"))
    tab.submit("legs", "Leg added to the route.")
    expect(tab.block.locator("table.legs")).to_contain_text("Chișinău")
    tab.stage("booked", "Booked")
    expect(tab.block.get_by_test_id("missing")).to_have_text("Nothing is missing: the movement can be travel-ready.")
    tab.stage("travel_ready", "Travel-ready")
    tab.stage("departed", "Departed", at=_at(arrival, "06:45"))
    tab.stage("arrived", "Arrived", at=_at(arrival, "08:20"))
    facts = tab.block.locator("dl.facts")
    expect(facts).to_contain_text(str(chisinau))
    expect(facts).to_contain_text(formats.date_format(arrival, "SHORT_DATE_FORMAT"))
    _shot(mila, request, "03-arrived")

    # The arrival dated her reintegration plan, and planned the visits from it.
    _tab(ana, _bg("Reintegration"))
    expect(ana.locator("dl.facts dd").first).to_have_text(_short(arrival, "bg"))
    due = schedule.due_dates(arrival)
    for months, day in due.items():
        row = ana.locator("table.visits tbody tr", has_text=_bg("%(months)s months after arrival") % {"months": months})
        expect(row).to_contain_text(_short(day, "bg"))

    # 3. The case is handed over to the Chișinău office.
    _tab(ana, _bg("Referrals"))
    ana.locator("summary", has_text=_bg("Transfer the case to another office")).click()
    transfer = ana.locator("form[action$='/transfers/new/']")
    transfer.locator("#id_transfer-to_office").select_option(label=str(chisinau))
    transfer.locator("#id_transfer-reason").fill("Завърна се у дома в Кишинев; офисът там поема реинтеграцията ѝ.")
    _submit(ana, transfer.get_by_role("button", name=_bg("Request the transfer")))
    _done(ana, _bg("Transfer requested."))

    ion = sign_in("ion")  # the Chișinău supervisor accepts it from the inbox
    ion.get_by_role("navigation", name="Main").get_by_role("link", name="Referrals").click()
    row = ion.locator("tr", has_text=case.reference)
    expect(row).to_contain_text("Ана Русу")
    expect(row).to_contain_text(str(world["sofia"]))
    _shot(ion, request, "04-inbox")
    _submit(ion, row.get_by_role("button", name="Accept"))
    _done(ion, "Transfer accepted: the case is now your office's.")
    expect(ion.locator("h1 .ref")).to_have_text(case.reference)
    expect(ion.locator("header.case-head .meta")).to_contain_text(str(chisinau))
    ion.select_option("#id_stage", "reintegration")
    _submit(ion, ion.get_by_role("button", name="Move the case"))
    expect(ion.locator("header .stage")).to_have_text("Reintegration")
    _tab(ion, "Notes and tasks")  # and gives the case to Elena
    ion.fill("#id_title", "Monitoring visits after her return")
    ion.fill("#id_due_on", _day(today + timedelta(days=7)))
    ion.select_option("#id_assignee", value=str(User.objects.get(username="elena").pk))
    _submit(ion, ion.get_by_role("button", name="Add the task"))
    _done(ion, "Task added.")

    # 4. Chișinău: Elena finds the case through her task and records the visits.
    elena = sign_in("elena")
    elena.get_by_role("navigation", name="Main").get_by_role("link", name="My cases").click()
    elena.locator("ul.tasks li", has_text="Monitoring visits after her return").get_by_role("link", name=case.reference).click()
    expect(elena.locator("h1 .name")).to_have_text("Ана Русу")
    _tab(elena, "Reintegration")
    expect(elena.locator("dl.facts dd").first).to_have_text(_short(arrival))
    expect(elena.locator("table.visits tbody tr")).to_have_count(3)
    visited = [due[3] + timedelta(days=3), due[6] + timedelta(days=2)]
    _record_visit(elena, 3, visited[0], AT_3_MONTHS, "At her mother's; looking for work.")
    _record_visit(elena, 6, visited[1], AT_6_MONTHS, "Works at a bakery since last month.")
    _shot(elena, request, "05-scores")

    # The scores shown, against the survey's own items, scales and weights, for the answers given.
    dimensions = dimensions_of(Survey.objects.latest("version").definition)
    expected = [score(dimensions, AT_3_MONTHS), score(dimensions, AT_6_MONTHS)]
    assert expected[1].unanswered == (NOT_ASKED,)
    # By hand, economic at 6 months: (2×0.67 + 1×0.67 + 1.5×0.75 + 1.5×1 + 1×0.5) / 7 = 5.135 / 7 ≈ 0.73.
    assert _figure(expected[1].dimensions["economic"]) == "0.73"
    assert (expected[0].composite or 0) < (expected[1].composite or 0)  # she is doing better
    rows = elena.locator("#reintegration-scores tbody tr")
    expect(rows).to_have_count(2)
    for index, result in enumerate(expected):
        row = rows.nth(index)
        expect(row.locator("th")).to_have_text(_short(visited[index]))
        for key in ("economic", "social", "psychosocial"):
            expect(row.locator(f"td[data-series={key}]")).to_have_text(_figure(result.dimensions[key]))
        expect(row.locator("td[data-series=composite]")).to_have_text(_figure(result.composite))
    six = elena.locator("table.visits tbody tr", has_text="6 months after arrival")
    expect(six).to_contain_text(_figure(expected[1].composite))
    expect(six).to_contain_text("1 question not answered")

    chart = elena.locator("svg.score-chart")
    expect(chart).to_be_visible()
    for key in ("economic", "social", "psychosocial", "composite"):
        expect(chart.locator(f"g.series-{key} circle")).to_have_count(2)
        expect(chart.locator(f"g.series-{key} polyline")).to_have_count(1)

    visits = {visit.months_after: visit for visit in Visit.objects.select_related("recorded_by").filter(case=case)}
    assert (visits[6].status, visits[6].done_on, visits[6].recorded_by) == (
        VisitStatus.DONE,
        visited[1],
        User.objects.get(username="elena"),
    )
    assert visits[12].status == VisitStatus.PLANNED
    case.refresh_from_db()
    assert (case.office, case.stage) == (chisinau, Stage.REINTEGRATION)
