"""The one place that decides who may see and change what.

Every view, list, search and count starts from `cases_for` or `persons_for`, and every object
is loaded through `case_for` or `case_object_for`. A user sees the cases of offices where they
hold a membership. An object they may not see does not exist for them (404); one they may see
but not change is refused (403).
"""

from typing import TypeVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from pristan.cases.models import Case
from pristan.core.models import Membership, Office
from pristan.people.models import Person

AnyUser = AbstractBaseUser | AnonymousUser
M = TypeVar("M", bound=models.Model)

CANNOT_CHANGE = _("Your role in this office lets you read this case, not change it.")
SUPERVISORS_ONLY = _("Only a supervisor of this office can do this.")


def memberships_of(user: AnyUser) -> dict[int, Membership]:
    """The user's memberships by office id, remembered on the user object for one request."""
    if not user.is_authenticated or not user.is_active:
        return {}
    cached: dict[int, Membership] | None = getattr(user, "_pristan_memberships", None)
    if cached is None:
        cached = {m.office_id: m for m in Membership.objects.filter(user_id=user.pk).select_related("office")}
        user._pristan_memberships = cached  # type: ignore[attr-defined]
    return cached


def offices_for(user: AnyUser) -> QuerySet[Office]:
    return Office.objects.filter(pk__in=list(memberships_of(user)))


def cases_for(user: AnyUser) -> QuerySet[Case]:
    return Case.objects.filter(office_id__in=list(memberships_of(user)))


def persons_for(user: AnyUser) -> QuerySet[Person]:
    office_ids = list(memberships_of(user))
    return Person.objects.filter(models.Q(office_id__in=office_ids) | models.Q(cases__office_id__in=office_ids)).distinct()


def can_write(user: AnyUser, case: Case) -> bool:
    membership = memberships_of(user).get(case.office_id)
    return membership is not None and membership.can_write_cases


def can_override(user: AnyUser, case: Case) -> bool:
    membership = memberships_of(user).get(case.office_id)
    return membership is not None and membership.can_override


def can_register_in(user: AnyUser, office: Office) -> bool:
    membership = memberships_of(user).get(office.pk)
    return membership is not None and membership.can_write_cases


def require_write(user: AnyUser, case: Case) -> None:
    if not can_write(user, case):
        raise PermissionDenied(CANNOT_CHANGE)


def require_override(user: AnyUser, case: Case) -> None:
    if not can_override(user, case):
        raise PermissionDenied(SUPERVISORS_ONLY)


def case_for(user: AnyUser, reference: str, *, write: bool = False) -> Case:
    try:
        case = cases_for(user).select_related("person", "office", "owner").get(reference=reference)
    except Case.DoesNotExist:
        raise Http404 from None
    if write:
        require_write(user, case)
    return case


def case_object_for(user: AnyUser, model: type[M], pk: int, *, write: bool = False) -> M:
    """An object that belongs to a case (a note, a service, a task …), through its case."""
    try:
        obj = model._default_manager.select_related("case").get(pk=pk, case__in=cases_for(user))
    except model.DoesNotExist:  # type: ignore[attr-defined]
        raise Http404 from None
    if write:
        require_write(user, obj.case)  # type: ignore[attr-defined]
    return obj
