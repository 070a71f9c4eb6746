from django.contrib.auth.models import User
from django.db.models import QuerySet

from pristan.assistance.models import PlanObjective, ServiceItem
from pristan.cases.models import Case
from pristan.core import access
from pristan.core.policy import OBJECTIVE_SECTIONS, SERVICE_SECTIONS


def services_visible(*, user: User, case: Case) -> QuerySet[ServiceItem]:
    """The case's services, less those of sensitive sections the user is not granted (health,
    psychosocial, legal, security risk)."""
    granted = access.visible_sections(user, case)
    hidden_kinds = [kind for kind, section in SERVICE_SECTIONS.items() if section not in granted]
    hidden_objectives = [plan_type for plan_type, section in OBJECTIVE_SECTIONS.items() if section not in granted]
    services = case.services.exclude(kind__in=hidden_kinds).exclude(objective__plan_type__in=hidden_objectives)
    return services.select_related("provider", "objective")


def objectives_visible(*, user: User, case: Case) -> QuerySet[PlanObjective]:
    """The plan's objectives, less those whose type belongs to a section the user is not granted."""
    granted = access.visible_sections(user, case)
    hidden = [plan_type for plan_type, section in OBJECTIVE_SECTIONS.items() if section not in granted]
    return case.objectives.exclude(plan_type__in=hidden)
