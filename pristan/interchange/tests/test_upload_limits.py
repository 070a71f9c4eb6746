"""What one upload may cost: refused from its declared length before its body is read, cut off at
the limit, at most MAX_UPLOADS_IN_FLIGHT arriving and MAX_IMPORTS_WAITING being checked per user;
whatever is refused leaves no sealed file, no data key and no mark behind."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse
from django.utils import timezone

from pristan.interchange import uploads
from pristan.interchange.models import ImportJob, UploadInFlight
from pristan.interchange.tests.test_pages import _upload
from pristan.interchange.tests.test_services import ROWS
from pristan.keystore.models import DataKey

API = "/api/v1"


class Body(io.BytesIO):
    """A request body that counts what the server read of it."""

    taken = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.taken += len(chunk)
        return chunk

    def readline(self, size: int | None = -1) -> bytes:
        line = super().readline(size)
        self.taken += len(line)
        return line


class Unread(io.RawIOBase):
    """A body that must not be read at all."""

    def read(self, size: int = -1) -> bytes:
        raise AssertionError("the body was read")

    readline = read  # type: ignore[assignment]


def _nothing_left(settings, keys_before: int) -> None:
    assert list((settings.VAR_DIR / "imports").glob("*.sealed")) == []
    assert DataKey.objects.count() == keys_before
    assert UploadInFlight.objects.count() == 0
    assert ImportJob.objects.count() == 0


def _send(client, path: str, body: io.RawIOBase | io.BytesIO, *, length: int, content_type: str = MULTIPART_CONTENT):
    """A request whose body is `body` as the server reads it, declaring `length` bytes."""
    return client.generic("POST", path, b"", **{"CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(length), "wsgi.input": body})


def _multipart(office: object, content: bytes, name: str = "cases.csv") -> bytes:
    return encode_multipart(BOUNDARY, {"office": office, "file": SimpleUploadedFile(name, content, content_type="text/csv")})


# --- the declared length ----------------------------------------------------------------------


def test_an_upload_declaring_more_than_the_limit_is_refused_before_its_body_is_read(client_of, ana, sofia, settings):
    client = client_of(ana)  # signed in first: her authenticator has a data key of its own
    keys_before = DataKey.objects.count()
    declared = uploads.MAX_UPLOAD_BYTES + uploads.ENVELOPE_BYTES + 1
    response = _send(client, reverse("import_start"), Unread(), length=declared)
    assert response.status_code == 413
    assert "This request is larger than 1025 MB, the most Pristan accepts: nothing was read." in response.content.decode()
    _nothing_left(settings, keys_before)
    anonymous = _send(Client(), reverse("login"), Unread(), length=declared)  # the page renders for nobody signed in too
    assert anonymous.status_code == 413
    assert "This request is larger than 1025 MB" in anonymous.content.decode()


def test_the_api_refuses_a_declared_length_over_the_limit_in_its_error_shape(ana, api_as):
    declared = uploads.MAX_UPLOAD_BYTES + uploads.ENVELOPE_BYTES + 1
    response = _send(api_as(ana), f"{API}/imports/", Unread(), length=declared)
    assert response.status_code == 413
    assert response.json() == {
        "errors": {"detail": ["This request is larger than 1025 MB, the most Pristan accepts: nothing was read."]}
    }


def test_a_json_body_over_the_memory_limit_is_refused_before_it_is_read(ana, api_as, settings):
    """DRF's JSON parser reads a body whole without Django's DATA_UPLOAD_MAX_MEMORY_SIZE check."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
    body = Body(b'{"note": "' + b"x" * (3 * 1024 * 1024) + b'"}')
    response = _send(api_as(ana), f"{API}/cases/", body, length=len(body.getvalue()), content_type="application/json")
    assert response.status_code == 413
    assert response.json() == {
        "errors": {"detail": ["This request is larger than 2 MB, the most Pristan accepts: nothing was read."]}
    }
    assert body.taken == 0


def test_a_declared_length_within_the_limit_is_served(client_of, ana, sofia):
    response = client_of(ana).post(reverse("import_start"), {"office": sofia.pk, "file": _upload(ROWS)})
    assert response.status_code == 302
    assert UploadInFlight.objects.count() == 0  # its mark was released when the file completed


