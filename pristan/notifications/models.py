"""Notifications: something awaits a user in Pristan.

A notification stores what happened (its kind), where to act (a path inside Pristan) and, when it
concerns a case, the case and the section the link leads to. It stores no prose: the sentence is
made from the kind when it is shown, in the reader's language, and names the case's reference only
while the reader may still see that case (pristan/notifications/selectors.py). It never holds a
person's name or any detail of the case, so neither can an e-mail made from it.
"""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pristan.cases.models import Case
from pristan.core.sections import CaseSection, Section


class NotificationKind(models.TextChoices):
    REFERRAL_AWAITING = "referral_awaiting", _("A referral awaits your answer")
    TRANSFER_AWAITING = "transfer_awaiting", _("A transfer awaits your decision")
    REFERRAL_ACCEPTED = "referral_accepted", _("Your referral was accepted")
    REFERRAL_DECLINED = "referral_declined", _("Your referral was declined")
    TRANSFER_ACCEPTED = "transfer_accepted", _("Your transfer was accepted")
    TRANSFER_DECLINED = "transfer_declined", _("Your transfer was declined")
    TASK_ASSIGNED = "task_assigned", _("A task was assigned to you")
    TASK_OVERDUE = "task_overdue", _("A task is overdue")
    VISIT_OVERDUE = "visit_overdue", _("A monitoring visit is overdue")
    ERASURE_AWAITING = "erasure_awaiting", _("An erasure request awaits your decision")
    IMPORT_DONE = "import_done", _("Your import finished")
    IMPORT_FAILED = "import_failed", _("Your import failed")
    EXPORT_DONE = "export_done", _("Your export is ready")
    EXPORT_FAILED = "export_failed", _("Your export failed")
    DUPLICATE_CHECK = "duplicate_check", _("A possible duplicate awaits your check")


class Notification(models.Model):
    # Shown under the summary, and under the section its link leads to (`section`).
    case_section: ClassVar[CaseSection] = CaseSection(Section.SUMMARY, {"section": {s.value: s for s in Section}})

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=30, choices=NotificationKind.choices)
    # What it is about ("referral:12", "task:40", "import:<uuid>"): one notification per user, kind and subject,
    # so that a hook or the daily overdue run that meets the same thing again notifies nobody twice.
    subject = models.CharField(max_length=80)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    # The section of the case the link leads to: shown only while the reader is granted it.
    section = models.CharField(max_length=20, blank=True)
    link = models.CharField(_("link"), max_length=300)  # a path inside Pristan, where to act
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "kind", "subject"], name="one_notification_per_subject")]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_unread"),  # the menu's count
            models.Index(fields=["user", "-created_at", "-id"], name="notification_newest"),  # the list, a page at a time
        ]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.subject}"


class NotificationPreference(models.Model):
    """A user's choices: whether to be told by e-mail too, and in which language."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference")
    email = models.BooleanField(_("e-mail me when something awaits me"), default=True)
    language = models.CharField(_("language of the e-mails"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return f"{self.user_id} email={self.email}"
