"""The case list at scale: the reach in index-driven parts, keyset pages, a capped count."""

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pristan.cases import selectors
from pristan.cases.models import Case, ConsentPurpose, Task
from pristan.cases.selectors import CaseFilters, PageRequest, case_list_page, case_search
from pristan.cases.services import consent_record, task_add
from pristan.core import access
from pristan.core.models import Office, Role
from pristan.core.services import membership_grant, partner_membership_grant
from pristan.referrals.models import Referral, ReferralStatus, Transfer, TransferStatus


def _member(username: str, office: Office, role: str, **grant: Any) -> User:
    user = User.objects.create_user(username)
    membership_grant(actor=None, user=user, office=office, role=role, **grant)
    return user


WAYS = ("own", "child", "tasked", "referred", "asked", "handed", "partner", "withdrawn")


@pytest.fixture
def varna(organisation):
    return Office.objects.create(organisation=organisation, code="VAR", name="Varna", country="BG", city="Varna")


def _world(open_case: Callable[..., Case], ana: User, marko: User, skopje: Office, varna: Office, partner) -> dict[str, Case]:
    """Cases reached in every way the access layer knows: by office, by owner, through a task, a
    referral to an office or to a partner (with and without consent), a transfer asked or made."""
    cases = {
        name: open_case(given_name=name.title())
        for name in ("own", "child", "tasked", "referred", "asked", "handed", "partner", "withdrawn")
    }
    child = cases["child"]
    child.minor_at_registration = True
    child.save(update_fields=["minor_at_registration"])
    for name in ("tasked", "referred", "asked", "handed"):  # these belong to other offices
        owner = ana if name == "tasked" else marko  # marko reaches the tasked case through his task only
        Case.objects.filter(pk=cases[name].pk).update(office=varna if name == "handed" else skopje, owner=owner)
    Task.objects.create(case=cases["tasked"], title="Visit", due_on=date.today(), assignee=marko, created_by=ana)
    task_add(actor=ana, case=cases["own"], title="Call", due_on=date.today())  # ana's own case, twice reached
    sofia = cases["own"].office
    Referral.objects.create(case=cases["referred"], direction="outgoing", office=sofia, reason="Other", referred_on=date.today())
    Transfer.objects.create(case=cases["asked"], from_office=skopje, to_office=sofia, reason="Return", requested_by=marko)
    Transfer.objects.create(
        case=cases["handed"],
        from_office=sofia,
        to_office=varna,
        reason="Return",
        requested_by=ana,
        status=TransferStatus.ACCEPTED,
    )
    for name in ("partner", "withdrawn"):
        Referral.objects.create(
            case=cases[name], direction="outgoing", organisation=partner, reason="Other", referred_on=date.today(),
            status=ReferralStatus.ACCEPTED,
        )  # fmt: skip
        consent_record(actor=ana, case=cases[name], purpose=ConsentPurpose.REFERRAL, given=True)
    consent_record(actor=ana, case=cases["withdrawn"], purpose=ConsentPurpose.REFERRAL, given=False)
    return {name: Case.objects.get(pk=case.pk) for name, case in cases.items()}


def test_the_reach_in_parts_is_exactly_what_each_case_grants(
    open_case, ana, boris, nina, marko, skopje, varna, partner, partner_user
):
    _world(open_case, ana, marko, skopje, varna, partner)
    regional = _member("rada", varna, Role.SUPERVISOR, scope="region", region_offices=[skopje], child_clearance=True)
    everywhere = _member("gleb", skopje, Role.SUPERVISOR, scope="global", child_clearance=False)
    both = _member("dana", skopje, Role.CASEWORKER, child_clearance=True)  # assigned in Skopje, and a partner's user too
    partner_membership_grant(actor=None, user=both, organisation=partner)
    membership_grant(actor=None, user=nina, office=skopje, role=Role.CASEWORKER, scope="assigned")
    for user in (ana, boris, nina, marko, partner_user, regional, everywhere, both):
        user = User.objects.get(pk=user.pk)  # nothing remembered from an earlier request
        expected = {case.pk for case in Case.objects.all() if access.grant_for(user, case) is not None}
        parts = [set(part.values_list("pk", flat=True)) for part in access.case_parts_for(user)]
        assert set(access.cases_for(user).values_list("pk", flat=True)) == expected, user.username
        assert set().union(*parts) == expected, user.username
        assert sum(len(part) for part in parts) == len(expected), f"{user.username}: the parts overlap"
        page = case_list_page(user=user, filters=CaseFilters(), page=PageRequest(), per_page=50)
        assert [case.pk for case in page.cases] == list(
            case_search(user=user, filters=CaseFilters()).values_list("pk", flat=True)
        )
        assert page.count == len(expected)


