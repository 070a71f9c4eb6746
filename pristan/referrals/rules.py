"""The rules of referrals, pure (no database): what a referral needs, and how a case mirrors its
latest incoming referral in the HTCDS fields. The referral services apply them to one referral at a
time; bulk writers (imports) to many."""

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pristan.cases.models import Case
from pristan.core import vocabularies
from pristan.core.models import Organisation
from pristan.referrals.models import Referral, ReferralStatus

REFERRAL_FIELDS = ["direction", "organisation", "reason", "details", "referred_on"]  # what its audit entry names
INCOMING_FIELDS = ["referring_organisation", "incoming_referral_date", "incoming_referral_reason", "incoming_referral_details"]


def referral_errors(*, reason: str, vocabulary: str, referred_on: date) -> dict[str, Any]:
    """The problems of a referral's reason (a code of the HTCDS list ``vocabulary``) and date."""
    errors: dict[str, Any] = {}
    if reason not in vocabularies.code_set(vocabulary):
        errors["reason"] = _("Choose a reason from the list.")
    if referred_on > timezone.localdate():
        errors["referred_on"] = _("The date cannot be in the future.")
    return errors


def incoming_referral_new(
    *, case: Case, organisation: Organisation, reason: str, details: str, referred_on: date, actor: User
) -> Referral:
    """A referral received from a partner, accepted by recording it; not saved yet (incoming_referral_values)."""
    values = incoming_referral_values(
        organisation=organisation, reason=reason, details=details, referred_on=referred_on, actor=actor
    )
    return Referral(case=case, **values)


def incoming_referral_values(
    *, organisation: Organisation, reason: str, details: str, referred_on: date, actor: User
) -> dict[str, Any]:
    """A received referral's values but its case, by field name; raises ValidationError where the
    reason or the date is not valid. Bulk writers store them as they are (no model instance made)."""
    errors = referral_errors(reason=reason, vocabulary="cas_ReasonForIncomingReferral", referred_on=referred_on)
    if errors:
        raise ValidationError(errors)
    return {
        "direction": Referral.Direction.INCOMING, "organisation": organisation, "reason": reason, "details": details.strip(),
        "referred_on": referred_on, "status": ReferralStatus.ACCEPTED, "created_by": actor, "decided_by": actor,
        "decided_at": timezone.now(),
    }  # fmt: skip


def mirror_incoming(case: Case, referral: Referral) -> list[str]:
    """Keep the case's HTCDS cas_*Incoming* fields on its latest incoming referral; returns their names."""
    values = {name: getattr(referral, name) for name in ("organisation", "referred_on", "reason", "details")}
    return mirror_incoming_values(case, values)


def mirror_incoming_values(case: Case, referral: Mapping[str, Any]) -> list[str]:
    """mirror_incoming, from the referral's values (incoming_referral_values)."""
    case.referring_organisation = referral["organisation"]
    case.incoming_referral_date = referral["referred_on"]
    case.incoming_referral_reason = referral["reason"]
    case.incoming_referral_details = referral["details"]
    return INCOMING_FIELDS
