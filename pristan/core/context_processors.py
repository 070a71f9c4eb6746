from collections.abc import Callable
from functools import cache
from typing import Any

from django.http import HttpRequest

from pristan.core.models import Membership, Role
from pristan.core.policy import Section, policy


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the main menu offers, from the user's roles (one query, only when the menu is drawn).
    The pages themselves check access through the access layer; the menu only hides what would refuse."""
    user = request.user

    @cache
    def roles() -> frozenset[str]:
        if not user.is_authenticated or not user.is_active:
            return frozenset()
        return frozenset(Membership.objects.filter(user_id=user.pk).values_list("role", flat=True))

    def any_role(test: Callable[[str], bool]) -> Callable[[], bool]:
        return lambda: any(test(role) for role in roles())

    return {
        "can_read_trail": any_role(lambda role: policy(role).reads_audit),
        "can_see_movements": any_role(lambda role: Section.MOVEMENT in policy(role).sections),
        "decides_erasure": any_role(lambda role: policy(role).decides_erasure),
        "sets_retention": any_role(lambda role: role == Role.OFFICE_ADMIN),
        "may_research": any_role(lambda role: policy(role).research),
        "supervises": any_role(lambda role: policy(role).overrides),
        "reviews_duplicates": any_role(lambda role: policy(role).reviews_duplicates),
        "imports": any_role(lambda role: policy(role).writes and Section.SCREENING in policy(role).sections),
        "administers": any_role(lambda role: policy(role).administers),
        "administers_installation": any_role(lambda role: policy(role).administers_installation),
        # Registering a person is offered only where it would be allowed (access.can_register_in).
        "registers": any_role(lambda role: policy(role).writes and Section.SCREENING in policy(role).sections),
        "works_cases": any_role(lambda role: policy(role).writes),
    }
