"""What the erasure tests share: focal points with and without child-protection clearance (and one
of the Skopje office), a case full of sealed values, and a client that has just confirmed its identity."""

import time
from collections.abc import Callable
from datetime import date

import pytest
from django.contrib.auth.models import User
from django.db import connections
from django.db.models import Field, Model
from django.test import Client

from pristan.accounts.services import REAUTHENTICATED_AT
from pristan.assistance.services import objective_add, service_add
from pristan.cases.models import Case
from pristan.cases.services import consent_record, note_add, task_add
from pristan.core.models import Office, Role
from pristan.core.services import membership_grant
from pristan.experience.services import event_add, experience_update, perpetrator_add
from pristan.people.services import document_add

NAME = ("Јована", "Ћирић")
SECRETS = ["Јована", "Ћирић", "Jovana", "AB1234567", "Ниш", "Pleven", "Gospodar", "+359 88 123 4567", "her aunt"]


def focal_point(username: str, office: Office, *, child_clearance: bool = True) -> User:
    user = User.objects.create_user(username, first_name=username.title())
    membership_grant(actor=None, user=user, office=office, role=Role.FOCAL_POINT, child_clearance=child_clearance)
    return user


@pytest.fixture
def fiona(sofia: Office) -> User:
    """Sofia's data-protection focal point, with child-protection clearance."""
    return focal_point("fiona", sofia)


@pytest.fixture
def filip(sofia: Office) -> User:
    """Another focal point of Sofia, without child-protection clearance."""
    return focal_point("filip", sofia, child_clearance=False)


@pytest.fixture
def stefan(skopje: Office) -> User:
    """Skopje's focal point."""
    return focal_point("stefan", skopje)


@pytest.fixture
def full_case(active_case: Case, ana: User) -> Case:
    """A case in assistance whose person's details and every kind of record hold identifying text."""
    from pristan.people.services import person_update

    person_update(
        actor=ana, case=active_case,
        data={"given_name": NAME[0], "family_name": NAME[1], "phone": "+359 88 123 4567", "date_of_birth": date(1999, 4, 2)},
    )  # fmt: skip
    document_add(actor=ana, case=active_case, data={"kind": "passport", "number": "AB1234567"})
    consent_record(actor=ana, case=active_case, purpose="referral", given=True, note="Agreed in Ниш.")
    note_add(actor=ana, case=active_case, text="Lives with her aunt in Ниш.")
    task_add(actor=ana, case=active_case, title="Call her aunt", due_on=date(2026, 1, 1))
    experience_update(actor=ana, case=active_case, data={"vulnerability_details": "Debt to her aunt"})
    event_add(actor=ana, case=active_case, data={"event_type": "Recruitment", "country": "BG", "city": "Pleven"})
    perpetrator_add(actor=ana, case=active_case, data={"name": "Gospodar", "roles": ["Exploiter"]})
    objective = objective_add(actor=ana, case=active_case, data={"plan_type": "Health", "objectives": "Treat her aunt's debt"})
    service_add(actor=ana, case=active_case, data={"kind": "medical", "objective": objective, "description": "Clinic in Ниш"})
    active_case.refresh_from_db()
    return active_case


def column_of(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, Field)
    assert field.column is not None
    return field.column


def raw_values(table: str, column: str, pks: list[int] | None = None) -> list[bytes]:
    """A column as the database stores it (of the given rows, or of all)."""
    where = f" WHERE id IN ({', '.join(str(int(pk)) for pk in pks)})" if pks else ""
    if pks == []:
        return []
    with connections["default"].cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table}{where}")  # noqa: S608 - names from the models, integer ids
        return [bytes(row[0] or b"") for row in cursor.fetchall()]


def just_confirmed(client: Client) -> Client:
    """As after the re-authentication page (tested on its own in pristan/accounts)."""
    session = client.session
    session[REAUTHENTICATED_AT] = time.time()
    session.save()
    return client


@pytest.fixture
def confirmed_client_of(client_of: Callable[[User], Client]) -> Callable[[User], Client]:
    return lambda user: just_confirmed(client_of(user))
