"""Granting and changing memberships: who works where, in which role, how far, with which clearance."""

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from pristan.core.audit import audit_record
from pristan.core.models import AuditEntry, Membership, Office, Organisation, PartnerMembership, Role, Scope
from pristan.core.policy import policy


@transaction.atomic
def membership_grant(
    *, actor: User | None, user: User, office: Office, role: str, scope: str | None = None, child_clearance: bool = False,
    region_offices: list[Office] | None = None,
) -> Membership:  # fmt: skip
    """Give `user` a role in `office` (or change it); the scope defaults to the role's usual reach."""
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a role from the list.")})
    scope = scope or policy(role).default_scope
    if scope not in Scope.values:
        raise ValidationError({"scope": _("Choose a scope from the list.")})
    membership, created = Membership.objects.update_or_create(
        user=user, office=office, defaults={"role": role, "scope": scope, "child_clearance": child_clearance}
    )
    if scope == Scope.REGION:
        membership.region_offices.set(region_offices or [])
    audit_record(
        actor=actor, action=AuditEntry.Action.CREATE if created else AuditEntry.Action.CONFIGURE, obj=membership, office=office,
        fields=["role", "scope", "child_clearance", *(["region_offices"] if scope == Scope.REGION else [])],
    )  # fmt: skip
    return membership


@transaction.atomic
def partner_membership_grant(
    *, actor: User | None, user: User, organisation: Organisation, child_clearance: bool = False
) -> PartnerMembership:
    if organisation.is_operator:
        raise ValidationError({"organisation": _("Choose a partner organisation, not the one running Pristan.")})
    membership, created = PartnerMembership.objects.update_or_create(
        user=user, organisation=organisation, defaults={"child_clearance": child_clearance}
    )
    audit_record(
        actor=actor, action=AuditEntry.Action.CREATE if created else AuditEntry.Action.CONFIGURE, obj=membership,
        fields=["organisation", "child_clearance"],
    )  # fmt: skip
    return membership
