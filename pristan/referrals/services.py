"""Referring a case or a service, answering a referral, and handing a case over to another office.

Sharing needs the person's consent: a referral to a partner or another office needs consent to
referral, a transfer consent to transfer — or a supervisor's recorded override for that purpose
(cases.selectors.may_proceed). Every step is audited, with field names only.
"""

from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pristan.assistance.models import ServiceItem
from pristan.cases.models import Case, ConsentPurpose
from pristan.cases.selectors import may_proceed
from pristan.core import access
from pristan.core.audit import audit_record
from pristan.core.models import AuditEntry, Office, Organisation
from pristan.core.policy import Section
from pristan.notifications import services as notifications
from pristan.referrals.models import Referral, ReferralStatus, Transfer, TransferStatus
from pristan.referrals.rules import REFERRAL_FIELDS, incoming_referral_new, mirror_incoming, referral_errors

NEEDS_REFERRAL_CONSENT = _(
    "The person has not consented to referral to third parties. Record their consent, or ask a supervisor to record "
    "why the referral must go ahead without it."
)
NEEDS_TRANSFER_CONSENT = _(
    "The person has not consented to the transfer of their case to another office. Record their consent, or ask a "
    "supervisor to record why the transfer must go ahead without it."
)
NOT_OFFERED = _(
    "This partner does not offer “%(service)s”. A service of a protected part of the case (health, psychosocial support, "
    "legal matters …) is referred only to a partner that offers that kind of service."
)
NOT_THE_RECEIVER = _("Only the organisation or office the case was referred to can answer this referral.")
NOT_RECEIVING_SUPERVISOR = _("Only a supervisor of the receiving office can accept or decline a transfer.")

# Who moves a referral where: the receiver answers, the sender closes.
REFERRAL_MOVES: dict[str, dict[str, str]] = {
    ReferralStatus.IN_PROGRESS: {ReferralStatus.ACCEPTED: "receiver", ReferralStatus.DECLINED: "receiver",
                                 ReferralStatus.REVOKED: "sender"},
    ReferralStatus.ACCEPTED: {ReferralStatus.DONE: "sender", ReferralStatus.REVOKED: "sender"},
    ReferralStatus.DECLINED: {},
    ReferralStatus.DONE: {},
    ReferralStatus.REVOKED: {},
}  # fmt: skip


@transaction.atomic
def referral_send(
    *, actor: User, case: Case, reason: str, organisation: Organisation | None = None, office: Office | None = None,
    service: ServiceItem | None = None, details: str = "", referred_on: date | None = None,
) -> Referral:  # fmt: skip
    """Refer the case, or one of its services, to a partner organisation or another office.

    The receiver reads the service it is asked to provide whatever its section (access: the
    receiver of a referral), so a service of a protected section goes only to a partner that offers
    that kind of service."""
    candidate = Referral(case=case, service=service)
    access.require_write_record(actor, candidate)
    referred_on = referred_on or timezone.localdate()
    errors = referral_errors(reason=reason, vocabulary="cas_ReasonForOutgoingReferral", referred_on=referred_on)
    if (organisation is None) == (office is None):
        errors["organisation"] = _("Choose either a partner organisation or another office.")
    elif organisation is not None and organisation.is_operator:
        errors["organisation"] = _("Choose a partner organisation; to refer within your organisation, choose an office.")
    elif office is not None and office.pk == case.office_id:
        errors["office"] = _("The case is already in this office.")
    if service is not None and service.case_id != case.pk:
        errors["service"] = _("Choose a service of this case.")
    elif (
        service is not None
        and organisation is not None
        and access.sections_of(candidate) != access.sections_of(Referral(case=case))  # the service adds a section
        and service.kind not in organisation.service_kinds
    ):
        errors["organisation"] = NOT_OFFERED % {"service": service.get_kind_display()}
    if not errors and not may_proceed(case, ConsentPurpose.REFERRAL):
        errors["organisation" if organisation else "office"] = NEEDS_REFERRAL_CONSENT
    if errors:
        raise ValidationError(errors)
    referral = Referral.objects.create(
        case=case, direction=Referral.Direction.OUTGOING, organisation=organisation, office=office, service=service,
        reason=reason, details=details.strip(), referred_on=referred_on, created_by=actor,
    )  # fmt: skip
    audit_record(
        actor=actor, action=AuditEntry.Action.REFERRAL, obj=referral, case=case,
        fields=["direction", "organisation" if organisation else "office", "service", "reason", "details", "referred_on"],
        detail=referral.status,
    )  # fmt: skip
    _mirror_outgoing(actor, case, referral)
    notifications.notify_referral_sent(referral=referral)
    return referral


def _mirror_outgoing(actor: User, case: Case, referral: Referral) -> None:
    """Keep the case's HTCDS cas_Referred* fields on the latest outgoing referral to a partner."""
    if referral.organisation is None:
        return
    case.referred_organisation = referral.organisation
    case.outgoing_referral_date = referral.referred_on
    case.outgoing_referral_reason = referral.reason
    case.outgoing_referral_details = referral.details
    fields = ["referred_organisation", "outgoing_referral_date", "outgoing_referral_reason", "outgoing_referral_details"]
    case.save(update_fields=[*fields, "updated_at"])


