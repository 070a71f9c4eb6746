"""Granting and changing memberships: who works where, in which role, how far, with which clearance.

`actor` is the administrator who makes the change, checked by the access layer (nobody grants more
than they hold, nobody changes their own access), or None for the installation's operator (the
command line, the demo, the tests' world), who is not checked and is recorded as such.
"""

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from pristan.core import access
from pristan.core.audit import audit_record
from pristan.core.models import AuditEntry, Membership, Office, Organisation, PartnerMembership, Role, Scope
from pristan.core.policy import policy

UNKNOWN_ROLE = _("Choose a role from the list.")
UNKNOWN_SCOPE = _("Choose a scope from the list.")
REGION_NEEDS_OFFICES = _("With the scope 'several offices', name the other offices it reaches.")
NO_SUCH_MEMBERSHIP = _("This person has no role in this office.")


@transaction.atomic
def membership_grant(
    *, actor: User | None, user: User, office: Office, role: str, scope: str | None = None, child_clearance: bool = False,
    region_offices: list[Office] | None = None,
) -> Membership:  # fmt: skip
    """Give `user` a role in `office` (or change it); the scope defaults to the role's usual reach."""
    if role not in Role.values:
        raise ValidationError({"role": UNKNOWN_ROLE})
    scope = scope or policy(role).default_scope
    if scope not in Scope.values:
        raise ValidationError({"scope": UNKNOWN_SCOPE})
    others = [other for other in region_offices or [] if other.pk != office.pk] if scope == Scope.REGION else []
    if actor is not None:
        if scope == Scope.REGION and not others:
            raise ValidationError({"region_offices": REGION_NEEDS_OFFICES})
        access.require_may_grant(
            actor, person=user, office=office, role=role, scope=scope, child_clearance=child_clearance, region_offices=others
        )
    membership, created = Membership.objects.update_or_create(
        user=user, office=office, defaults={"role": role, "scope": scope, "child_clearance": child_clearance}
    )
    if scope == Scope.REGION:
        membership.region_offices.set(others if actor is not None else region_offices or [])
    elif not created:
        membership.region_offices.clear()
    audit_record(
        actor=actor, action=AuditEntry.Action.CREATE if created else AuditEntry.Action.CONFIGURE, obj=membership, office=office,
        fields=["role", "scope", "child_clearance", *(["region_offices"] if scope == Scope.REGION else [])],
        detail=f"{role} · {scope}{' · child-protection clearance' if child_clearance else ''}",
    )  # fmt: skip
    return membership


@transaction.atomic
def membership_revoke(*, actor: User | None, user: User, office: Office) -> None:
    """End `user`'s role in `office`."""
    membership = Membership.objects.select_related("office", "user").filter(user=user, office=office).first()
    if membership is None:
        raise ValidationError({"office": NO_SUCH_MEMBERSHIP})
    if actor is not None:
        access.require_may_revoke(actor, membership)
    audit_record(
        actor=actor, action=AuditEntry.Action.DELETE, obj=membership, office=office, fields=["role"], detail=membership.role
    )
    membership.delete()


@transaction.atomic
def partner_membership_grant(
    *, actor: User | None, user: User, organisation: Organisation, child_clearance: bool = False
) -> PartnerMembership:
    if organisation.is_operator:
        raise ValidationError({"organisation": _("Choose a partner organisation, not the one running Pristan.")})
    if actor is not None:
        access.require_may_grant_partner(actor, person=user, child_clearance=child_clearance)
    membership, created = PartnerMembership.objects.update_or_create(
        user=user, organisation=organisation, defaults={"child_clearance": child_clearance}
    )
    audit_record(
        actor=actor, action=AuditEntry.Action.CREATE if created else AuditEntry.Action.CONFIGURE, obj=membership,
        fields=["organisation", "child_clearance"],
    )  # fmt: skip
    return membership
