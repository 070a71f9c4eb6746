"""The plans PostgreSQL chooses for the case list and name search, among enough cases that a bad
shape shows: no sequential scan of cases, persons or name tokens, nothing costly enough for JIT.

    .venv/bin/python tools/with_postgres.py -- .venv/bin/pytest -q pristan/cases/tests/test_list_plans.py
"""

from collections.abc import Callable
from datetime import date
from functools import partial

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Exists, OuterRef, Q

from pristan.cases.models import Case
from pristan.cases.selectors import CaseFilters, PageRequest, Position, Sort, case_list_page
from pristan.core import access
from pristan.core.models import Office, Role
from pristan.core.plans import captured_plan_problems, plan_problems_of
from pristan.core.services import membership_grant
from pristan.keystore.services import key_scope
from pristan.people.models import NameToken, Person
from pristan.referrals.models import OPEN_STATUSES, Referral

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="query plans are PostgreSQL's: run with tools/with_postgres.py"
)

CASES = 30_000  # over 12 offices: enough that reading every case costs more than an index


def _columns(model: type[Person] | type[Case], **overrides: str) -> tuple[str, str]:
    columns = [str(field.column) for field in model._meta.concrete_fields if not field.primary_key]
    return ", ".join(f'"{column}"' for column in columns), ", ".join(overrides.get(column, f't."{column}"') for column in columns)


@pytest.fixture
def many_cases(open_case: Callable[..., Case], ana: User, marko: User, sofia: Office, organisation) -> Case:
    """CASES cases, each of its own person with ten name tokens, written by SQL from one real case
    (the sealed values are valid copies), over Sofia and eleven more offices; a few referred to Sofia."""
    template = open_case()
    offices = [sofia.pk] + [
        Office.objects.create(organisation=organisation, code=f"OF{index:02d}", name=f"Office {index}", country="BG").pk
        for index in range(11)
    ]
    with connection.cursor() as cursor:
        columns, values = _columns(Person)
        cursor.execute(
            f"INSERT INTO people_person ({columns}) SELECT {values} FROM people_person t, "  # noqa: S608 - the models' columns
            "generate_series(1, %s) WHERE t.id = %s",
            [CASES, template.person_id],
        )
        columns, values = _columns(
            Case, reference="'GEN-' || p.id", person_id="p.id", office_id=f"(ARRAY{offices})[1 + p.id %% 12]",
            opened_on="DATE '2020-01-01' + (p.id %% 1500)::int",
            owner_id=f"CASE WHEN p.id %% 40 = 0 THEN {ana.pk} ELSE {marko.pk} END",
            minor_at_registration="p.id %% 3 = 0",
        )  # fmt: skip
        cursor.execute(
            f"INSERT INTO cases_case ({columns}) SELECT {values} FROM cases_case t, "  # noqa: S608 - the models' columns
            "people_person p WHERE t.id = %s AND p.id > %s",
            [template.pk, template.person_id],
        )
        cursor.execute(
            "INSERT INTO people_nametoken (person_id, token) SELECT p.id, (p.id %% 5000) * 100 + g "
            "FROM people_person p, generate_series(1, 10) g WHERE p.id > %s",
            [template.person_id],
        )
    for case in Case.objects.exclude(office=sofia).order_by("pk")[:50]:
        Referral.objects.create(case=case, direction="outgoing", office=sofia, reason="Other", referred_on=date.today())
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return template


def _global_reader(sofia: Office) -> User:
    user = User.objects.create_user("gleb")
    membership_grant(actor=None, user=user, office=sofia, role=Role.SUPERVISOR, scope="global", child_clearance=True)
    return user


def _deep_position(user: User) -> Position:
    """Where page 200 of 25 would start (or as deep as the user's list goes)."""
    rows = access.cases_for(user).order_by("-opened_on", "-id").values_list("opened_on", "pk")
    opened_on, pk = rows[min(200 * 25, rows.count() - 1)]
    return Position(opened_on, pk)