@transaction.atomic
def referral_record_incoming(
    *, actor: User, case: Case, organisation: Organisation, reason: str, details: str = "", referred_on: date | None = None
) -> Referral:
    """A referral we received from a partner, recorded on our case (accepted by recording it)."""
    access.require_write(actor, case, Section.SUMMARY)
    referral = incoming_referral_new(
        case=case, organisation=organisation, reason=reason, details=details,
        referred_on=referred_on or timezone.localdate(), actor=actor,
    )  # fmt: skip
    referral.save()
    audit_record(
        actor=actor, action=AuditEntry.Action.REFERRAL, obj=referral, case=case,
        fields=REFERRAL_FIELDS, detail=referral.status,
    )  # fmt: skip
    case.save(update_fields=[*mirror_incoming(case, referral), "updated_at"])
    return referral


@transaction.atomic
def referral_move(*, actor: User, referral: Referral, status: str, note: str = "") -> Referral:
    """Answer a referral (the receiver accepts or declines) or close it (the sender marks it done or revokes it)."""
    referral = Referral.objects.select_for_update().select_related("case", "case__person").get(pk=referral.pk)
    side = REFERRAL_MOVES[referral.status].get(status)
    if side is None:
        labels = dict(ReferralStatus.choices)
        message = _("A referral that is “%(current)s” cannot become “%(new)s”.")
        raise ValidationError({"status": message % {"current": labels[referral.status], "new": labels.get(status, status)}})
    if side == "receiver":
        if not access.receives_referral(actor, referral):
            raise PermissionDenied(NOT_THE_RECEIVER)
    else:
        access.require_write(actor, referral.case, Section.SUMMARY)
    referral.status = status
    referral.decided_by, referral.decided_at, referral.decision_note = actor, timezone.now(), note.strip()
    referral.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_record(
        actor=actor, action=AuditEntry.Action.REFERRAL, obj=referral, case=referral.case,
        fields=["status", "decision_note"] if note.strip() else ["status"], detail=status,
    )  # fmt: skip
    notifications.notify_referral_answered(referral=referral)
    return referral


@transaction.atomic
def transfer_request(*, actor: User, case: Case, to_office: Office, reason: str) -> Transfer:
    access.require_write(actor, case, Section.SUMMARY)
    errors: dict[str, Any] = {}
    if to_office.pk == case.office_id:
        errors["to_office"] = _("The case is already in this office.")
    elif case.transfers.filter(status=TransferStatus.REQUESTED).exists():
        errors["to_office"] = _("A transfer of this case is already waiting for an answer.")
    if len(reason.strip()) < 10:
        errors["reason"] = _("Say in a sentence or more why the case moves to this office.")
    if not errors and not may_proceed(case, ConsentPurpose.TRANSFER):
        errors["to_office"] = NEEDS_TRANSFER_CONSENT
    if errors:
        raise ValidationError(errors)
    transfer = Transfer.objects.create(
        case=case, from_office_id=case.office_id, to_office=to_office, reason=reason.strip(), requested_by=actor
    )
    audit_record(
        actor=actor, action=AuditEntry.Action.TRANSFER, obj=transfer, case=case, fields=["to_office", "reason"],
        detail=transfer.status,
    )  # fmt: skip
    notifications.notify_transfer_requested(transfer=transfer)
    return transfer


@transaction.atomic
def transfer_decide(*, actor: User, transfer: Transfer, accept: bool) -> Transfer:
    """A supervisor of the receiving office accepts (the office owns the case from now on) or declines."""
    transfer = Transfer.objects.select_for_update().select_related("case", "case__person").get(pk=transfer.pk)
    if not access.supervises_office(actor, transfer.to_office):
        raise PermissionDenied(NOT_RECEIVING_SUPERVISOR)
    if transfer.status != TransferStatus.REQUESTED:
        raise ValidationError({"status": _("This transfer was already answered.")})
    transfer.status = TransferStatus.ACCEPTED if accept else TransferStatus.DECLINED
    transfer.decided_by, transfer.decided_at = actor, timezone.now()
    transfer.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(
        actor=actor, action=AuditEntry.Action.TRANSFER, obj=transfer, case=transfer.case, fields=["status"],
        detail=transfer.status,
    )  # fmt: skip
    if accept:
        case = transfer.case
        case.office_id, case.owner = transfer.to_office_id, actor
        case.save(update_fields=["office", "owner", "updated_at"])
        audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=case, case=case, fields=["office", "owner"])
    notifications.notify_transfer_answered(transfer=transfer)
    return transfer


@transaction.atomic
def transfer_cancel(*, actor: User, transfer: Transfer) -> Transfer:
    transfer = Transfer.objects.select_for_update().select_related("case", "case__person").get(pk=transfer.pk)
    access.require_write(actor, transfer.case, Section.SUMMARY)
    if transfer.status != TransferStatus.REQUESTED:
        raise ValidationError({"status": _("This transfer was already answered.")})
    transfer.status = TransferStatus.CANCELLED
    transfer.decided_by, transfer.decided_at = actor, timezone.now()
    transfer.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(
        actor=actor, action=AuditEntry.Action.TRANSFER, obj=transfer, case=transfer.case, fields=["status"],
        detail=transfer.status,
    )  # fmt: skip
    return transfer
