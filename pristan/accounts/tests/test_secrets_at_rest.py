"""Second-step secrets at rest: a copy of the case database holds no authenticator secret and no
recovery code, so it cannot produce a code that signs anyone in."""

import re
from base64 import b32decode, b32encode
from binascii import hexlify

from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp

from conftest import PASSWORD
from pristan.keystore.models import DataKey

MY_CASES = "/cases/mine/"
SECOND_STEP_TABLES = ("accounts_", "otp_")


def _enrol(user: User) -> tuple[Client, bytes, list[str]]:
    """Set up the authenticator through the pages, as a user does: the secret the page shows and
    the recovery codes shown once."""
    client = Client()
    client.force_login(user)
    page = client.get(reverse("mfa_enrol")).content.decode()
    shown = re.search(r'<code id="totp-secret"[^>]*>([A-Z2-7 ]+)</code>', page)
    assert shown is not None
    secret = b32decode(shown.group(1).replace(" ", ""))
    response = client.post(reverse("mfa_enrol"), {"code": f"{totp(secret):06d}"})
    assert response.status_code == 302
    codes_page = client.get(reverse("mfa_recovery_codes")).content.decode()
    codes = re.findall(r"<li><code>([a-z2-7]{4}(?:-[a-z2-7]{4}){5})</code></li>", codes_page)
    assert len(codes) == 10
    return client, secret, codes


def _next_code(secret: bytes) -> str:
    """The code of the next time step: within the tolerated window, and later than the step the
    enrolment used (a code is accepted once), whenever the step boundary falls."""
    return f"{totp(secret, drift=1):06d}"


def _case_database_text() -> str:
    """Every value of every column of every table that the second step uses, as text (bytes as hex)."""
    values: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            if not table.startswith(SECOND_STEP_TABLES):
                continue
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - names from the schema
            for row in cursor.fetchall():
                values += [bytes(value).hex() if isinstance(value, bytes | memoryview) else str(value) for value in row]
    return "\n".join(values).casefold()


def _sign_in(user: User, code: str) -> int:
    client = Client()
    client.force_login(user)
    client.post(reverse("mfa_verify"), {"code": code})
    return client.get(MY_CASES).status_code


def test_the_case_database_holds_no_authenticator_secret_and_no_recovery_code(ana):
    _client, secret, codes = _enrol(ana)
    stored = _case_database_text()
    assert hexlify(secret).decode() not in stored
    assert b32encode(secret).decode().rstrip("=").casefold() not in stored
    for code in codes:
        assert code.replace("-", "") not in stored


def test_a_code_from_the_secret_still_signs_in(ana):
    _client, secret, _codes = _enrol(ana)
    assert _sign_in(ana, _next_code(secret)) == 200


def test_a_copy_of_the_case_database_without_the_key_store_accepts_no_code(ana):
    _client, secret, _codes = _enrol(ana)
    DataKey.objects.all().delete()  # the key store as a thief of the case database has it: empty
    assert _sign_in(ana, _next_code(secret)) == 302
    assert Client().login(username="ana", password=PASSWORD)  # the password alone still works: the second step does not


def test_a_lost_secret_is_not_an_empty_one(ana):
    """Whoever guesses that a lost secret reads as empty bytes computes codes from those: refused."""
    _enrol(ana)
    DataKey.objects.all().delete()
    assert _sign_in(ana, f"{totp(b'', drift=1):06d}") == 302
