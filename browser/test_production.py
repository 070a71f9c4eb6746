"""The production profile, served as the README's Deploying section says: `pristan start` (gunicorn)
under pristan.settings_production, against a PostgreSQL server this test starts (one database for
cases, one for the key store), with the keys and the secret key read from files. A caseworker
created through the services signs in through Chromium, password then authenticator code, and
sees her home page, styled by static files the production server serves itself.

HTTPS is real: the production profile redirects plain HTTP and marks its cookies Secure, so gunicorn
serves TLS with a certificate made for this test (GUNICORN_CMD_ARGS, as a deployment may pass any
gunicorn setting), where a deployment's reverse proxy would terminate it (deploy/nginx.conf).
"""

import datetime
import ipaddress
import json
import os
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from base64 import b64encode
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django_otp.oath import totp
from playwright.sync_api import Browser, Response, expect

from browser.conftest import ARTIFACTS
from conftest import PASSWORD
from tools.with_postgres import throwaway_server

pytestmark = pytest.mark.browser

START_TIMEOUT = 300  # seconds for `pristan start --migrate` to migrate both databases and answer /health/

CREATE_CASEWORKER = f"""
from django.contrib.auth.models import User
from django.db import transaction
from pristan.accounts.models import Authenticator
from pristan.core.models import Office, Organisation, Role
from pristan.core.services import membership_grant

with transaction.atomic():
    organisation = Organisation.objects.create(name="Production Test Mission", is_operator=True, country="BG")
    office = Office.objects.create(organisation=organisation, code="SOF", name="Sofia", country="BG", city="Sofia")
    user = User.objects.create_user("ana", password={PASSWORD!r}, first_name="Ana")
    membership_grant(actor=None, user=user, office=office, role=Role.CASEWORKER, child_clearance=True)
    device = Authenticator.objects.create(user=user, name="Authenticator", confirmed=True)
print(device.bin_key.hex())
"""


@dataclass
class Server:
    url: str
    environ: dict[str, str]
    certificate: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _secret_file(path: Path, value: str) -> Path:
    path.write_text(value + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


def _self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    key_path.chmod(0o600)
    return cert_path, key_path


def _health(url: str, certificate: Path) -> tuple[int, dict[str, object]]:
    context = ssl.create_default_context(cafile=str(certificate))  # verified against the test's own certificate
    try:
        with urllib.request.urlopen(f"{url}/health/", context=context, timeout=10) as response:  # noqa: S310 - https, our server
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture
def postgres() -> Iterator[str]:
    """A throwaway PostgreSQL server with the two databases of a deployment; yields the server's URL without a database."""
    with throwaway_server() as url:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute("CREATE DATABASE pristan")
            connection.execute("CREATE DATABASE pristan_keys")
        yield url.rsplit("/", 1)[0]


@pytest.fixture
def production_server(postgres: str, tmp_path: Path) -> Iterator[Server]:
    secrets_dir = tmp_path / "secrets"
    secrets_dir.mkdir(mode=0o700)
    cert_path, key_path = _self_signed_certificate(secrets_dir)
    port = _free_port()
    environ = {name: value for name, value in os.environ.items() if not name.startswith(("PRISTAN_", "DJANGO_", "DATABASE_"))}
    environ |= {
        "DJANGO_SETTINGS_MODULE": "pristan.settings_production",
        "DATABASE_URL": f"{postgres}/pristan",
        "PRISTAN_KEYS_DATABASE_URL": f"{postgres}/pristan_keys",
        "PRISTAN_SECRET_KEY_FILE": str(_secret_file(secrets_dir / "secret_key", secrets.token_urlsafe(50))),
        "PRISTAN_MASTER_KEYS_FILE": str(_secret_file(secrets_dir / "master_keys", "k1:" + b64encode(os.urandom(32)).decode())),
        "PRISTAN_INDEX_KEY_FILE": str(_secret_file(secrets_dir / "index_key", b64encode(os.urandom(32)).decode())),
        "PRISTAN_VAR_DIR": str(tmp_path / "var"),
        "PRISTAN_ALLOWED_HOSTS": "127.0.0.1",
        "PRISTAN_BIND": f"127.0.0.1:{port}",
        "PRISTAN_WORKERS": "2",
        "PRISTAN_THREADS": "2",
        "GUNICORN_CMD_ARGS": f"--certfile {cert_path} --keyfile {key_path}",
        "LANGUAGE": "en",
    }
    (tmp_path / "var").mkdir()
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "pristan.cli", "start", "--migrate"], env=environ, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"https://127.0.0.1:{port}"
    worker: subprocess.Popen[bytes] | None = None
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if server.poll() is not None:
                pytest.fail(f"pristan start ended with status {server.returncode}:\n{(tmp_path / 'server.log').read_text()}")
            try:
                if _health(url, cert_path)[0] == 200:
                    break
            except OSError:
                pass  # not listening yet
            if time.monotonic() > deadline:
                pytest.fail(f"pristan start did not answer within {START_TIMEOUT} s:\n{(tmp_path / 'server.log').read_text()}")
            time.sleep(0.5)
        # The worker beside it, as deploy/pristan-worker.service runs it, once `start --migrate` has migrated.
        worker = subprocess.Popen(
            [sys.executable, "-m", "pristan.cli", "worker"], env=environ, stdout=log, stderr=subprocess.STDOUT
        )
        while _health(url, cert_path)[1]["checks"] != {"database": "ok", "key_store": "ok", "jobs": "ok", "worker": "ok"}:
            if worker.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"pristan worker did not start:\n{(tmp_path / 'server.log').read_text()}")
            time.sleep(0.5)
        yield Server(url=url, environ=environ, certificate=cert_path)
    finally:
        if worker is not None:
            worker.send_signal(signal.SIGTERM)  # lets a running job finish, then stops
            worker.wait(timeout=60)
        server.send_signal(signal.SIGTERM)  # `pristan start` became gunicorn's master: a graceful stop
        try:
            server.wait(timeout=60)
        finally:
            log.close()


