"""Hostile requests sent over real HTTP to a served Pristan (pytest-django's live server): each is
refused with its message, nothing of it stays behind, and the server then still serves a page and
an API call. The import's check job runs in the server (the tests' immediate job backend)."""

import http.client
import json
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from conftest import sign_in_verified
from pristan.interchange import jobs
from pristan.interchange.models import ImportJob, UploadInFlight
from pristan.keystore.models import DataKey

pytestmark = pytest.mark.django_db(transaction=True)

TOO_LARGE = "This request is larger than %s MB, the most Pristan accepts: nothing was read."


class Server:
    def __init__(self, url: str, token: str, session: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "localhost", parts.port or 80
        self.token, self.session = token, session

    def request(self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def api(self, method: str, path: str, body: bytes = b"", content_type: str = "application/json") -> tuple[int, Any]:
        status, content = self.request(
            method, f"/api/v1/{path}", body, {"Authorization": f"Bearer {self.token}", "Content-Type": content_type}
        )
        return status, json.loads(content)

    def raw(self, head: str, body: bytes = b"", *, then_stop_sending: bool = False) -> tuple[int, bytes]:
        """Send `head` and `body` as they are (any length declared), then read the first response."""
        with socket.create_connection((self.host, self.port), timeout=60) as connection:
            connection.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
            if then_stop_sending:
                connection.shutdown(socket.SHUT_WR)  # the client goes away half-way through its body
            response = http.client.HTTPResponse(connection)
            response.begin()
            return response.status, response.read()

    def still_serves(self) -> None:
        status, page = self.request("GET", "/cases/mine/", headers={"Cookie": f"sessionid={self.session}"})
        assert status == 200
        assert "My cases" in page.decode()
        status, cases = self.api("GET", "cases/")
        assert status == 200
        assert "results" in cases


@pytest.fixture
def server(live_server: Any, ana: User, sofia: Any, token_of: Callable[..., str]) -> Server:
    session = sign_in_verified(Client(), ana).cookies["sessionid"].value
    return Server(live_server.url, token_of(ana), session)


@pytest.fixture
def nothing_left(settings: Any) -> Iterator[None]:
    keys_before = DataKey.objects.count()
    yield
    assert list(Path(settings.VAR_DIR / "imports").glob("*.sealed")) == []
    assert UploadInFlight.objects.count() == 0
    assert DataKey.objects.count() == keys_before


def test_an_oversized_declared_length_is_refused_without_its_body(server: Server, nothing_left: None) -> None:
    for path, cookie in (
        ("/imports/", f"Cookie: sessionid={server.session}"),
        ("/api/v1/imports/", f"Authorization: Bearer {server.token}"),
    ):
        status, content = server.raw(
            f"POST {path} HTTP/1.1\nHost: {server.host}\n{cookie}\nContent-Type: {MULTIPART_CONTENT}\n"
            "Content-Length: 4000000000\n"
        )
        assert status == 413
        assert TOO_LARGE % 1025 in content.decode()
    server.still_serves()


def test_a_lying_length_reads_only_what_was_declared(server: Server) -> None:
    body = b"[" * 1_000_000  # far more than declared: the rest is never parsed as this request's body
    status, content = server.raw(
        f"POST /api/v1/cases/ HTTP/1.1\nHost: {server.host}\nAuthorization: Bearer {server.token}\n"
        "Content-Type: application/json\nContent-Length: 5\n",
        body,
    )
    assert status == 400
    assert json.loads(content)["errors"]["detail"][0].startswith("The body of this request is not valid JSON")
    server.still_serves()


def test_a_body_cut_off_midway_leaves_nothing(server: Server, nothing_left: None) -> None:
    body = encode_multipart(BOUNDARY, {"office": "SOF", "file": _file("cases.csv", b"prs_FirstName\n" + b"Ana\n" * 200_000)})
    status, content = server.raw(
        f"POST /api/v1/imports/ HTTP/1.1\nHost: {server.host}\nAuthorization: Bearer {server.token}\n"
        f"Content-Type: {MULTIPART_CONTENT}\nContent-Length: {len(body)}\n",
        body[: len(body) // 2],
        then_stop_sending=True,
    )
    assert status == 400
    assert "file" in json.loads(content)["errors"]
    assert not ImportJob.objects.exists()
    server.still_serves()


def test_a_deeply_nested_json_body_is_a_400(server: Server) -> None:
    status, body = server.api("POST", "cases/", b"[" * 100_000)
    assert (status, body) == (
        400,
        {"errors": {"detail": ["The body of this request nests lists or objects deeper than Pristan reads."]}},
    )
    server.still_serves()


def _deep_json() -> tuple[str, bytes]:
    pytest.importorskip("pristan.interchange.readers.limits", reason="the JSON reader's depth limit (readers hardening)")
    return "deep.json", b'{"standard": "HTCDS 2.0", "records": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}"


@pytest.mark.parametrize(
    "hostile",
    [lambda: ("cases.xlsx", b"%PDF-1.7\n" + b"\0" * 50_000), _deep_json],
    ids=["pdf-renamed-xlsx", "json-100000-deep"],
)
def test_a_hostile_import_is_accepted_then_failed_by_its_check(
    server: Server, nothing_left: None, hostile: Callable[[], tuple[str, bytes]]
) -> None:
    name, content = hostile()
    body = encode_multipart(BOUNDARY, {"office": "SOF", "file": _file(name, content)})
    status, started = server.api("POST", "imports/", body, MULTIPART_CONTENT)
    assert status == 202, started
    status, job = server.api("GET", f"imports/{started['id']}/")
    assert (status, job["status"]) == (200, "failed")
    assert job["error"]
    assert job["error"] != str(jobs.STOPPED)  # the reader's own message, not an unexpected error
    server.still_serves()


def _file(name: str, content: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/octet-stream")
