from django.contrib.auth.models import User
from django.db.models import QuerySet

from pristan.assistance.models import ServiceItem
from pristan.cases.models import Case
from pristan.core import access
from pristan.core.policy import SERVICE_SECTIONS


def services_visible(*, user: User, case: Case) -> QuerySet[ServiceItem]:
    """The case's services, less those of sensitive sections the user is not granted (health,
    psychosocial, legal, security risk)."""
    hidden = [kind for kind, section in SERVICE_SECTIONS.items() if section not in access.visible_sections(user, case)]
    return case.services.exclude(kind__in=hidden).select_related("provider", "objective")
