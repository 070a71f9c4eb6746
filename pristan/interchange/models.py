"""What imports leave behind: which case each imported record became, and the import runs."""

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pristan.cases.models import Case
from pristan.core.models import Office
from pristan.core.sections import CaseSection, Section


class ImportedRecord(models.Model):
    """A record of an outside file, by its stable identifier there, and the case it became: a
    second import of the same record updates that case instead of opening another."""

    case_section: ClassVar[CaseSection] = CaseSection(Section.SUMMARY)

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(_("source"), max_length=120)  # "pristan", "odk", or "file:<name>"
    external_id = models.CharField(_("identifier in the source"), max_length=200)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="imported_as")
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["office", "source", "external_id"], name="one_case_per_imported_record")]
        verbose_name = _("imported record")
        verbose_name_plural = _("imported records")

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id}"


class ImportJob(models.Model):
    class Status(models.TextChoices):
        VALIDATING = "validating", _("Checking the file")
        READY = "ready", _("Checked, waiting for confirmation")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed, nothing was imported")
        DISCARDED = "discarded", _("Discarded")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+", verbose_name=_("office"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(_("file"), max_length=200)  # as uploaded; the file itself is deleted after the run
    key_id = models.UUIDField(null=True, editable=False)  # the data key sealing the uploaded file (jobs.py)
    source = models.CharField(_("source"), max_length=120)
    language = models.CharField(max_length=10, default="en")  # of the problems' messages
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.VALIDATING)
    rows = models.PositiveIntegerField(default=0)
    to_create = models.PositiveIntegerField(default=0)
    to_update = models.PositiveIntegerField(default=0)
    to_skip = models.PositiveIntegerField(default=0)
    invalid = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list)  # the first ones, with row, column, value and message
    problem_count = models.PositiveIntegerField(default=0)
    ignored_columns = models.JSONField(default=list)
    skip_invalid = models.BooleanField(default=False)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    cases = models.JSONField(default=list)  # references of the cases created or updated (the first ones)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.filename} ({self.status})"


class UploadInFlight(models.Model):
    """An upload being received, one row while its bytes arrive (uploads.py): the count of a
    user's rows bounds the uploads they may send at once, across every web process and machine.
    A row whose process was killed is ignored once it is older than uploads.IN_FLIGHT_EXPIRES."""

    id = models.UUIDField(primary_key=True, editable=False)  # the upload's id
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("upload being received")
        verbose_name_plural = _("uploads being received")

    def __str__(self) -> str:
        return f"{self.id} ({self.started_at:%Y-%m-%d %H:%M})"
