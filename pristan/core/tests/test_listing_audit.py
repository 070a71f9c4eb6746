"""Lists and searches are reads too: each page that shows cases records which (trail.record_listing),
never what was searched for; in a few queries however many cases; chained like any read."""

from datetime import date

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import member
from pristan.cases.models import Case
from pristan.cases.services import case_open, consent_record
from pristan.core import trail
from pristan.core.audit import audit_chain_pending
from pristan.core.models import AuditEntry, Role
from pristan.core.services import membership_grant
from pristan.core.tests.test_audit_chain import INTACT, chain, verify
from pristan.core.tests.test_audit_intake import reads_and_writes_at_once, while_a_write_holds_the_chain
from pristan.people.services import person_register
from pristan.referrals.services import referral_send

LISTED = AuditEntry.Action.LISTED


def listings() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=LISTED).order_by("id"))


def ids(*cases: Case) -> list[str]:
    return [str(case.pk) for case in sorted(cases, key=lambda case: case.pk)]


def no_name_recorded(*names: str) -> None:
    for entry in AuditEntry.objects.all():
        recorded = " ".join([entry.object_id, entry.detail, *map(str, entry.fields)]).casefold()
        for name in names:
            assert name.casefold() not in recorded, (entry.action, recorded)


@pytest.fixture
def people(open_case):
    return {
        "petrov": open_case(given_name="Иван", family_name="Петров"),
        "georgieva": open_case(given_name="Мария", family_name="Георгиева"),
        "dimitrov": open_case(given_name="Stefan", family_name="Dimitrov"),
    }


def test_a_search_for_a_name_records_the_cases_shown_and_never_the_name(people, ana, client_of):
    client = client_of(ana)
    response = client.post(reverse("case_list"), {"q": "Петров"})
    assert [case.pk for case in response.context["page"].cases] == [people["petrov"].pk]
    response = client.post(reverse("case_list"), {"q": "georgieva"})  # the Latin spelling finds the Cyrillic name
    assert [case.pk for case in response.context["page"].cases] == [people["georgieva"].pk]
    first, second = listings()
    assert (first.actor, first.detail, first.fields, first.office_id) == (
        ana,
        "case_list",
        ids(people["petrov"]),
        ana.memberships.get().office_id,
    )
    assert second.fields == ids(people["georgieva"])
    assert first.case_id is None
    assert first.object_type == "cases.case"
    no_name_recorded("Петров", "Иван", "georgieva", "Георгиева", "Petrov")


def test_the_entry_names_exactly_the_cases_of_the_page(people, open_case, ana, client_of, settings):
    settings.PRISTAN_CASES_PER_PAGE = 2
    client = client_of(ana)
    first = client.post(reverse("case_list"))
    second = client.post(reverse("case_list"), {"page": str(first.context["page"].next_page)})
    shown = [list(first.context["page"].cases), list(second.context["page"].cases)]
    assert [len(page) for page in shown] == [2, 1]
    assert [entry.fields for entry in listings()] == [ids(*shown[0]), ids(*shown[1])]


def test_a_page_that_shows_no_case_records_nothing(ana, client_of):
    client_of(ana).post(reverse("case_list"), {"q": "Nobody"})
    assert listings() == []


def test_recording_a_page_costs_the_same_queries_for_one_case_or_a_hundred(ana, sofia):
    request = RequestFactory().get("/")
    request.user = ana
    counts = []
    for size in (1, 100):
        cases = [Case(pk=number, office=sofia) for number in range(1, size + 1)]  # ids only: the entry names ids
        with CaptureQueriesContext(connection) as queries:
            trail.record_listing(request, cases=cases, listing="case_list")
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 8  # savepoint, the ids, one insert, the head, chaining, the head saved, release
    assert [len(entry.fields) for entry in listings()] == [1, 100]


