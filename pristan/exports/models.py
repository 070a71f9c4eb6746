"""What left Pristan: every export of identifiable data, who made it, why, and which cases it held."""

import uuid

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


class ExportJob(models.Model):
    """A file asked for on a page and written by a worker (pristan/exports/jobs.py): identifiable
    data of cases, or the CTDC research file. Only its id goes into the queue; what it needs is here,
    and none of it is personal: the ids of the cases the asker's search found, never the search.
    The finished file waits sealed under a data key of its own for its one download."""

    class Kind(models.TextChoices):
        CASES = "cases", _("Identifiable data of cases")
        RESEARCH = "research", _("Research data (CTDC)")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for a worker")
        RUNNING = "running", _("Being written")
        READY = "ready", _("Ready to download")
        DOWNLOADED = "downloaded", _("Downloaded; the file was deleted")
        EXPIRED = "expired", _("Not downloaded in time; the file was deleted")
        FAILED = "failed", _("Failed; nothing was exported")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("asked by"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    task_id = models.CharField(max_length=64, blank=True)  # the queue's result id (django_tasks)
    language = models.CharField(max_length=10, default="en")  # of the file's headers
    ip = models.GenericIPAddressField(null=True, blank=True)
    purpose = models.CharField(max_length=20, choices=ExportPurpose.choices, blank=True)
    file_format = models.CharField(max_length=20, blank=True)
    case_ids = models.JSONField(default=list)  # the cases the search found, consent aside: checked again by the worker
    k = models.PositiveSmallIntegerField(null=True, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    key_id = models.UUIDField(null=True, editable=False)  # the data key sealing the file, destroyed with it
    filename = models.CharField(max_length=200, blank=True)
    error = models.CharField(max_length=40, blank=True)  # a code: the page says it in the reader's language
    record = models.ForeignKey(ExportRecord, on_delete=models.SET_NULL, null=True, related_name="+")
    research_record = models.ForeignKey("research.ResearchExport", on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")

    def __str__(self) -> str:
        return f"{self.kind} {self.pk} ({self.status})"
