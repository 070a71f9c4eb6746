"""What administrators see: the people of the offices they administer, offices and partners.
Everything starts from the access layer (`administered_users`, `administered_offices`)."""

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Prefetch, QuerySet

from pristan.accounts.models import Authenticator
from pristan.core import access
from pristan.core.models import Membership, Office, Organisation, PartnerMembership


def people_list(*, actor: User | AnonymousUser | None, office: Office | None = None) -> QuerySet[User]:
    """The people the actor administers (everyone for the operator, None), with their memberships
    and partner memberships, by username; with `office`, only the people who work there."""
    people = User.objects.all() if actor is None else access.administered_users(actor)
    if office is not None:
        people = people.filter(pk__in=Membership.objects.filter(office=office).values("user_id"))
    memberships = Membership.objects.select_related("office").order_by("office__code")
    return people.prefetch_related(
        Prefetch("memberships", queryset=memberships),
        Prefetch("partner_memberships", queryset=PartnerMembership.objects.select_related("organisation")),
    ).order_by("username")


@dataclass(frozen=True)
class PersonDetail:
    person: User
    memberships: list[Membership]
    partner_memberships: list[PartnerMembership]
    second_step: bool  # whether they have set up an authenticator
    password_usable: bool


def person_detail(*, person: User) -> PersonDetail:
    """One person's access, for their page (the person was found through `access.administered_user`)."""
    memberships = Membership.objects.filter(user=person).select_related("office").prefetch_related("region_offices")
    return PersonDetail(
        person=person,
        memberships=list(memberships.order_by("office__code")),
        partner_memberships=list(PartnerMembership.objects.filter(user=person).select_related("organisation")),
        second_step=Authenticator.objects.filter(user=person, confirmed=True).exists(),
        password_usable=person.has_usable_password(),
    )


def offices_list() -> QuerySet[Office]:
    return Office.objects.select_related("organisation").order_by("code")


def partners_list() -> QuerySet[Organisation]:
    return Organisation.objects.filter(is_operator=False).prefetch_related("partner_memberships__user").order_by("name")
