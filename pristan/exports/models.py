"""What left Pristan: every export of identifiable data, who made it, why, and which cases it held."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ExportPurpose(models.TextChoices):
    SUBJECT_ACCESS = "subject_access", _("The person asked for their own data")
    REFERRAL = "referral", _("Referral to a service provider")
    AUTHORITY = "authority", _("Request from a competent authority")
    TRANSFER = "transfer", _("Transfer to another case-management system")
    OTHER = "other", _("Another purpose, agreed with a supervisor")


class ExportFormat(models.TextChoices):
    CSV_IN_AES_ZIP = "csv-aes-zip", _("CSV in a ZIP archive encrypted with AES-256")


class ExportRecord(models.Model):
    """One export. The file itself is never kept; its SHA-256 identifies a copy found later. The
    cases it held let a data-protection focal point list every export that contained a person."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("exported by"))
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    purpose = models.CharField(_("purpose"), max_length=20, choices=ExportPurpose.choices)
    file_format = models.CharField(_("file format"), max_length=20, choices=ExportFormat.choices)
    cases_included = models.PositiveIntegerField(_("cases included"))
    cases_excluded = models.PositiveIntegerField(_("cases left out without consent"))
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    ip = models.GenericIPAddressField(_("from where"), null=True, blank=True)
    cases = models.ManyToManyField("cases.Case", related_name="exports", verbose_name=_("cases"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("export")
        verbose_name_plural = _("exports")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_id} {self.cases_included}"
