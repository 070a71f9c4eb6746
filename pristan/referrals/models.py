"""Referrals of a case (or of one service) to a partner organisation or another office, and
transfers of a case's ownership between offices.

A referral or transfer is a record of its own, never an overwritten field: a case can be
referred to several partners, declined by one and accepted by another, and every step stays.
The HTCDS referral fields on the case (`cas_Referred*`, `cas_Referring*`) mirror the latest
outgoing and incoming referral, for exports in the standard's shape.
"""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pristan.assistance.models import ServiceItem
from pristan.cases.models import Case, SealedUnderCase
from pristan.core.models import Office, Organisation
from pristan.core.sealed import SealedTextField
from pristan.core.sections import CaseSection, Section


class ReferralStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    DONE = "done", _("Done")
    REVOKED = "revoked", _("Revoked")


# While a referral is open, the receiver sees what it needs of the case.
OPEN_STATUSES = (ReferralStatus.IN_PROGRESS, ReferralStatus.ACCEPTED)


class Referral(SealedUnderCase, models.Model):
    case_section: ClassVar[CaseSection] = CaseSection(Section.SUMMARY, through="service")

    class Direction(models.TextChoices):
        OUTGOING = "outgoing", _("Outgoing")
        INCOMING = "incoming", _("Incoming")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="referrals")
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    service = models.ForeignKey(
        ServiceItem, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals",
        verbose_name=_("service referred"), help_text=_("Leave empty to refer the whole case."),
    )  # fmt: skip
    # The other side: a partner organisation, or another office of ours (outgoing only).
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals", verbose_name=_("organisation")
    )
    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals_received", verbose_name=_("office")
    )
    reason = models.CharField(_("reason"), max_length=40)  # cas_ReasonFor{Outgoing,Incoming}Referral
    details = SealedTextField(_("details"), blank=True)  # cas_{Outgoing,Incoming}ReferralDetails
    referred_on = models.DateField(_("date of referral"))
    status = models.CharField(_("status"), max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.IN_PROGRESS)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = SealedTextField(_("note on the decision"), blank=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        # Who a referral opens a case to (core.access.case_reach): an office or a partner, while open.
        indexes = [
            models.Index(fields=["office", "status"], name="referral_office_status"),
            models.Index(fields=["organisation", "status"], name="referral_partner_status"),
        ]
        constraints = [
            models.CheckConstraint(  # exactly one other side
                condition=Q(organisation__isnull=False, office__isnull=True) | Q(organisation__isnull=True, office__isnull=False),
                name="referral_one_other_side",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.organisation_id or self.office_id}"

    @property
    def receiver(self) -> Organisation | Office | None:
        return self.organisation or self.office


class TransferStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")


class Transfer(SealedUnderCase, models.Model):
    """A case handed over to another office (for example on return): the receiving office owns it
    from acceptance on; the sending office keeps reading what its role allows."""

    case_section: ClassVar[CaseSection] = CaseSection(Section.SUMMARY)

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transfers")
    from_office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="transfers_out", verbose_name=_("from"))
    to_office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="transfers_in", verbose_name=_("to"))
    reason = SealedTextField(_("reason"))
    status = models.CharField(_("status"), max_length=20, choices=TransferStatus.choices, default=TransferStatus.REQUESTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        # The offices a transfer opens a case to (core.access.case_reach): the one that handed it
        # over, and the one asked to take it.
        indexes = [
            models.Index(fields=["from_office", "status"], name="transfer_from_status"),
            models.Index(fields=["to_office", "status"], name="transfer_to_status"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_office_id} → {self.to_office_id}"
