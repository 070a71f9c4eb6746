import pytest
from django.contrib.auth.models import User

from conftest import PASSWORD
from pristan.core.models import Office, Role
from pristan.core.services import membership_grant


def member(username: str, office: Office, role: str, **grant) -> User:
    user = User.objects.create_user(username, password=PASSWORD, first_name=username.title())
    membership_grant(actor=None, user=user, office=office, role=role, child_clearance=grant.pop("child_clearance", True), **grant)
    return user


@pytest.fixture
def sysadmin(sofia: Office) -> User:
    """A system administrator (scope: all offices), with child-protection clearance."""
    return member("ivo", sofia, Role.SYSTEM_ADMIN)


@pytest.fixture
def skopje_admin(skopje: Office) -> User:
    return member("sara", skopje, Role.OFFICE_ADMIN)
