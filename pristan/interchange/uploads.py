"""Uploaded files are sealed as they arrive, before any of their bytes rest anywhere.

Django keeps a small upload in memory and writes a larger one to a temporary file in plain text.
Pristan's uploads are files of cases, so `SealingUploadHandler` (the only handler, see
settings.FILE_UPLOAD_HANDLERS) seals each chunk of the request body under a new data key of the
key store as it is received (core.sealed_file), into imports/ of PRISTAN_SHARED_DIR. The view gets a `SealedUpload`:
an import adopts it (jobs.start); any other fate, a form in error included, deletes the file and
destroys its key when the request ends, so a copy of the file in a backup no longer opens. A
request that dies half-way through its upload can leave a sealed file behind: `jobs.sweep` (run
by `pristan retention`, daily) deletes it and destroys its key. A request from nobody signed in
keeps nothing of its file.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile

from pristan.core.sealed_file import SealedWriter
from pristan.core.shared import shared_directory
from pristan.keystore.services import create_data_key, data_key, destroy_data_key

MAX_UPLOAD_BYTES = 1024 * 1024 * 1024  # beyond it, the rest of the file is read and thrown away, and refused


def directory() -> Path:
    """Where sealed uploads wait: on shared storage, since the worker that imports one may run on another machine."""
    return shared_directory("imports")


def sealed_path(upload_id: uuid.UUID) -> Path:
    return directory() / f"{upload_id}.sealed"


def upload_aad(upload_id: uuid.UUID) -> bytes:
    return f"pristan.interchange.upload:{upload_id}".encode()


class SealedUpload(UploadedFile[bytes]):
    """An uploaded file, sealed on disk: its name and size, the id that becomes the import's id, and
    the data key that seals it. Its content is read through jobs.opener, never through this object."""

    def __init__(self, *, upload_id: uuid.UUID, key_id: uuid.UUID, name: str | None, content_type: str | None, size: int) -> None:
        super().__init__(file=None, name=name, content_type=content_type, size=size)
        self.upload_id, self.key_id = upload_id, key_id
        self.adopted = False

    def close(self) -> None:
        """At the end of the request: a file no import adopted is deleted, and its key destroyed."""
        if not self.adopted:
            discard(self.upload_id, self.key_id)

    def read(self, *args: Any, **kwargs: Any) -> bytes:
        raise OSError("A sealed upload is read through pristan.interchange.jobs.opener.")


def discard(upload_id: uuid.UUID, key_id: uuid.UUID | None) -> None:
    if key_id is not None:
        destroy_data_key(key_id)
    sealed_path(upload_id).unlink(missing_ok=True)


class SealingUploadHandler(FileUploadHandler):
    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        user = getattr(self.request, "user", None)
        if user is None or not user.is_authenticated:
            raise SkipFile  # nobody signed in: the file is read past and nothing is kept (no key, no disk)
        self.upload_id, self.key_id = uuid.uuid4(), create_data_key()
        key = data_key(self.key_id)
        assert key is not None
        descriptor = os.open(sealed_path(self.upload_id), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self.target = os.fdopen(descriptor, "wb")
        self.writer = SealedWriter(self.target, self.key_id, key, upload_aad(self.upload_id))
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.received += len(raw_data)
        if self.received <= MAX_UPLOAD_BYTES:  # a larger file is refused by the form, by its size
            self.writer.write(raw_data)

    def file_complete(self, file_size: int) -> SealedUpload:
        self.writer.close()
        self.target.close()
        return SealedUpload(
            upload_id=self.upload_id, key_id=self.key_id, name=self.file_name, content_type=self.content_type, size=file_size
        )

    def upload_interrupted(self) -> None:
        if hasattr(self, "target"):
            self.target.close()
            discard(self.upload_id, self.key_id)
