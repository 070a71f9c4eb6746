"""Files attached to a case: scanned identity and travel documents, medical certificates, signed
consent forms, photos; about the person, the case, one of its services or a movement it travels in.

Each file is sealed as it arrives under the data key of the case's person (services.py and
interchange/uploads.py), in attachments/ of the shared storage: erasing the person destroys that
key, and with it every copy of the file, backups included. The row keeps what lists need; the
file's name and description are sealed too.
"""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pristan.assistance.models import ServiceItem
from pristan.cases.models import Case, SealedUnderCase
from pristan.core.sealed import SealedTextField
from pristan.core.sections import CaseSection, Section
from pristan.movements.models import Movement


class AttachmentKind(models.TextChoices):
    IDENTITY_DOCUMENT = "identity_document", _("Identity document")
    TRAVEL_DOCUMENT = "travel_document", _("Travel document")
    MEDICAL_CERTIFICATE = "medical_certificate", _("Medical certificate")
    CONSENT_FORM = "consent_form", _("Signed consent form")
    PHOTO = "photo", _("Photo")
    OTHER = "other", _("Other document")


class AttachmentSubject(models.TextChoices):
    PERSON = "person", _("The person")
    CASE = "case", _("The case")
    SERVICE = "service", _("A service")
    MOVEMENT = "movement", _("A movement")


class Attachment(SealedUnderCase, models.Model):
    # A medical certificate is health; a signed consent form, consent; a file about a service shares
    # that service's sections (a medical service: health), one about a movement is the movement's.
    case_section: ClassVar[CaseSection] = CaseSection(
        Section.SUMMARY,
        {
            "kind": {AttachmentKind.MEDICAL_CERTIFICATE: Section.HEALTH, AttachmentKind.CONSENT_FORM: Section.CONSENT},
            "subject": {AttachmentSubject.SERVICE: Section.ASSISTANCE, AttachmentSubject.MOVEMENT: Section.MOVEMENT},
        },
        through="service",
    )
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("kind of document"), max_length=30, choices=AttachmentKind.choices)
    subject = models.CharField(_("about"), max_length=20, choices=AttachmentSubject.choices, default=AttachmentSubject.CASE)
    service = models.ForeignKey(
        ServiceItem, on_delete=models.PROTECT, null=True, blank=True, related_name="attachments", verbose_name=_("service")
    )
    movement = models.ForeignKey(
        Movement, on_delete=models.PROTECT, null=True, blank=True, related_name="attachments", verbose_name=_("movement")
    )
    file_id = models.UUIDField(unique=True, editable=False)  # the sealed file: attachments/<file_id>.sealed
    name = SealedTextField(_("file name"))
    description = SealedTextField(_("description"), blank=True)
    content_type = models.CharField(max_length=40, editable=False)  # found from the content (content.sniff)
    size = models.PositiveBigIntegerField(editable=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded on"), auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk}"