@pytest.mark.parametrize("who", ["boris", "ana", "global"])
def test_the_case_list_is_read_through_indexes(who, many_cases, ana, boris, sofia, request):
    """Page 1, a deep page and the count, for an office's supervisor, a caseworker of assigned
    scope and a reader of every office; then name search (two words, a reference) and a status
    filter for each."""
    user = {"boris": boris, "ana": ana}.get(who) or _global_reader(sofia)
    deep = PageRequest(200, forward=True, position=_deep_position(user))
    for filters, page in [
        (CaseFilters(), PageRequest()),
        (CaseFilters(), deep),
        (CaseFilters(query="Ivan Petrov"), PageRequest()),
        (CaseFilters(query="Petr"), PageRequest()),
        (CaseFilters(query="SOF-2026-00001"), PageRequest()),
        (CaseFilters(status="Closed"), PageRequest()),
    ]:
        with key_scope():
            problems = captured_plan_problems(partial(case_list_page, user=user, filters=filters, page=page, per_page=25))
        assert problems == {}, (filters, page)


def test_the_check_sees_the_shape_that_did_not_scale(many_cases, boris, sofia):
    """The office's cases OR an EXISTS (cases_for before): every case read, whatever the indexes."""
    referred = Referral.objects.filter(case=OuterRef("pk"), office_id__in=[sofia.pk], status__in=OPEN_STATUSES)
    old = Case.objects.filter(Q(office_id__in=[sofia.pk]) | Exists(referred))
    [problems] = captured_plan_problems(old.count).values()
    assert "Seq Scan on cases_case" in problems
    assert "Seq Scan on people_nametoken" in plan_problems_of(NameToken.objects.filter(token__gte=0))


def _deep_sorted(user: User, sort: Sort) -> PageRequest:
    """Where page 200 of 25 would start in the sort's order (or as deep as the user's list goes)."""
    page = case_list_page(user=user, filters=CaseFilters(), page=PageRequest(), per_page=25, sort=sort)
    for _number in range(3):  # a few pages in: the position is a case's, whatever page it is
        page = case_list_page(user=user, filters=CaseFilters(), page=page.next_page, per_page=25, sort=sort)
    return page.next_page


def test_every_order_of_an_office_reads_through_indexes(many_cases, ana, boris):
    """Each sortable column, first and a later page, for an office's supervisor and a caseworker
    of assigned scope: the office's (or the owner's) index leads, never a read of every case."""
    for user in (boris, ana):
        for sort in ("reference", "-reference", "stage", "-caseworker", "caseworker", "opened"):
            order = Sort.parse(sort)
            for page in (PageRequest(), _deep_sorted(user, order)):
                with key_scope():
                    problems = captured_plan_problems(
                        partial(case_list_page, user=user, filters=CaseFilters(), page=page, per_page=25, sort=order)
                    )
                assert problems == {}, (user, sort, page)


def test_a_reader_of_every_office_sorts_by_indexed_columns(many_cases, sofia):
    user = _global_reader(sofia)
    for sort in ("reference", "-reference", "opened"):
        with key_scope():
            problems = captured_plan_problems(
                partial(case_list_page, user=user, filters=CaseFilters(), page=PageRequest(), per_page=25, sort=Sort.parse(sort))
            )
        assert problems == {}, sort


def test_the_caseworker_and_date_filters_read_through_indexes(many_cases, ana, boris, marko, sofia):
    """For an office's supervisor and a reader of every office. The reader of every office filters
    by ana, who owns one case in forty: marko owns all the others, and counting nearly every case
    is rightly a sequential read, however it is indexed. "Nobody's" cases (an owner who may no
    longer own them) are known only case by case, against the memberships: for an office, through
    the office's index; a reader of every office counting them reads every case, so that one
    filter is left out for them here: a known cost."""
    recent = date(2023, 6, 1)
    for user, owner in ((boris, marko), (_global_reader(sofia), ana)):
        for filters in [
            CaseFilters(owner=str(owner.pk)),
            *([CaseFilters(owner="none")] if user == boris else []),
            CaseFilters(opened_from=date(2024, 1, 1)),  # the last 40 days of 1,500: a few cases, as a date filter finds
            CaseFilters(opened_from=recent, opened_to=date(2023, 7, 1)),
            CaseFilters(unchanged_since=recent),
        ]:
            with key_scope():
                problems = captured_plan_problems(
                    partial(case_list_page, user=user, filters=filters, page=PageRequest(), per_page=25)
                )
            assert problems == {}, (user, filters)
