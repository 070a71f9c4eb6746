from django.contrib.auth.models import User
from django.db.models import QuerySet

from pristan.assistance.models import PlanObjective, ServiceItem
from pristan.cases.models import Case
from pristan.core import access


def services_visible(*, user: User, case: Case) -> QuerySet[ServiceItem]:
    """The case's services, less those of sections the user is not granted (a medical service: health;
    one under a rehabilitation objective: the trafficking experience)."""
    return access.visible_in_sections(user, case, case.services.select_related("provider", "objective"))


def objectives_visible(*, user: User, case: Case) -> QuerySet[PlanObjective]:
    """The plan's objectives, less those whose type belongs to a section the user is not granted."""
    return access.visible_in_sections(user, case, case.objectives.all())