def test_a_caseworker_signs_in_over_the_production_server(browser: Browser, production_server: Server):
    status, body = _health(production_server.url, production_server.certificate)
    assert (status, body) == (
        200,
        {"status": "ok", "checks": {"database": "ok", "key_store": "ok", "jobs": "ok", "worker": "ok"}},
    )

    created = subprocess.run(  # noqa: S603 - Pristan's own command, under the server's settings
        [sys.executable, "-m", "pristan.cli", "shell", "-c", CREATE_CASEWORKER],
        env=production_server.environ, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    device_key = bytes.fromhex(created.stdout.split()[-1])

    context = browser.new_context(ignore_https_errors=True, locale="en-GB")  # the test's own certificate
    page = context.new_page()
    page.set_default_timeout(15_000)
    responses: list[Response] = []
    page.on("response", lambda response: responses.append(response))
    try:
        first = page.goto(f"{production_server.url}/")
        assert first is not None
        expect(page.locator("#id_username")).to_be_visible()  # sent to sign in
        page.fill("#id_username", "ana")
        page.fill("#id_password", PASSWORD)
        page.locator("main form button[type=submit]").click()

        expect(page.locator("h1")).to_have_text("Two-step sign-in")
        page.fill("#id_code", f"{totp(device_key):06d}")
        page.locator("main form button[type=submit]").click()

        expect(page.locator("h1")).to_have_text("Start")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "production-home.png"), full_page=True)
        home = [response for response in responses if response.url == f"{production_server.url}/"][-1]
        assert home.url.startswith("https://")
        assert "max-age=31536000" in home.headers["strict-transport-security"]
        session_cookies = [cookie for cookie in context.cookies() if cookie["name"] == "sessionid"]
        assert session_cookies
        assert session_cookies[0]["secure"]
        assert session_cookies[0]["httpOnly"]

        # The stylesheet came from the production server itself (WhiteNoise, collected by `pristan start`) and applies.
        stylesheets = [response for response in responses if response.url.endswith("/static/pristan/pristan.css")]
        assert stylesheets
        assert stylesheets[-1].status in {200, 304}
        assert stylesheets[-1].headers["content-type"].startswith("text/css")
        assert page.evaluate("[...document.styleSheets].reduce((rules, sheet) => rules + sheet.cssRules.length, 0)") > 10
    finally:
        context.close()
