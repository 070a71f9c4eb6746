"""Attaching files to a case, serving them, deleting them: access, validate, write, audit.

The file itself arrived before any of this ran: interchange.uploads sealed it, chunk by chunk as
it came, under the person's data key (`upload_target`). Here it is checked by its content and
adopted, or refused, in which case the request's end deletes it (SealedUpload.close).
"""

from __future__ import annotations

import os
import uuid
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from pristan.assistance.models import ServiceItem
from pristan.attachments import content
from pristan.attachments.models import Attachment, AttachmentSubject
from pristan.cases.models import Case
from pristan.core import access, crypto
from pristan.core.audit import audit_record, audit_record_nowait
from pristan.core.models import AuditEntry
from pristan.core.sealed_file import SealedWriter, open_sealed
from pristan.core.shared import shared_directory
from pristan.interchange.uploads import MEGABYTE, SealedUpload, UploadTarget
from pristan.keystore.services import data_key
from pristan.movements.models import Movement
from pristan.people.models import Person

MAX_ATTACHMENT_BYTES = 20 * MEGABYTE  # a scanned document or a photo; beyond it, cut off while it arrives
DIRECTORY = "attachments"
AAD_PREFIX = "pristan.attachments.file"

NOT_ACCEPTED = gettext_lazy("This file is not one Pristan keeps: attach a PDF, JPEG, PNG, WebP or HEIC file.")
EMPTY = gettext_lazy("The file is empty.")
SERVICE_NEEDED = gettext_lazy("Choose the service this file is about.")
MOVEMENT_NEEDED = gettext_lazy("Choose the movement this file is about.")
NOT_OF_THIS_CASE = gettext_lazy("Choose one of this case's own.")
ORPHANED_AFTER = timedelta(hours=6)  # a sealed file no attachment holds: its request died half-way

FILE_GONE = gettext_lazy("This file can no longer be opened: the person's data was erased.")


def upload_target(case: Case) -> UploadTarget:
    """Where an attachment of this case is sealed as it arrives: under its person's data key."""
    return UploadTarget(
        directory=DIRECTORY, aad_prefix=AAD_PREFIX, key_id=case.person.sealing_key_id(), max_bytes=MAX_ATTACHMENT_BYTES,
        import_quotas=False,
    )  # fmt: skip