def test_keyset_pages_walk_the_list_forward_and_back(open_case, ana):
    first = open_case(given_name="First")
    for index in range(11):
        case = open_case(given_name=f"Person{index}")
        Case.objects.filter(pk=case.pk).update(opened_on=first.opened_on - timedelta(days=index % 4))  # ties on a date
    expected = list(case_search(user=ana, filters=CaseFilters()).values_list("pk", flat=True))
    page, seen = case_list_page(user=ana, filters=CaseFilters(), page=PageRequest(), per_page=5), []
    numbers = []
    while True:
        seen += [case.pk for case in page.cases]
        numbers.append((page.number, page.num_pages, page.has_previous, page.has_next))
        if not page.has_next:
            break
        page = case_list_page(user=ana, filters=CaseFilters(), page=PageRequest.parse(str(page.next_page)), per_page=5)
    assert seen == expected
    assert numbers == [(1, 3, False, True), (2, 3, True, True), (3, 3, True, False)]
    back = case_list_page(user=ana, filters=CaseFilters(), page=PageRequest.parse(str(page.previous_page)), per_page=5)
    assert (back.number, [case.pk for case in back.cases], back.has_next) == (2, expected[5:10], True)
    back = case_list_page(user=ana, filters=CaseFilters(), page=back.previous_page, per_page=5)
    assert (back.number, [case.pk for case in back.cases], back.has_previous) == (1, expected[:5], False)


@pytest.mark.parametrize(
    "text", ["", "2", "x after 2026-01-01_1", "3 sideways 2026-01-01_1", "3 after 2026-13-01_1", "3 after 2026-01-01_x"]
)
def test_a_page_that_cannot_be_read_is_the_first(text):
    assert PageRequest.parse(text) == PageRequest()


def test_the_count_stops_at_its_limit(open_case, ana, monkeypatch):
    for index in range(4):
        open_case(given_name=f"Person{index}")
    monkeypatch.setattr(selectors, "COUNT_LIMIT", 3)
    page = case_list_page(user=ana, filters=CaseFilters(), page=PageRequest(), per_page=2)
    assert (page.count, page.count_exceeds_limit, page.num_pages) == (3, True, None)
    monkeypatch.setattr(selectors, "COUNT_LIMIT", 4)
    page = case_list_page(user=ana, filters=CaseFilters(), page=PageRequest(), per_page=2)
    assert (page.count, page.count_exceeds_limit, page.num_pages) == (4, False, 2)


def test_the_list_says_more_than_the_limit(open_case, ana, client_of, monkeypatch, settings):
    settings.PRISTAN_CASES_PER_PAGE = 2
    for index in range(4):
        open_case(given_name=f"Person{index}")
    monkeypatch.setattr(selectors, "COUNT_LIMIT", 3)
    body = client_of(ana).post(reverse("case_list"), {}).content.decode()
    assert "More than 3 cases" in body
    assert "Page 1<" in body


def _list_queries(client, page: str = ""):
    with CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("case_list"), {"page": page} if page else {})
    return len(queries), response


@pytest.mark.parametrize("who", ["ana", "boris"])  # assigned scope; a supervisor's office with cases handed to it
def test_the_case_list_makes_as_many_queries_for_many_rows_as_for_few(who, open_case, ana, skopje, client_of, settings, request):
    settings.PRISTAN_CASES_PER_PAGE = 5
    client = client_of(request.getfixturevalue(who))
    for index in range(6):  # one more than a page: counted
        open_case(given_name=f"First{index}")
    few, _response = _list_queries(client)
    for index in range(12):
        case = open_case(given_name=f"Person{index}")
        task_add(actor=ana, case=case, title="Call", due_on=date.today(), assignee=ana)
    Referral.objects.create(
        case=open_case(given_name="Other"), direction="outgoing", office=skopje, reason="Other", referred_on=date.today()
    )
    many, response = _list_queries(client)
    deep, response = _list_queries(client, str(response.context["page"].next_page))
    assert few == many == deep
    assert len(response.context["page"].cases) == 5
    open_case(given_name="Zora", family_name="Kostova")
    with CaptureQueriesContext(connection) as queries:  # a first page that holds them all: nothing more to count
        response = client.post(reverse("case_list"), {"q": "Zora"})
    assert (len(queries), response.context["page"].count) == (few - 1, 1)
