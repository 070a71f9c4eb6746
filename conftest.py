"""The small, named world every test starts from: two offices, their staff, and an outsider.

Sofia (SOF): Ana the caseworker, Boris the supervisor, Vera the office administrator — all with
child-protection clearance — and Nina, a caseworker without it.
Skopje (SKP): Marko, a caseworker who must never see Sofia's cases.
"""

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import hypothesis
import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp

from pristan.accounts.models import Authenticator
from pristan.cases import services as case_services
from pristan.cases.models import Case, ConsentPurpose
from pristan.core.models import Office, Organisation, Role
from pristan.core.services import membership_grant, partner_membership_grant
from pristan.people.services import person_register
from pristan.screening.services import screening_record

PASSWORD = "correct-horse-battery-staple"  # noqa: S105 - the test world's password


# Property-based tests run the same examples every time, with no time limit per example: on a busy
# machine a slow example must not fail the build, and a failure must be one anyone can reproduce.
hypothesis.settings.register_profile(
    "pristan", derandomize=True, deadline=None, database=None, suppress_health_check=[hypothesis.HealthCheck.too_slow]
)
hypothesis.settings.load_profile("pristan")

_DB_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test that touches a database touches both: the case database and the key store. The
    benchmark harness's test (bench/tests) builds a database and starts processes, minutes on a
    shared machine: it runs only when asked for (`pytest -m bench bench/tests`)."""
    if "bench" not in (config.option.markexpr or ""):
        skip = pytest.mark.skip(reason="the benchmark harness runs only with -m bench")
        for item in items:
            if item.get_closest_marker("bench"):
                item.add_marker(skip)
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is None and not _DB_FIXTURES & set(getattr(item, "fixturenames", ())):
            continue
        kwargs = dict(marker.kwargs) if marker else {}
        kwargs["databases"] = "__all__"
        item.add_marker(pytest.mark.django_db(**kwargs), append=False)


@pytest.fixture(autouse=True)
def _jobs_run_at_once(settings: Any) -> None:
    """Background jobs run where they are enqueued (django-tasks' immediate backend), so a test sees
    their outcome at once. The tests of the worker itself (pristan/jobs/tests) run real workers."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _files_of_its_own(settings: Any, tmp_path: Path) -> None:
    """Each test keeps its uploads, export files and worker presence in a directory of its own: in
    the shared one, a file another test (or a served demo) left would change what a test counts."""
    settings.VAR_DIR = tmp_path / "var"
    settings.PRISTAN_SHARED_DIR = ""


@pytest.fixture(autouse=True)
def _english_unless_a_test_says_otherwise() -> Iterator[None]:
    # A request in another language leaves it active in the thread; each test starts in English.
    with translation.override("en"):
        yield


@pytest.fixture
def organisation(db: None) -> Organisation:
    return Organisation.objects.create(name="Pristan Test Mission", is_operator=True, country="BG")


@pytest.fixture
def sofia(organisation: Organisation) -> Office:
    return Office.objects.create(organisation=organisation, code="SOF", name="Sofia", country="BG", city="Sofia")


@pytest.fixture
def skopje(organisation: Organisation) -> Office:
    return Office.objects.create(organisation=organisation, code="SKP", name="Skopje", country="MK", city="Skopje")


def member(username: str, office: Office, role: str, **grant: Any) -> User:
    user = User.objects.create_user(username, password=PASSWORD, first_name=username.title())
    membership_grant(actor=None, user=user, office=office, role=role, child_clearance=grant.pop("child_clearance", True), **grant)
    return user


@pytest.fixture
def ana(sofia: Office) -> User:
    return member("ana", sofia, Role.CASEWORKER)


@pytest.fixture
def boris(sofia: Office) -> User:
    return member("boris", sofia, Role.SUPERVISOR)


@pytest.fixture
def vera(sofia: Office) -> User:
    return member("vera", sofia, Role.OFFICE_ADMIN)


@pytest.fixture
def nina(sofia: Office) -> User:
    return member("nina", sofia, Role.CASEWORKER, child_clearance=False, scope="office")


@pytest.fixture
def marko(skopje: Office) -> User:
    return member("marko", skopje, Role.CASEWORKER)


@pytest.fixture
def partner(db: None) -> Organisation:
    return Organisation.objects.create(name="Animus Association", org_type="NGO", country="BG")


@pytest.fixture
def partner_user(partner: Organisation) -> User:
    """A user of the partner organisation (sees a case only while it is referred to them)."""
    user = User.objects.create_user("petra")
    partner_membership_grant(actor=None, user=user, organisation=partner)
    return user


@pytest.fixture
def movement_officer(sofia: Office) -> User:
    return member("mira", sofia, Role.MOVEMENT_OFFICER, child_clearance=True)


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


def authenticator_of(user: User) -> Authenticator:
    """The user's confirmed authenticator (two-step sign-in is required of every user), made if missing."""
    device = Authenticator.objects.filter(user=user, confirmed=True).first()
    return device or Authenticator.objects.create(user=user, name="Test authenticator", confirmed=True)


def current_code(device: Authenticator) -> str:
    """The code the authenticator app would show now."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift):0{device.digits}d}"


def wrong_code(device: Authenticator) -> str:
    """A code the authenticator does not accept now. A fixed code such as 000000 is, about once in a
    million, the right one at some step of the tolerated window, and the test then fails by chance;
    here the window is widened by one step on each side, for a test that crosses a step boundary."""
    window = range(device.drift - device.tolerance - 1, device.drift + device.tolerance + 2)
    accepted = {
        f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift):0{device.digits}d}"
        for drift in window
    }
    # Ten candidates, at most len(window) of them accepted: one is always left.
    return next(code for code in (str(digit) * device.digits for digit in range(10)) if code not in accepted)


def sign_in_verified(client: Client, user: User) -> Client:
    """Sign `client` in as `user` with both steps done (as after password and authenticator code)."""
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = authenticator_of(user).persistent_id
    session.save()
    return client


@pytest.fixture
def client_of() -> Callable[[User], Client]:
    """A client signed in as the user, past the second step; `Client().force_login` alone stops before it."""

    def make(user: User) -> Client:
        return sign_in_verified(Client(), user)

    return make
