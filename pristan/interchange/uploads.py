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

What one upload may cost is bounded before it costs it. A request whose declared length is over
the limit is refused before its body is read (core.middleware.RequestSizeMiddleware); a body that
brings more than it declared (or more than the limit) is cut off at the limit, its sealed part
deleted and its key destroyed, and the rest never read (StopUpload). A user has at most
MAX_UPLOADS_IN_FLIGHT uploads arriving at once, counted in the database (UploadInFlight) so that
every web process and machine sees them, and at most MAX_IMPORTS_WAITING imports waiting for their
check and MAX_IMPORTS_UNCONFIRMED checked ones waiting to be confirmed (each keeps its file): beyond,
the upload is refused when its file starts, before a byte of it is kept. The file is
never read in the request: the check job reads it (jobs.check).

Where a file goes, and under which key, is the route's to say (`UploadTarget`): an import's file
goes to imports/ under a new key of its own (`IMPORTS`, the default); a route that decides
otherwise marks its view with `@seals_uploads_into(target_for)`, and the handler asks
`target_for(request)` when the file starts (before the view runs: the CSRF check reads the form).
An attachment of a case, so, is sealed as it arrives under its person's data key
(pristan.attachments); discarding it deletes its file and leaves that key alone.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile, StopUpload
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy

from pristan.core.sealed_file import SealedWriter
from pristan.core.shared import shared_directory
from pristan.keystore.services import create_data_key, data_key, destroy_data_key

MAX_UPLOAD_BYTES = 1024 * 1024 * 1024  # beyond it, the file is cut off, deleted and refused
ENVELOPE_BYTES = 1024 * 1024  # a multipart body's boundaries, part headers and the form's small fields
MAX_UPLOADS_IN_FLIGHT = 2  # per user, across every web process and machine
MAX_IMPORTS_WAITING = 3  # per user: imports uploaded whose check has not ended yet
MAX_IMPORTS_UNCONFIRMED = 5  # per user: checked imports whose files wait (up to two days) to be confirmed or discarded
IN_FLIGHT_EXPIRES = timedelta(hours=1)  # a mark older than this was left by a killed process
MEGABYTE = 1024 * 1024

TOO_LARGE = gettext_lazy("The file is larger than %(limit)s MB: split it into several files.")
REQUEST_TOO_LARGE = gettext_lazy("This request is larger than %(limit)s MB, the most Pristan accepts: nothing was read.")
TOO_MANY_AT_ONCE = gettext_lazy(
    "You are already uploading %(count)s files: wait until they have arrived, then upload this one again."
)
TOO_MANY_WAITING = gettext_lazy(
    "%(count)s of your imports are still waiting for their check: wait until they are checked, then upload this file again."
)
TOO_MANY_UNCONFIRMED = gettext_lazy(
    "%(count)s of your checked imports are waiting for you to import or discard them: do that first, then upload this file again."
)


@dataclass(frozen=True)
class Refusal:
    """Why an upload was refused while it arrived; `status` is the API's (413 too large, 429 too many)."""

    message: str
    status: int


def megabytes(limit: int) -> str:
    return f"{limit / MEGABYTE:g}"


def body_limit(meta: dict[str, Any]) -> int | None:
    """The most a request may declare: an upload's limit for a multipart body (files are sealed as
    they arrive), Django's limit of data held in memory for any other (a JSON body is read whole)."""
    if str(meta.get("CONTENT_TYPE", "")).lower().startswith("multipart/form-data"):
        return MAX_UPLOAD_BYTES + ENVELOPE_BYTES
    limit: int | None = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return limit


