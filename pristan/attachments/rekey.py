"""Sealing attachment files again under another data key, when their case moves to another person
(a merge, an unmerge): `attachment_open` opens a file with the key of its case's person, so the file
must be sealed under that key in the same transaction that moves the case.

Each file is copied, chunk by chunk, into a new file under a new `file_id` (the file's associated
data names its id, so a file cannot be swapped for another); the row takes the new id in the
transaction. The old file is deleted once the transaction commits. The new files are returned, for
the caller to delete if its transaction fails; one left behind by a transaction rolled back later
is a file no attachment holds, which `attachments_sweep` deletes.
"""

from __future__ import annotations

import os
import uuid
from functools import partial
from pathlib import Path
from uuid import UUID

from django.db import models, transaction

from pristan.attachments.models import Attachment
from pristan.attachments.services import AAD_PREFIX, DIRECTORY, MAX_ATTACHMENT_BYTES
from pristan.core import crypto
from pristan.core.sealed_file import CHUNK, SealedWriter, open_sealed, sealed_key_id
from pristan.interchange.uploads import UploadTarget
from pristan.keystore.services import data_key

_FILES = UploadTarget(directory=DIRECTORY, aad_prefix=AAD_PREFIX, max_bytes=MAX_ATTACHMENT_BYTES, import_quotas=False)


def _key(key_id: UUID) -> bytes:
    key = data_key(key_id)
    if key is None:
        raise crypto.SealError(f"The data key {key_id} was destroyed: the file cannot be sealed again.")
    return key


def _copy(old_id: UUID, new_id: UUID, key_id: UUID, key: bytes) -> Path:
    source, target = _FILES.path(old_id), _FILES.path(new_id)
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with (
            os.fdopen(descriptor, "wb") as handle,
            open_sealed(source, _key(sealed_key_id(source)), _FILES.aad(old_id)) as stream,
        ):
            writer = SealedWriter(handle, key_id, key, _FILES.aad(new_id))
            while chunk := stream.read(CHUNK):
                writer.write(chunk)
            writer.close()
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target


def attachments_reseal(*, attachments: models.QuerySet[Attachment], key_id: UUID) -> list[Path]:
    """Seal the files of `attachments` again under the data key `key_id`, each into a new file whose
    id the row takes; the old files are deleted when the transaction commits. The new files, for
    the caller to delete should its transaction fail. Runs inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("attachments_reseal must run inside the transaction that moves the attachments' case.")
    key = _key(key_id)
    written: list[Path] = []
    rows = list(attachments.order_by("pk").only("pk", "file_id"))
    try:
        for attachment in rows:
            old_id, new_id = attachment.file_id, uuid.uuid4()
            written.append(_copy(old_id, new_id, key_id, key))
            attachment.file_id = new_id
            transaction.on_commit(partial(_FILES.path(old_id).unlink, missing_ok=True), robust=True)
        Attachment.objects.bulk_update(rows, ["file_id"], batch_size=500)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return written
