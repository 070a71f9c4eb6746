import pytest
from django.contrib.auth.models import User

from conftest import member
from pristan.core.models import Office, Role


@pytest.fixture
def sysadmin(sofia: Office) -> User:
    """A system administrator (scope: all offices), with child-protection clearance."""
    return member("ivo", sofia, Role.SYSTEM_ADMIN)


@pytest.fixture
def skopje_admin(skopje: Office) -> User:
    return member("sara", skopje, Role.OFFICE_ADMIN)
