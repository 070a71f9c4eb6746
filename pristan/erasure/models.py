"""Erasure requests: someone who may change a case asks for the person's identifying data to be
erased; a data-protection focal point of the case's office approves or refuses."""

from typing import ClassVar
from uuid import UUID

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pristan.cases.models import Case
from pristan.core.sealed import SealedTextField
from pristan.core.sections import CaseSection, Section
from pristan.people.models import Person


class ErasureStatus(models.TextChoices):
    REQUESTED = "requested", _("Awaiting a decision")
    APPROVED = "approved", _("Approved: erased")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ErasureRequest(models.Model):
    """The reason is sealed under the person's data key like their other data, so it becomes
    unreadable once the person is erased; the decision note is plain text."""

    case_section: ClassVar[CaseSection] = CaseSection(Section.SUMMARY)

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="erasure_requests", verbose_name=_("person"))
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="erasure_requests", verbose_name=_("case it was requested from")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested on"), default=timezone.now)
    reason = SealedTextField(_("reason for the request"), max_length=2000)
    status = models.CharField(_("status"), max_length=20, choices=ErasureStatus.choices, default=ErasureStatus.REQUESTED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided on"), null=True, blank=True)
    decision_note = models.TextField(
        _("note on the decision"), max_length=1000, blank=True,
        help_text=_("Stored as plain text and kept after the erasure: write no personal data here."),
    )  # fmt: skip

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=models.Q(status="requested"), name="one_pending_erasure_request_per_person"
            )
        ]
        verbose_name = _("erasure request")
        verbose_name_plural = _("erasure requests")

    def __str__(self) -> str:
        return f"{self.case_id} {self.status}"

    def sealing_key_id(self) -> UUID:
        return self.person.sealing_key_id()

    @property
    def is_pending(self) -> bool:
        return self.status == ErasureStatus.REQUESTED
