from typing import Any

from django.http import HttpRequest

from pristan.core import trail
from pristan.movements.selectors import may_use_movements


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the main menu offers: the audit trail only to those who may read it, the movements board
    only to those who work with movements (each evaluated lazily)."""
    return {
        "can_read_trail": lambda: trail.can_read_trail(request.user),
        "can_see_movements": lambda: may_use_movements(request.user),
    }