def declared_length(meta: dict[str, Any]) -> int:
    """The body's declared length; 0 when absent or not a number, as Django reads it (nothing)."""
    try:
        return max(0, int(meta.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


def refusal_of(request: HttpRequest) -> Refusal | None:
    """Why the request's upload was refused while it arrived, if it was."""
    refusal: Refusal | None = getattr(request, "_pristan_upload_refusal", None)
    return refusal


def _refuse(request: HttpRequest, refusal: Refusal) -> None:
    request._pristan_upload_refusal = refusal  # type: ignore[attr-defined]
    raise StopUpload(connection_reset=True)  # the rest of the body is never read


def _admit(user: User, upload_id: uuid.UUID, *, import_quotas: bool = True) -> Refusal | None:
    """Mark the upload as arriving, unless the user already has too many uploads arriving or imports
    waiting. Each statement commits at once (no request runs in a transaction, see
    settings.ATOMIC_REQUESTS), so other processes count it; the mark is made first and counted
    after, so that two uploads starting together can both be refused but never both admitted."""
    from pristan.interchange.models import UploadInFlight

    if import_quotas and (refusal := _imports_refusal(user)):
        return refusal
    now = timezone.now()
    UploadInFlight.objects.filter(started_at__lt=now - IN_FLIGHT_EXPIRES).delete()
    UploadInFlight.objects.create(id=upload_id, user=user, started_at=now)
    arriving = UploadInFlight.objects.filter(user=user, started_at__gte=now - IN_FLIGHT_EXPIRES).count()
    if arriving > MAX_UPLOADS_IN_FLIGHT:
        _release(upload_id)
        return Refusal(str(TOO_MANY_AT_ONCE) % {"count": arriving - 1}, 429)
    return None


def _imports_refusal(user: User) -> Refusal | None:
    from pristan.interchange.models import ImportJob

    waiting = ImportJob.objects.filter(actor=user, status=ImportJob.Status.VALIDATING).count()
    if waiting >= MAX_IMPORTS_WAITING:
        return Refusal(str(TOO_MANY_WAITING) % {"count": waiting}, 429)
    unconfirmed = ImportJob.objects.filter(actor=user, status=ImportJob.Status.READY).count()
    if unconfirmed >= MAX_IMPORTS_UNCONFIRMED:  # each keeps its file on disk until confirmed, discarded or swept
        return Refusal(str(TOO_MANY_UNCONFIRMED) % {"count": unconfirmed}, 429)
    return None


def _release(upload_id: uuid.UUID) -> None:
    from pristan.interchange.models import UploadInFlight

    UploadInFlight.objects.filter(id=upload_id).delete()


def abandon_unfinished(request: HttpRequest) -> None:
    """At the end of every request: an upload whose reading stopped on an error (the client went
    away mid-body) is deleted, its key destroyed and its mark released, at once rather than at the
    next sweep. core.middleware.RequestSizeMiddleware calls it."""
    for handler in getattr(request, "_pristan_sealing_handlers", ()):
        handler.abandon()


def directory() -> Path:
    """Where sealed uploads wait: on shared storage, since the worker that imports one may run on another machine."""
    return shared_directory(IMPORTS.directory)


def sealed_path(upload_id: uuid.UUID) -> Path:
    return IMPORTS.path(upload_id)


def upload_aad(upload_id: uuid.UUID) -> bytes:
    return IMPORTS.aad(upload_id)


@dataclass(frozen=True)
class UploadTarget:
    """Where a route's uploaded files are sealed: in `directory` (a name of the shared storage), under
    the data key `key_id`, or a new key of the upload's own when None (destroyed with the file when
    the upload is discarded); at most `max_bytes` a file (MAX_UPLOAD_BYTES when None); `import_quotas`:
    the imports' limits apply."""

    directory: str
    aad_prefix: str
    key_id: uuid.UUID | None = None
    max_bytes: int | None = None  # None: MAX_UPLOAD_BYTES
    import_quotas: bool = True

    def limit(self) -> int:
        return MAX_UPLOAD_BYTES if self.max_bytes is None else self.max_bytes

    def path(self, upload_id: uuid.UUID) -> Path:
        return shared_directory(self.directory) / f"{upload_id}.sealed"

    def aad(self, upload_id: uuid.UUID) -> bytes:
        return f"{self.aad_prefix}:{upload_id}".encode()


IMPORTS = UploadTarget(directory="imports", aad_prefix="pristan.interchange.upload")

TargetFor = Callable[[HttpRequest], UploadTarget | None]
View = TypeVar("View", bound=Callable[..., Any])


def seals_uploads_into(target_for: TargetFor) -> Callable[[View], View]:
    """Mark a view whose uploads go to `target_for(request)`; None there: the request may not upload
    to this route (its files are read past and nothing is kept; the view then refuses the request)."""

    def mark(view: View) -> View:
        view.pristan_upload_target = target_for  # type: ignore[attr-defined]
        return view

    return mark


def _target_of(request: HttpRequest) -> UploadTarget | None:
    match = getattr(request, "resolver_match", None)
    target_for: TargetFor | None = getattr(match.func, "pristan_upload_target", None) if match else None
    return IMPORTS if target_for is None else target_for(request)


class SealedUpload(UploadedFile[bytes]):
    """An uploaded file, sealed on disk: its name and size, the id that becomes the import's (or the
    attachment's file's) id, and the data key that seals it. Its content is read through the sealed
    file (jobs.opener, attachments.services.attachment_open), never through this object."""

    def __init__(
        self, *, upload_id: uuid.UUID, key_id: uuid.UUID, name: str | None, content_type: str | None, size: int,
        target: UploadTarget = IMPORTS,
    ) -> None:  # fmt: skip
        super().__init__(file=None, name=name, content_type=content_type, size=size)
        self.upload_id, self.key_id, self.target = upload_id, key_id, target
        self.adopted = False

    @property
    def path(self) -> Path:
        return self.target.path(self.upload_id)

    @property
    def aad(self) -> bytes:
        return self.target.aad(self.upload_id)

    def close(self) -> None:
        """At the end of the request: a file nothing adopted is deleted, and its own key destroyed."""
        if not self.adopted:
            _discard(self.target, self.upload_id, self.key_id)

    def read(self, *args: Any, **kwargs: Any) -> bytes:
        raise OSError("A sealed upload is read through its sealed file, never through the upload.")


def discard(upload_id: uuid.UUID, key_id: uuid.UUID | None) -> None:
    """An import's upload: its file deleted and its key destroyed."""
    _discard(IMPORTS, upload_id, key_id)


def _discard(target: UploadTarget, upload_id: uuid.UUID, key_id: uuid.UUID | None) -> None:
    if key_id is not None and target.key_id is None:  # the upload's own key; never another's (a person's)
        destroy_data_key(key_id)
    target.path(upload_id).unlink(missing_ok=True)


class SealingUploadHandler(FileUploadHandler):
    upload_id: uuid.UUID | None = None  # while a file is arriving: its mark is held
    key_id: uuid.UUID | None = None
    target: Any = None  # while a file is being written
    destination: UploadTarget = IMPORTS

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        request = self.request
        assert request is not None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            raise SkipFile  # nobody signed in: the file is read past and nothing is kept (no key, no disk)
        destination = _target_of(request)
        if destination is None:
            raise SkipFile  # this user may not upload here: nothing is kept, the view refuses the request
        key = data_key(destination.key_id) if destination.key_id is not None else b""
        if key is None:
            raise SkipFile  # the key to seal it under is gone (its person erased): nothing is kept
        request._pristan_sealing_handlers = [self]  # type: ignore[attr-defined]  # see abandon_unfinished
        upload_id = uuid.uuid4()
        if refusal := _admit(user, upload_id, import_quotas=destination.import_quotas):
            _refuse(request, refusal)
        self.upload_id, self.destination = upload_id, destination
        self.key_id = destination.key_id or create_data_key()
        key = key or data_key(self.key_id)
        assert key is not None
        descriptor = os.open(destination.path(upload_id), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self.target = os.fdopen(descriptor, "wb")
        self.writer = SealedWriter(self.target, self.key_id, key, destination.aad(upload_id))
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.received += len(raw_data)
        limit = self.destination.limit()
        if self.received > limit:
            self.abandon()  # what arrived of it is deleted (and its own key destroyed): no more is read
            assert self.request is not None
            _refuse(self.request, Refusal(str(TOO_LARGE) % {"limit": megabytes(limit)}, 413))
        self.writer.write(raw_data)

    def file_complete(self, file_size: int) -> SealedUpload:
        assert self.upload_id is not None
        assert self.key_id is not None
        self.writer.close()
        self.target.close()
        upload = SealedUpload(
            upload_id=self.upload_id, key_id=self.key_id, name=self.file_name, content_type=self.content_type, size=file_size,
            target=self.destination,
        )  # fmt: skip
        _release(self.upload_id)
        self.upload_id, self.key_id, self.target = None, None, None  # the SealedUpload holds the file now
        return upload

    def upload_interrupted(self) -> None:
        self.abandon()

    def upload_complete(self) -> None:
        self.abandon()  # nothing left unless the upload stopped before its file completed

    def abandon(self) -> None:
        """The file arriving, if any, is deleted, its key destroyed and its mark released."""
        if self.target is not None:
            self.target.close()
        if self.upload_id is not None:
            _discard(self.destination, self.upload_id, self.key_id)
            _release(self.upload_id)
        self.upload_id, self.key_id, self.target = None, None, None