def sealed_upload_of(*, case: Case, name: str, data: bytes) -> SealedUpload:
    """A file that did not come through a request (the demo's, a test's), sealed exactly as an
    upload to the case would be: under the person's key, in the attachments' directory."""
    target = upload_target(case)
    assert target.key_id is not None
    key = data_key(target.key_id)
    if key is None:
        raise ValidationError(FILE_GONE)
    upload_id = uuid.uuid4()
    descriptor = os.open(target.path(upload_id), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        writer = SealedWriter(handle, target.key_id, key, target.aad(upload_id))
        writer.write(data)
        writer.close()
    return SealedUpload(upload_id=upload_id, key_id=target.key_id, name=name, content_type=None, size=len(data), target=target)


def _target(attachment: Attachment) -> UploadTarget:
    return upload_target(attachment.case)


def attachment_path(attachment: Attachment) -> Path:
    return _target(attachment).path(attachment.file_id)


def attachment_open(*, attachment: Attachment) -> BinaryIO:
    """The file's content, checked chunk by chunk as it is read; ValidationError once its key is gone."""
    key = data_key(attachment.case.person.sealing_key_id())
    if key is None:
        raise ValidationError(FILE_GONE)
    try:
        return open_sealed(attachment_path(attachment), key, _target(attachment).aad(attachment.file_id))
    except (OSError, crypto.SealError):
        raise ValidationError(FILE_GONE) from None


def _sniffed(upload: SealedUpload, key: bytes) -> content.Kind:
    try:
        with open_sealed(upload.path, key, upload.aad) as stream:
            start = stream.read(content.SNIFFED_BYTES)
    except (OSError, crypto.SealError):
        raise ValidationError({"file": NOT_ACCEPTED}) from None
    if not start:
        raise ValidationError({"file": EMPTY})
    kind = content.sniff(start)
    if kind is None:
        raise ValidationError({"file": NOT_ACCEPTED})
    return kind


def _check_subject(
    case: Case, subject: str, service: ServiceItem | None, movement: Movement | None
) -> tuple[ServiceItem | None, Movement | None]:
    if subject == AttachmentSubject.SERVICE:
        if service is None:
            raise ValidationError({"service": SERVICE_NEEDED})
        if service.case_id != case.pk:
            raise ValidationError({"service": NOT_OF_THIS_CASE})
        return service, None
    if subject == AttachmentSubject.MOVEMENT:
        if movement is None:
            raise ValidationError({"movement": MOVEMENT_NEEDED})
        if not movement.travellers.filter(case=case).exists():
            raise ValidationError({"movement": NOT_OF_THIS_CASE})
        return None, movement
    return None, None


def attachment_add(
    *, actor: User, case: Case, upload: SealedUpload, kind: str, subject: str, service: ServiceItem | None = None,
    movement: Movement | None = None, description: str = "",
) -> Attachment:  # fmt: skip
    """Attach a sealed upload to the case, once its content is one Pristan keeps. Refused (403)
    unless the actor writes every section the attachment belongs to (a medical certificate: health)."""
    access.require_write(actor, case)
    target = upload_target(case)
    if upload.target != target or upload.key_id != target.key_id:  # sealed for another route or another person
        raise ValidationError({"file": NOT_ACCEPTED})
    key = data_key(upload.key_id)
    if key is None:
        raise ValidationError(FILE_GONE)
    service, movement = _check_subject(case, subject, service, movement)
    attachment = Attachment(
        case=case, kind=kind, subject=subject, service=service, movement=movement, file_id=upload.upload_id,
        name=Path(upload.name or "").name[:200], description=description, size=upload.size or 0, uploaded_by=actor,
    )  # fmt: skip
    access.require_write_record(actor, attachment)
    attachment.content_type = _sniffed(upload, key).content_type
    with transaction.atomic():
        attachment.save(force_insert=True)
        audit_record(
            actor=actor, action=AuditEntry.Action.CREATE, obj=attachment, case=case,
            fields=["kind", "subject", "name", "description", "content_type", "size"],
        )  # fmt: skip
    upload.adopted = True  # committed: the file is the attachment's now, not the request's
    return attachment


def attachment_served(*, actor: User, attachment: Attachment, inline: bool, ip: str | None) -> None:
    """Record that the actor previewed (inline) or downloaded the file: a read, like a case page's."""
    with transaction.atomic():
        audit_record_nowait(
            actor=actor, action=AuditEntry.Action.VIEW, obj=attachment, case=attachment.case,
            fields=["preview" if inline else "download"], ip=ip,
        )  # fmt: skip


def attachment_delete(*, actor: User, attachment: Attachment) -> None:
    """Delete the attachment and, once that has committed, its file."""
    access.require_write_record(actor, attachment)
    path = attachment_path(attachment)
    with transaction.atomic():
        audit_record(actor=actor, action=AuditEntry.Action.DELETE, obj=attachment, case=attachment.case, fields=["file"])
        attachment.delete()
        transaction.on_commit(partial(path.unlink, missing_ok=True))


def erasure_of_person(*, person: Person, actor: User | None, **kwargs: Any) -> None:
    """Receives `person_erased`: the files no longer open once the person's key is destroyed; they
    are also deleted, once the erasure commits. The rows stay, their names and descriptions emptied
    by the erasure like every sealed value, so that History still says a file was attached."""
    for attachment in Attachment.objects.filter(case__person=person).select_related("case__person"):
        transaction.on_commit(partial(attachment_path(attachment).unlink, missing_ok=True), robust=True)


def attachments_sweep(*, dry_run: bool = False, now: datetime | None = None) -> int:
    """Delete the sealed files no attachment holds (a request killed while its file arrived, before
    the end of the request could delete it); how many. Their key is the person's: never destroyed."""
    now = now or timezone.now()
    directory = shared_directory(DIRECTORY)
    held = {str(file_id) for file_id in Attachment.objects.values_list("file_id", flat=True)}
    orphaned = [
        path for path in directory.glob("*.sealed")
        if path.stem not in held and path.stat().st_mtime < (now - ORPHANED_AFTER).timestamp()
    ]  # fmt: skip
    if not dry_run:
        for path in orphaned:
            path.unlink(missing_ok=True)
    return len(orphaned)
