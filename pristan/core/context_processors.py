from typing import Any

from django.http import HttpRequest

from pristan.core import trail


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the main menu offers: the audit trail only to those who may read it (evaluated lazily)."""
    return {"can_read_trail": lambda: trail.can_read_trail(request.user)}
