"""Secrets at rest: a copy of the case database holds no authenticator secret, no recovery code and
no session key, so it cannot produce a code or a cookie that signs anyone in."""

import re
import time
from base64 import b32decode, b32encode
from binascii import hexlify
from importlib import import_module
from uuid import UUID

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.db.migrations.exceptions import IrreversibleError
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp

from conftest import PASSWORD, authenticator_of, current_code
from pristan.accounts import services
from pristan.accounts.models import Authenticator, UserSession
from pristan.accounts.sessions import stored_session_key
from pristan.core import crypto
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
    stored_before_shown = _case_database_text()
    codes_page = client.get(reverse("mfa_recovery_codes")).content.decode()
    codes = re.findall(r"<li><code>([a-z2-7]{4}(?:-[a-z2-7]{4}){5})</code></li>", codes_page)
    assert len(codes) == 10
    for code in codes:
        assert code.replace("-", "") not in stored_before_shown  # nor in the session waiting to show them
    return client, secret, codes


def _next_code(secret: bytes) -> str:
    """The code of the next time step: within the tolerated window, and later than the step the
    enrolment used (a code is accepted once), whenever the step boundary falls."""
    return f"{totp(secret, drift=1):06d}"


def _case_database_text() -> str:
    """Every value of every column of every table that the second step uses, as text (bytes as hex),
    and every session as a thief reads it (its data is signed, not encrypted)."""
    values = [str(SessionStore().decode(session.session_data)) for session in Session.objects.all()]
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


# --- the device's data key goes with it --------------------------------------------------------


def _key_of(user: User) -> UUID:
    key_id = Authenticator.objects.get(user=user, confirmed=True).key_id
    assert key_id is not None
    assert DataKey.objects.filter(id=key_id).exists()
    return key_id


def test_the_secret_is_sealed_under_a_data_key_of_its_own(ana, boris):
    authenticator_of(ana), authenticator_of(boris)
    keys = {_key_of(ana), _key_of(boris)}
    assert len(keys) == 2
    stored = Authenticator.objects.filter(user=ana).values_list("secret", flat=True).get()
    assert isinstance(stored, bytes)
    assert crypto.blob_key_id(stored) == _key_of(ana)


def test_a_reset_by_an_administrator_destroys_the_key(ana, django_capture_on_commit_callbacks):
    authenticator_of(ana)
    key_id = _key_of(ana)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.second_step_reset(actor=None, user=ana) == 1
    assert not DataKey.objects.filter(id=key_id).exists()


def test_a_replaced_authenticator_takes_its_key_with_it(ana, client_of, django_capture_on_commit_callbacks):
    client = client_of(ana)
    old = _key_of(ana)
    client.get(reverse("mfa_enrol"))
    new = Authenticator.objects.get(user=ana, confirmed=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("mfa_enrol"), {"code": current_code(new)}).status_code == 302
    assert not DataKey.objects.filter(id=old).exists()
    assert _key_of(ana) == new.key_id


def test_deleting_the_user_destroys_the_key(ana, django_capture_on_commit_callbacks):
    authenticator_of(ana)
    key_id = _key_of(ana)
    with django_capture_on_commit_callbacks(execute=True):
        User.objects.filter(pk=ana.pk).delete()
    assert not DataKey.objects.filter(id=key_id).exists()


# --- the migration that seals the secrets django-otp kept in clear -----------------------------

SEALING = ("accounts", "0004_seal_legacy_authenticators")
LEGACY_TABLE = "otp_totp_totpdevice"


def _legacy_table() -> None:
    """django-otp's TOTP table as its last migration left it."""
    timestamp = "timestamp with time zone" if connection.vendor == "postgresql" else "datetime"
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {LEGACY_TABLE} (id integer PRIMARY KEY, user_id integer NOT NULL, name varchar(64) NOT NULL, "
            'confirmed boolean NOT NULL, "key" varchar(80) NOT NULL, step smallint NOT NULL, t0 bigint NOT NULL, '
            "digits smallint NOT NULL, tolerance smallint NOT NULL, drift smallint NOT NULL, last_t bigint NOT NULL, "
            f"throttling_failure_timestamp {timestamp} NULL, throttling_failure_count integer NOT NULL, "
            f"created_at {timestamp} NULL, last_used_at {timestamp} NULL)"
        )


def _legacy_device(pk: int, user: User, secret: bytes, *, confirmed: bool = True, last_t: int = -1) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            'INSERT INTO otp_totp_totpdevice (id, user_id, name, confirmed, "key", step, t0, digits, tolerance, drift, last_t, '
            "throttling_failure_count) VALUES (%s, %s, 'Authenticator app', %s, %s, 30, 0, 6, 1, 0, %s, 0)",
            [pk, user.pk, confirmed, secret.hex(), last_t],
        )