def test_a_page_of_two_offices_is_one_entry_for_each(people, sofia, skopje, client_of):
    """So that each office's auditors see what was shown of their office's cases."""
    both = member("lena", sofia, Role.SUPERVISOR)
    membership_grant(actor=None, user=both, office=skopje, role=Role.SUPERVISOR, child_clearance=True)
    person = person_register(actor=both, office=skopje, data={"given_name": "Марко", "family_name": "Марковски"})
    in_skopje = case_open(actor=both, person=person, office=skopje)
    client_of(both).post(reverse("case_list"))
    assert {entry.office_id: entry.fields for entry in listings()} == {sofia.pk: ids(*people.values()), skopje.pk: ids(in_skopje)}


def test_my_cases_and_the_start_page_record_the_cases_they_list(people, ana, boris, client_of):
    client_of(ana).get(reverse("my_cases"))
    client_of(boris).get(reverse("home"))  # the supervisor's ageing cases
    mine, ageing = listings()
    assert (mine.actor, mine.detail, mine.fields) == (ana, "my_cases", ids(*people.values()))
    assert (ageing.actor, ageing.detail, ageing.fields) == (boris, "home", ids(*people.values()))


def test_the_trail_shows_a_listing_as_the_references_the_auditor_may_see(people, open_case, ana, sofia, client_of):
    child = open_case(given_name="Ана", born=date(2015, 3, 1))
    client_of(ana).post(reverse("case_list"))
    auditor = member("aida", sofia, Role.AUDITOR, child_clearance=False)
    page = client_of(auditor).get(reverse("audit_trail"), {"action": "listed"}).content.decode()
    assert "4 cases shown" in page
    for case in people.values():
        assert case.reference in page
    assert child.reference not in page  # a child's case is left out for an auditor without clearance
    cleared = member("ilia", sofia, Role.AUDITOR, child_clearance=True)
    assert child.reference in client_of(cleared).get(reverse("audit_trail"), {"action": "listed"}).content.decode()


def test_listings_are_chained_and_verify(people, ana, client_of):
    client_of(ana).post(reverse("case_list"))
    audit_chain_pending()
    assert all(entry.sequence is not None for entry in listings())
    assert INTACT in verify()


# On PostgreSQL: a page of a list does not wait for a write that holds the chain's head


@pytest.mark.django_db(transaction=True)
def test_a_listing_is_not_blocked_by_a_write_holding_the_chain(people, ana, sofia):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite admits one writer at a time: there a listing waits for any write, whatever the chain does.")

    def listing() -> None:
        request = RequestFactory().get("/")
        request.user = User.objects.get(pk=ana.pk)
        trail.record_listing(request, cases=list(Case.objects.all()), listing="case_list")
        assert [entry.sequence for entry in listings()] == [None]  # recorded at once, chained later

    while_a_write_holds_the_chain(ana, sofia, listing)
    assert audit_chain_pending() == 1
    assert [entry.detail for entry in chain()][-2:] == ["long write", "case_list"]
    assert INTACT in verify()


@pytest.mark.django_db(transaction=True)
def test_concurrent_listings_and_writes_leave_one_unbroken_chain(people, ana, sofia):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite admits one writer at a time; its in-memory test database cannot host concurrent writers.")
    threads, per_thread = 4, 8
    cases = list(Case.objects.all())

    def listing() -> None:
        request = RequestFactory().get("/")
        request.user = User.objects.get(pk=ana.pk)
        trail.record_listing(request, cases=cases, listing="case_list")

    reads_and_writes_at_once(ana, sofia, listing, threads=threads, per_thread=per_thread)
    audit_chain_pending()
    sequences = [entry.sequence for entry in chain()]
    assert sequences == list(range(1, len(sequences) + 1))
    assert len(listings()) == threads // 2 * per_thread
    assert INTACT in verify()


def test_the_referral_inbox_records_the_cases_it_lists(active_case, ana, partner, partner_user, client_of):
    consent_record(actor=ana, case=active_case, purpose="referral", given=True)
    referral_send(actor=ana, case=active_case, organisation=partner, reason="AdditionalServicesRequired")
    client_of(partner_user).get(reverse("referral_inbox"))
    (entry,) = listings()
    assert (entry.actor, entry.detail, entry.fields) == (partner_user, "referral_inbox", ids(active_case))