# --- cut off at the limit ---------------------------------------------------------------------


@pytest.fixture
def small_limit(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", uploads.MEGABYTE)
    return uploads.MEGABYTE


def test_a_file_over_the_limit_is_cut_off_and_nothing_of_it_kept(client_of, ana, sofia, settings, small_limit):
    client = client_of(ana)  # signed in first: her authenticator has a data key of its own
    keys_before = DataKey.objects.count()
    body = Body(_multipart(sofia.pk, b"x" * (small_limit + uploads.ENVELOPE_BYTES - 10_000)))  # declared: within
    response = _send(client, reverse("import_start"), body, length=len(body.getvalue()))
    assert response.status_code == 422
    page = response.content.decode()
    assert "The file is larger than 1 MB: split it into several files." in page
    assert "This field is required." not in page
    assert body.taken < small_limit + 500_000 < len(body.getvalue())  # the rest was never read
    _nothing_left(settings, keys_before)


def test_the_api_cuts_off_a_file_over_the_limit_with_413(ana, sofia, api_as, settings, small_limit):
    keys_before = DataKey.objects.count()
    response = api_as(ana).post(
        f"{API}/imports/", {"office": "SOF", "file": SimpleUploadedFile("cases.csv", b"x" * (small_limit + small_limit // 2))}
    )
    assert response.status_code == 413
    assert response.json() == {"errors": {"file": ["The file is larger than 1 MB: split it into several files."]}}
    _nothing_left(settings, keys_before)


def test_a_body_cut_off_midway_leaves_nothing(client_of, ana, sofia, settings):
    """The client went away half-way: what arrived is deleted and its key destroyed at once."""
    client = client_of(ana)  # signed in first: her authenticator has a data key of its own
    keys_before = DataKey.objects.count()
    whole = _multipart(sofia.pk, b"x" * 500_000)
    body = Body(whole[: len(whole) // 2])
    response = _send(client, reverse("import_start"), body, length=len(whole))
    assert response.status_code == 422  # the office arrived, the file did not
    _nothing_left(settings, keys_before)


# --- per user, at once ------------------------------------------------------------------------


def _arriving(user, count: int, *, age: timedelta = timedelta(0)) -> None:
    import uuid

    for _ in range(count):
        UploadInFlight.objects.create(id=uuid.uuid4(), user=user, started_at=timezone.now() - age)


def test_a_third_upload_at_once_is_refused_before_anything_is_written(client_of, ana, boris, sofia, settings):
    _arriving(ana, uploads.MAX_UPLOADS_IN_FLIGHT)
    client = client_of(ana)  # signed in first: her authenticator has a data key of its own
    keys_before = DataKey.objects.count()
    response = client.post(reverse("import_start"), {"office": sofia.pk, "file": _upload(ROWS)})
    assert response.status_code == 422
    assert (
        "You are already uploading 2 files: wait until they have arrived, then upload this one again."
        in response.content.decode()
    )
    assert list((settings.VAR_DIR / "imports").glob("*.sealed")) == []
    assert DataKey.objects.count() == keys_before
    assert UploadInFlight.objects.filter(user=ana).count() == uploads.MAX_UPLOADS_IN_FLIGHT  # its own mark is gone
    assert client_of(boris).post(reverse("import_start"), {"office": sofia.pk, "file": _upload(ROWS)}).status_code == 302


def test_the_api_refuses_a_third_upload_at_once_with_429(ana, sofia, api_as):
    _arriving(ana, uploads.MAX_UPLOADS_IN_FLIGHT)
    response = api_as(ana).post(f"{API}/imports/", {"office": "SOF", "file": _upload(ROWS)})
    assert response.status_code == 429
    assert response.json() == {
        "errors": {"file": ["You are already uploading 2 files: wait until they have arrived, then upload this one again."]}
    }
    assert not ImportJob.objects.exists()


def test_marks_left_by_a_killed_process_expire(client_of, ana, sofia):
    _arriving(ana, 5, age=uploads.IN_FLIGHT_EXPIRES + timedelta(minutes=1))
    response = client_of(ana).post(reverse("import_start"), {"office": sofia.pk, "file": _upload(ROWS)})
    assert response.status_code == 302
    assert UploadInFlight.objects.count() == 0  # the stale ones deleted, its own released


def test_an_upload_is_refused_while_too_many_imports_wait_for_their_check(client_of, ana, sofia, api_as):
    for number in range(uploads.MAX_IMPORTS_WAITING):
        ImportJob.objects.create(office=sofia, actor=ana, filename=f"{number}.csv", status=ImportJob.Status.VALIDATING)
    message = "3 of your imports are still waiting for their check: wait until they are checked, then upload this file again."
    response = client_of(ana).post(reverse("import_start"), {"office": sofia.pk, "file": _upload(ROWS)})
    assert response.status_code == 422
    assert message in response.content.decode()
    refused = api_as(ana).post(f"{API}/imports/", {"office": "SOF", "file": _upload(ROWS)})
    assert (refused.status_code, refused.json()) == (429, {"errors": {"file": [message]}})
    ImportJob.objects.filter(filename="0.csv").update(status=ImportJob.Status.READY)
    assert client_of(ana).post(reverse("import_start"), {"office": sofia.pk, "file": _upload(ROWS)}).status_code == 302


def test_an_upload_is_refused_while_too_many_checked_imports_wait_to_be_confirmed(client_of, ana, sofia, api_as):
    """Each checked import keeps its file for up to two days: a user cannot pile them up on the disk."""
    for number in range(uploads.MAX_IMPORTS_UNCONFIRMED):
        ImportJob.objects.create(office=sofia, actor=ana, filename=f"{number}.csv", status=ImportJob.Status.READY)
    message = (
        "5 of your checked imports are waiting for you to import or discard them: do that first, then upload this file again."
    )
    response = client_of(ana).post(reverse("import_start"), {"office": sofia.pk, "file": _upload(ROWS)})
    assert response.status_code == 422
    assert message in response.content.decode()
    refused = api_as(ana).post(f"{API}/imports/", {"office": "SOF", "file": _upload(ROWS)})
    assert (refused.status_code, refused.json()) == (429, {"errors": {"file": [message]}})
    ImportJob.objects.filter(filename="0.csv").update(status=ImportJob.Status.DISCARDED)
    assert client_of(ana).post(reverse("import_start"), {"office": sofia.pk, "file": _upload(ROWS)}).status_code == 302


# --- read by the check, never in the request --------------------------------------------------


def test_the_api_accepts_an_unreadable_file_and_its_import_fails_with_the_readers_message(ana, sofia, api_as, settings):
    keys_before = DataKey.objects.count()
    client = api_as(ana)
    started = client.post(f"{API}/imports/", {"office": "SOF", "file": SimpleUploadedFile("x.csv", b"name,age\nA,3\n")})
    assert started.status_code == 202, started.json()
    status = client.get(f"{API}/imports/{started.json()['id']}/").json()
    assert status["status"] == "failed"
    assert "No column of this file is an HTCDS field" in status["error"]
    assert list((settings.VAR_DIR / "imports").glob("*.sealed")) == []
    assert DataKey.objects.count() == keys_before


def test_the_request_does_not_read_the_file(client_of, ana, sofia, monkeypatch):
    """Only the check job opens the file: the request that uploads it never does."""
    from pristan.interchange import jobs, readers

    opened: list[str] = []
    real = readers.open_table

    def spy(source, filename):  # records who opens the file: the request must not
        opened.append("check" if checking else "request")
        return real(source, filename)

    checking = False
    real_check = jobs.check

    def check(job):
        nonlocal checking
        checking = True
        try:
            real_check(job)
        finally:
            checking = False

    monkeypatch.setattr(readers, "open_table", spy)
    monkeypatch.setattr(jobs, "check", check)
    response = client_of(ana).post(reverse("import_start"), {"office": sofia.pk, "file": _upload(ROWS)})
    assert response.status_code == 302
    assert opened == ["check"]
    assert ImportJob.objects.get().source == "pristan"  # decided by the check, from the file's layout
