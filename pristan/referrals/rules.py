"""The rules of referrals, pure (no database): what a referral needs, and how a case mirrors its
latest incoming referral in the HTCDS fields. The referral services apply them to one referral at a
time; bulk writers (imports) to many."""

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
    """A referral received from a partner, accepted by recording it; not saved yet."""
    errors = referral_errors(reason=reason, vocabulary="cas_ReasonForIncomingReferral", referred_on=referred_on)
    if errors:
        raise ValidationError(errors)
    return Referral(
        case=case, direction=Referral.Direction.INCOMING, organisation=organisation, reason=reason, details=details.strip(),
        referred_on=referred_on, status=ReferralStatus.ACCEPTED, created_by=actor, decided_by=actor, decided_at=timezone.now(),
    )  # fmt: skip


def mirror_incoming(case: Case, referral: Referral) -> list[str]:
    """Keep the case's HTCDS cas_*Incoming* fields on its latest incoming referral; returns their names."""
    case.referring_organisation = referral.organisation
    case.incoming_referral_date = referral.referred_on
    case.incoming_referral_reason = referral.reason
    case.incoming_referral_details = referral.details
    return INCOMING_FIELDS
