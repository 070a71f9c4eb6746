from collections.abc import Callable
from functools import cache

from django.http import HttpRequest

from pristan.notifications.selectors import unread_count


def notifications(request: HttpRequest) -> dict[str, Callable[[], int]]:
    """The number of unread notifications for the menu: counted once, only when the menu is drawn
    (for a signed-in user past the second step), never for anyone else."""
    return {"unread_notifications": cache(lambda: unread_count(user=request.user))}
