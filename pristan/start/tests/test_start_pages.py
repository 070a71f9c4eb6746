"""Each role lands on its own start page (`/`, and after sign-in), counting only what it may see,
in a number of queries that does not grow with the cases."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import member
from pristan.cases.models import ConsentPurpose
from pristan.cases.services import consent_override, consent_record, task_add
from pristan.core.models import Role
from pristan.erasure.services import erasure_request
from pristan.referrals.services import referral_send

HOME = "/"
CHILD_BORN = date.today() - timedelta(days=365 * 10)


def _queries(client: Client, path: str = HOME) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_sign_in_lands_on_the_start_page(settings):
    assert reverse(settings.LOGIN_REDIRECT_URL) == HOME


def test_a_caseworker_sees_their_cases_by_stage_and_what_is_due(client_of, ana, open_case):
    case = open_case()
    open_case(given_name="Мария")
    task_add(actor=ana, case=case, title="Call the shelter", due_on=timezone.localdate())
    task_add(actor=ana, case=case, title="Later", due_on=timezone.localdate() + timedelta(days=9))
    response = client_of(ana).get(HOME)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="start-work"' in body
    assert "Screening: 2 cases" in body
    assert f'href="{reverse("case_list")}?stage=screening"' in body
    assert "Tasks due: 1" in body
    assert "Monitoring visits due: 0" in body
    assert "Referrals awaiting an answer: 0" in body
    # Not a supervisor, focal point or auditor: none of their panels.
    for panel in ("start-office", "start-decisions", "start-refusals"):
        assert panel not in body
    assert "Register a person" in body


def test_a_supervisor_sees_caseloads_ageing_cases_and_overdue_work(client_of, boris, ana, open_case):
    case = open_case()
    task_add(actor=ana, case=case, title="Overdue call", due_on=timezone.localdate() - timedelta(days=3))
    response = client_of(boris).get(HOME)
    body = response.content.decode()
    assert 'data-testid="start-office"' in body
    assert "Ana</a></td><td>1</td>" in body
    assert case.reference in body  # the only open case is the one unchanged longest
    assert "Overdue tasks: 1" in body
    assert "start-decisions" not in body


def test_counts_leave_out_childrens_cases_without_clearance(client_of, sofia, ana, open_case):
    open_case()
    open_case(given_name="Ели", born=CHILD_BORN)
    cleared = member("sonja", sofia, Role.SUPERVISOR, child_clearance=True)
    uncleared = member("stefan", sofia, Role.SUPERVISOR, child_clearance=False)
    assert "Ana</a></td><td>2</td>" in client_of(cleared).get(HOME).content.decode()
    body = client_of(uncleared).get(HOME).content.decode()
    assert "Ana</a></td><td>1</td>" in body
    assert "Ana</a></td><td>2</td>" not in body


def test_a_caseworker_of_another_office_counts_nothing_of_sofia(client_of, marko, boris, open_case):
    case = open_case()
    body = client_of(marko).get(HOME).content.decode()
    assert "No open cases." in body
    assert case.reference not in body
    assert "start-office" not in body


def test_a_focal_point_sees_pending_erasures_and_consent_overrides(client_of, sofia, ana, boris, case):
    focal = member("fiona", sofia, Role.FOCAL_POINT)
    erasure_request(actor=ana, case=case, reason="The person asked for it.")
    consent_override(actor=boris, case=case, purpose="referral", reason="A child in danger.")
    response = client_of(focal).get(HOME)
    body = response.content.decode()
    assert 'data-testid="start-decisions"' in body
    assert "Erasure requests to decide: 1" in body
    assert f'href="{reverse("case_consent", kwargs={"reference": case.reference})}"' in body
    assert "start-work" not in body  # a focal point changes no case
    assert "Register a person" not in body
    assert "My cases" not in body


def test_an_auditor_sees_recent_refusals_and_no_case(client_of, sofia, nina, case):
    auditor = member("aurel", sofia, Role.AUDITOR)
    client_of(nina).get(reverse("research_export"))  # refused: a caseworker does not make research data
    response = client_of(auditor).get(HOME)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="start-refusals"' in body
    assert "research_export" in body
    assert "Nina" in body
    for panel in ("start-work", "start-office", "start-decisions"):
        assert panel not in body
    assert case.reference not in body
    assert "Register a person" not in body
    assert "My cases" not in body


@pytest.mark.parametrize(
    ("role", "target"),
    [(Role.ANALYST, "research_export"), (Role.OFFICE_ADMIN, "admin_people"), (Role.SYSTEM_ADMIN, "admin_people")],
)
def test_roles_without_case_content_land_on_their_own_page(client_of, sofia, role, target):
    user = member("someone", sofia, role)
    response = client_of(user).get(HOME)
    assert response.status_code == 302
    assert response.url == reverse(target)
    page = client_of(user).get(reverse(target)).content.decode()
    assert "Register a person" not in page
    assert "My cases" not in page


def test_a_partner_user_sees_referrals_awaiting(client_of, partner_user):
    body = client_of(partner_user).get(HOME).content.decode()
    assert "Referrals awaiting an answer: 0" in body
    assert "Register a person" not in body


def test_register_is_not_offered_to_roles_that_cannot_register(client_of, sofia, ana, boris, movement_officer):
    assert "Register a person" in client_of(boris).get(HOME).content.decode()
    body = client_of(movement_officer).get(HOME).content.decode()
    assert "Register a person" not in body  # a movement officer does not screen: register refuses them


@pytest.mark.parametrize("who", ["ana", "boris", "focal", "auditor"])
def test_the_queries_do_not_grow_with_the_cases(client_of, sofia, ana, boris, open_case, who):
    users = {"ana": ana, "boris": boris, "focal": member("fiona", sofia, Role.FOCAL_POINT),
             "auditor": member("aurel", sofia, Role.AUDITOR)}  # fmt: skip
    user = users[who]
    first = open_case()
    task_add(actor=ana, case=first, title="Call", due_on=timezone.localdate() - timedelta(days=1))
    # Listed from the first page on (a focal point's recent overrides), so that both pages record what they list.
    consent_override(actor=boris, case=first, purpose="referral", reason="A child in danger who cannot consent today.")
    client = client_of(user)
    few = _queries(client)
    for number in range(5):
        case = open_case(given_name=f"Иван{number}")
        task_add(actor=ana, case=case, title="Call", due_on=timezone.localdate() - timedelta(days=1))
        erasure_request(actor=ana, case=case, reason="Asked.")
        consent_override(actor=boris, case=case, purpose="referral", reason="A child in danger who cannot consent today.")
    assert _queries(client) == few
    assert few <= 33  # 25, and 8 that record which cases the page listed (trail.record_listing), however many


def test_a_partner_counts_the_referrals_awaiting_it_in_bounded_queries(client_of, ana, partner, partner_user, open_case):
    def refer() -> None:
        case = open_case()
        consent_record(actor=ana, case=case, purpose=ConsentPurpose.REFERRAL, given=True)
        referral_send(actor=ana, case=case, organisation=partner, reason="AdditionalServicesRequired")

    refer()
    client = client_of(partner_user)
    assert "Referrals awaiting an answer: 1" in client.get(HOME).content.decode()
    once = _queries(client)
    for _ in range(3):
        refer()
    assert "Referrals awaiting an answer: 4" in client.get(HOME).content.decode()
    more = _queries(client)
    # Each referral is checked as the inbox checks it (a partner's grant: its referral and consent),
    # no more than REFERRALS_CHECKED of them: bounded, if not constant.
    assert once < more <= once + 3 * 3
