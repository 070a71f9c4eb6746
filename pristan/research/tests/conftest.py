"""What the research tests share: victims registered through the real services, with or without
consent to research use, and the personas who may or may not make research data."""

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import User

from conftest import member
from pristan.cases.models import Case, ConsentPurpose
from pristan.cases.services import consent_record
from pristan.core.models import Office, Organisation, Role
from pristan.core.services import partner_membership_grant
from pristan.experience.services import event_add, experience_update
from pristan.screening.services import screening_record


@pytest.fixture
def victim(open_case: Callable[..., Case], ana: User) -> Callable[..., Case]:
    """A case screened as a possible victim, with consent to research use unless `research=False`."""

    def make(*, research: bool = True, experience: dict[str, Any] | None = None, exploited_in: str = "", **person: Any) -> Case:
        case = open_case(**person)
        consent_record(actor=ana, case=case, purpose=ConsentPurpose.CASE_MANAGEMENT, given=True)
        screening_record(
            actor=ana, case=case, indicator_list="adult_labour", indicators=[], decision="PossibleVictimOfTrafficking",
            reason="Credible account.",
        )  # fmt: skip
        if research:
            consent_record(actor=ana, case=case, purpose=ConsentPurpose.RESEARCH, given=True)
        if experience:
            experience_update(actor=ana, case=case, data=experience)
        if exploited_in:
            event_add(actor=ana, case=case, data={"event_type": "Exploitation", "country": exploited_in, "city": "Бургас"})
        case.refresh_from_db()
        return case

    return make


@pytest.fixture
def analyst(sofia: Office) -> User:
    """A data analyst with a global scope and child-protection clearance."""
    return member("lidia", sofia, Role.ANALYST, child_clearance=True)


@pytest.fixture
def uncleared_analyst(sofia: Office) -> User:
    return member("petar", sofia, Role.ANALYST, child_clearance=False)


@pytest.fixture
def auditor(sofia: Office) -> User:
    return member("ivo", sofia, Role.AUDITOR, child_clearance=True)


@pytest.fixture
def partner_user(partner: Organisation) -> User:
    user = User.objects.create_user("animus", first_name="Animus")
    partner_membership_grant(actor=None, user=user, organisation=partner, child_clearance=True)
    return user


ADULT_BORN = date(1990, 3, 1)