def _migrate_again_from_before_the_sealing() -> None:
    recorder = MigrationRecorder(connection)
    recorder.record_unapplied(*SEALING)
    recorder.record_applied("otp_totp", "0003_add_timestamps")  # as an installation of the plugin had it
    executor = MigrationExecutor(connection)
    executor.migrate([SEALING])


@pytest.mark.django_db(transaction=True)
def test_the_migration_seals_every_secret_in_clear_and_codes_still_verify(ana, boris, marko, monkeypatch):
    monkeypatch.setattr(import_module("pristan.accounts.migrations.0004_seal_legacy_authenticators"), "BATCH", 2)
    secrets = {user: bytes([index]) * 20 for index, user in enumerate((ana, boris, marko), start=1)}
    _legacy_table()
    for pk, (user, secret) in enumerate(secrets.items(), start=7):
        _legacy_device(pk, user, secret, confirmed=user != marko)

    _migrate_again_from_before_the_sealing()

    assert LEGACY_TABLE not in connection.introspection.table_names()
    assert not MigrationRecorder(connection).migration_qs.filter(app="otp_totp").exists()
    stored = _case_database_text()
    for secret in secrets.values():
        assert secret.hex() not in stored
    devices = {device.user: device for device in Authenticator.objects.all()}
    assert set(devices) == {ana, boris, marko}
    assert [devices[user].confirmed for user in (ana, boris, marko)] == [True, True, False]
    assert len({device.key_id for device in devices.values()}) == 3
    assert all(devices[user].bin_key == secret for user, secret in secrets.items())
    assert _sign_in(ana, f"{totp(secrets[ana]):06d}") == 200  # a code from the phone as it was set up
    assert _sign_in(marko, f"{totp(secrets[marko]):06d}") == 302  # never confirmed: still not a second step

    _migrate_again_from_before_the_sealing()  # again, with nothing left to seal: nothing changes
    assert Authenticator.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_the_replay_protection(ana):
    secret = bytes(range(20))
    _legacy_table()
    current_step = int(time.time()) // 30
    _legacy_device(1, ana, secret, last_t=current_step + 1)  # the codes up to the next step were used
    _migrate_again_from_before_the_sealing()
    assert Authenticator.objects.get(user=ana).last_t == current_step + 1
    assert _sign_in(ana, f"{totp(secret):06d}") == 302


@pytest.mark.django_db(transaction=True)
def test_the_migration_cannot_be_undone_by_writing_the_secrets_in_clear_again():
    executor = MigrationExecutor(connection)
    with pytest.raises(IrreversibleError, match="in clear again"):
        executor.migrate([("accounts", "0003_authenticator")])
    assert MigrationRecorder(connection).migration_qs.filter(app=SEALING[0], name=SEALING[1]).exists()


# --- session keys ------------------------------------------------------------------------------


def _stored_session_keys() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT session_key FROM django_session")
        sessions = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT session_key FROM accounts_usersession")
        return sessions + [row[0] for row in cursor.fetchall()]


def test_the_case_database_holds_no_session_key_that_signs_in(ana, client_of):
    client = client_of(ana)
    assert client.get(MY_CASES).status_code == 200
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    stored = _stored_session_keys()
    assert stored
    assert cookie not in stored
    for key in stored:  # a thief of the case database puts each key it holds in a cookie
        thief = Client()
        thief.cookies[settings.SESSION_COOKIE_NAME] = key
        assert thief.get(MY_CASES).status_code == 302


def test_signing_out_everywhere_still_finds_every_session(ana, client_of):
    office, home = client_of(ana), client_of(ana)
    assert office.post(reverse("logout")).status_code == 302
    assert home.get(MY_CASES).status_code == 302
    assert not Session.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_only_digests_of_the_keys_and_browsers_stay_signed_in(ana, client_of):
    client = client_of(ana)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    digest = stored_session_key(cookie)
    Session.objects.filter(session_key=digest).update(session_key=cookie)  # as Django's own store kept it
    UserSession.objects.filter(session_key=digest).update(session_key=cookie)
    recorder = MigrationRecorder(connection)
    recorder.record_unapplied("accounts", "0005_session_key_digests")
    MigrationExecutor(connection).migrate([("accounts", "0005_session_key_digests")])
    assert cookie not in _stored_session_keys()
    assert _stored_session_keys() == [digest, digest]
    assert client.get(MY_CASES).status_code == 200
