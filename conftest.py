"""The small, named world every test starts from: two offices, their staff, and an outsider.

Sofia (SOF): Ana the caseworker, Boris the supervisor, Vera the office administrator — all with
child-protection clearance — and Nina, a caseworker without it.
Skopje (SKP): Marko, a caseworker who must never see Sofia's cases.
"""

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from pristan.cases import services as case_services
from pristan.cases.models import Case, ConsentPurpose
from pristan.core.models import Office, Organisation, Role
from pristan.core.services import membership_grant
from pristan.people.services import person_register
from pristan.screening.services import screening_record

PASSWORD = "correct-horse-battery-staple"  # noqa: S105 - the test world's password


@pytest.fixture
def organisation(db: None) -> Organisation:
    return Organisation.objects.create(name="Pristan Test Mission", is_operator=True, country="BG")


@pytest.fixture
def sofia(organisation: Organisation) -> Office:
    return Office.objects.create(organisation=organisation, code="SOF", name="Sofia", country="BG", city="Sofia")


@pytest.fixture
def skopje(organisation: Organisation) -> Office:
    return Office.objects.create(organisation=organisation, code="SKP", name="Skopje", country="MK", city="Skopje")


def _member(username: str, office: Office, role: str, **grant: Any) -> User:
    user = User.objects.create_user(username, password=PASSWORD, first_name=username.title())
    membership_grant(actor=None, user=user, office=office, role=role, child_clearance=grant.pop("child_clearance", True), **grant)
    return user


@pytest.fixture
def ana(sofia: Office) -> User:
    return _member("ana", sofia, Role.CASEWORKER)


@pytest.fixture
def boris(sofia: Office) -> User:
    return _member("boris", sofia, Role.SUPERVISOR)


@pytest.fixture
def vera(sofia: Office) -> User:
    return _member("vera", sofia, Role.OFFICE_ADMIN)


@pytest.fixture
def nina(sofia: Office) -> User:
    return _member("nina", sofia, Role.CASEWORKER, child_clearance=False, scope="office")


@pytest.fixture
def marko(skopje: Office) -> User:
    return _member("marko", skopje, Role.CASEWORKER)


@pytest.fixture
def partner(db: None) -> Organisation:
    return Organisation.objects.create(name="Animus Association", org_type="NGO", country="BG")


@pytest.fixture
def open_case(ana: User, sofia: Office) -> Callable[..., Case]:
    """Register a person and open a case in Sofia through the real services."""

    def make(given_name: str = "Иван", family_name: str = "Петров", born: date | None = date(1996, 5, 4), **extra: Any) -> Case:
        person = person_register(
            actor=ana,
            office=sofia,
            data={"given_name": given_name, "family_name": family_name, "date_of_birth": born, "citizenships": ["BG"], **extra},
        )
        return case_services.case_open(actor=ana, person=person, office=sofia)

    return make


@pytest.fixture
def case(open_case: Callable[..., Case]) -> Case:
    return open_case()


@pytest.fixture
def active_case(case: Case, ana: User) -> Case:
    """A case past screening: consent given, screened as a possible victim, in assistance."""
    case_services.consent_record(actor=ana, case=case, purpose=ConsentPurpose.CASE_MANAGEMENT, given=True)
    screening_record(
        actor=ana, case=case, indicator_list="adult_labour", indicators=[], decision="PossibleVictimOfTrafficking",
        reason="Credible account of debt bondage.",
    )  # fmt: skip
    return case_services.case_change_stage(actor=ana, case=case, stage="assistance")


@pytest.fixture
def client_of() -> Callable[[User], Client]:
    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make
