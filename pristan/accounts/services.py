"""Sign-in, throttling, confirming identity again before a sensitive action, and sessions.

Throttling never locks an account for everyone, so that nobody can lock out an office by
typing its staff's usernames wrongly:

* **A username from one address** (`PAIR_FAILURES` failures within `WINDOW`) is locked for
  `PAIR_LOCK`. The same user can still sign in from any other address.
* **An address** (`ADDRESS_FAILURES` failures within `WINDOW`, whatever the usernames) is blocked
  for `ADDRESS_BLOCK`: a password sprayer. An office behind one address would need that many
  failures in a quarter of an hour to block itself.
* **A username from many addresses** (more than `ACCOUNT_SLOWDOWN_AFTER` failures within
  `WINDOW`): no lock, but every further attempt for that username waits one more second before
  the password is checked, up to `MAX_DELAY_SECONDS`. A distributed guesser is slowed and shows up
  in the audit trail; the real user still gets in; and the second step (TOTP) stands behind the
  password anyway.

Attempts refused because of a lock are recorded (`refused`) but are not counted as failures,
so a locked-out user retrying does not extend the lock or push the office's address towards a
block. A successful sign-in clears the count for its username and address. The messages are the
same whether or not the username exists, and unknown usernames are throttled the same way.

IPv6 addresses are counted by their /64 network, which one client usually controls as a whole.

API tokens are throttled by the same limits and locks (`Limit`, `lock_when_reached`, `lock_ends`;
api/tokens.py counts their failures): a token's prefix stands for the username.
"""

import hashlib
import ipaddress
import json
import secrets
import time
import unicodedata
from base64 import b32encode, b64decode, b64encode
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import connection, transaction
from django.db.models import Max, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.views.decorators.debug import sensitive_variables
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from pristan.accounts.models import Authenticator, LoginAttempt, SignInLock, UserSession
from pristan.accounts.sessions import SessionStore, stored_session_key
from pristan.core import crypto
from pristan.core.audit import audit_record
from pristan.core.http import client_ip
from pristan.core.models import AuditEntry
from pristan.keystore.services import data_key

WINDOW = timedelta(minutes=15)
PAIR_FAILURES = 5
PAIR_LOCK = timedelta(minutes=15)
ADDRESS_FAILURES = 30
ADDRESS_BLOCK = timedelta(minutes=15)
ACCOUNT_SLOWDOWN_AFTER = 20
MAX_DELAY_SECONDS = 10

RECOVERY_CODE_COUNT = 10
# Recovery codes: 24 base32 letters (120 bits, above ASVS 2.6.2's 112), stored only as a keyed
# digest (HMAC with the secret key, 80 bits in StaticToken's 16 characters), never as themselves.
RECOVERY_CODE_LENGTH = 24
RECOVERY_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
SHOWN_ONCE_AAD = b"pristan.accounts.recovery-codes-to-show"

SIGNED_IN_AT = "pristan_signed_in_at"  # session key: when the password was accepted (Unix time)
REAUTHENTICATED_AT = "pristan_reauthenticated_at"  # session key: when identity was last confirmed again (Unix time)

sleep = time.sleep  # replaced in tests


# --- who and where ------------------------------------------------------------------------------


def normalise_username(username: str) -> str:
    """The form attempts are counted by: `Ana`, `ana ` and `ＡＮＡ` are one name."""
    return unicodedata.normalize("NFKC", username).strip().casefold()[:150]


def network_of(ip: str) -> str:
    """What throttling counts by: an IPv4 address itself, an IPv6 address's /64 network."""
    address = ipaddress.ip_address(ip)
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


# --- throttling ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Gate:
    """Whether an attempt may go ahead, and how long it must wait first."""

    refused: bool
    delay: float = 0.0


def _now(now: datetime | None) -> datetime:
    return now if now is not None else timezone.now()


def sign_in_gate(*, username: str, ip: str, now: datetime | None = None) -> Gate:
    now = _now(now)
    name, network = normalise_username(username), network_of(ip)
    locked = (
        SignInLock.objects.filter(network=network, ends_at__gt=now, starts_at__lte=now)
        .filter(Q(username=name) | Q(username=""))
        .exists()
    )
    if locked:
        return Gate(refused=True)
    failures = LoginAttempt.objects.filter(username=name, succeeded=False, refused=False, at__gt=now - WINDOW).count()
    beyond = failures - ACCOUNT_SLOWDOWN_AFTER
    return Gate(refused=False, delay=float(min(beyond, MAX_DELAY_SECONDS)) if beyond > 0 else 0.0)


@dataclass(frozen=True)
class Limit:
    """So many failures within WINDOW lock the name (or the address) for so long."""

    failures: int
    lock: timedelta


PAIR = Limit(PAIR_FAILURES, PAIR_LOCK)  # one name (a username, a token's prefix) from one address
ADDRESS = Limit(ADDRESS_FAILURES, ADDRESS_BLOCK)  # one address, whatever the names


def lock_when_reached(*, limit: Limit, failures: int, subject: str, network: str, now: datetime) -> SignInLock | None:
    """The lock on ``subject`` from ``network`` that ``failures`` within the window reach, made now;
    None below the limit. One rule for passwords and API tokens."""
    if failures < limit.failures:
        return None
    return SignInLock.objects.create(username=subject, network=network, starts_at=now, ends_at=now + limit.lock)


def lock_ends(*, subjects: list[str], network: str, now: datetime) -> datetime | None:
    """When the last lock in force on any of ``subjects`` from ``network`` ends (None: none is)."""
    found: datetime | None = SignInLock.objects.filter(
        network=network, username__in=subjects, starts_at__lte=now, ends_at__gt=now
    ).aggregate(last=Max("ends_at"))["last"]
    return found


def _counted_since(now: datetime, *others: datetime | None) -> datetime:
    return max([now - WINDOW, *[other for other in others if other is not None]])


def _audit_object(user: User | None, attempt: LoginAttempt) -> User | LoginAttempt:
    """The user when the username exists; otherwise the attempt, so the trail reveals no one."""
    return user if user is not None else attempt


def record_refused(*, username: str, ip: str, user: User | None, now: datetime | None = None) -> LoginAttempt:
    """An attempt refused because of a lock; the password was not checked."""
    now = _now(now)
    with transaction.atomic():
        attempt = LoginAttempt.objects.create(
            username=normalise_username(username), ip=ip, network=network_of(ip), at=now, refused=True
        )
        audit_record(
            actor=None, action=AuditEntry.Action.SIGN_IN_FAILED, obj=_audit_object(user, attempt),
            detail="refused: locked", ip=ip,
        )  # fmt: skip
    return attempt


def record_failure(
    *, username: str, ip: str, user: User | None, detail: str = "wrong password", now: datetime | None = None
) -> bool:
    """A wrong username or password. Locks the username from this address, or the whole address,
    when this failure reaches the limits; returns whether it did."""
    now = _now(now)
    name, network = normalise_username(username), network_of(ip)
    locked = False
    with transaction.atomic():
        attempt = LoginAttempt.objects.create(username=name, ip=ip, network=network, at=now)
        audit_record(actor=None, action=AuditEntry.Action.SIGN_IN_FAILED, obj=_audit_object(user, attempt), detail=detail, ip=ip)

        pair = LoginAttempt.objects.filter(username=name, network=network)
        since = _counted_since(
            now,
            SignInLock.objects.filter(username=name, network=network, ends_at__lte=now).aggregate(last=Max("ends_at"))["last"],
            pair.filter(succeeded=True, at__lte=now).aggregate(last=Max("at"))["last"],
        )
        failures = pair.filter(succeeded=False, refused=False, at__gt=since, at__lte=now).count()
        if lock_when_reached(limit=PAIR, failures=failures, subject=name, network=network, now=now):
            audit_record(
                actor=None, action=AuditEntry.Action.LOCKED_OUT, obj=_audit_object(user, attempt),
                detail=f"{PAIR_FAILURES} failures for this username from {network}; locked there for "
                f"{int(PAIR_LOCK.total_seconds() // 60)} minutes",
                ip=ip,
            )  # fmt: skip
            locked = True

        since = _counted_since(
            now, SignInLock.objects.filter(username="", network=network, ends_at__lte=now).aggregate(last=Max("ends_at"))["last"]
        )
        failures = LoginAttempt.objects.filter(network=network, succeeded=False, refused=False, at__gt=since, at__lte=now).count()
        if lock_when_reached(limit=ADDRESS, failures=failures, subject="", network=network, now=now):
            audit_record(
                actor=None, action=AuditEntry.Action.LOCKED_OUT, obj=attempt,
                detail=f"{ADDRESS_FAILURES} failures from {network} for any username; address blocked for "
                f"{int(ADDRESS_BLOCK.total_seconds() // 60)} minutes",
                ip=ip,
            )  # fmt: skip
            locked = True
    return locked


def record_success(*, user: User, ip: str, now: datetime | None = None) -> LoginAttempt:
    """The password was right. Call inside the transaction that signs the user in."""
    now = _now(now)
    attempt = LoginAttempt.objects.create(
        username=normalise_username(user.get_username()), ip=ip, network=network_of(ip), at=now, succeeded=True
    )
    audit_record(actor=user, action=AuditEntry.Action.SIGN_IN, obj=user, detail="password", ip=ip)
    return attempt


@contextmanager
def one_attempt_at_a_time(*, username: str, ip: str) -> Iterator[None]:
    """Checks the lock, the password and records the outcome of one (username, address) pair one
    attempt at a time, so that parallel guesses cannot all slip under the limit. SQLite's IMMEDIATE
    transactions already serialise writers; PostgreSQL takes a transaction-level advisory lock."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            key = f"{normalise_username(username)}|{network_of(ip)}".encode()
            number = int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big", signed=True)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [number])
        yield


def pause(seconds: float) -> None:
    if seconds > 0:
        sleep(seconds)


# --- two-step sign-in ---------------------------------------------------------------------------


def mfa_required(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Every signed-in user needs the second step. All roles see personal data, and a rule that
    listed the kinds of access (memberships, partner memberships, staff) would miss the next one."""
    return bool(user.is_authenticated)


def user_has_totp(user: User) -> bool:
    return Authenticator.objects.filter(user=user, confirmed=True).exists()


def is_verified(request: HttpRequest) -> bool:
    verified = getattr(request.user, "is_verified", None)
    return bool(verified()) if callable(verified) else False


def enrolment_device(*, user: User, device_id: int | None) -> Authenticator:
    """The unconfirmed authenticator of this enrolment: the one this session started, or a new
    one. Another session's unconfirmed secret is thrown away, so nobody who saw it can reuse it."""
    with transaction.atomic():
        if device_id is not None:
            device = Authenticator.objects.filter(pk=device_id, user=user, confirmed=False).first()
            if device is not None:
                return device
        devices_delete(
            actor=user, user=user, devices=Authenticator.objects.filter(user=user, confirmed=False),
            detail="unconfirmed authenticator of another enrolment discarded",
        )  # fmt: skip
        return Authenticator.objects.create(user=user, name="Authenticator app", confirmed=False)


def devices_delete(
    *,
    actor: User | None,
    user: User,
    devices: "QuerySet[Authenticator] | QuerySet[StaticDevice]",
    detail: str,
    ip: str | None = None,
) -> int:
    """Delete second-step devices of `user` (authenticators, sets of recovery codes), each an
    audit entry in the same transaction. Returns how many there were."""
    with transaction.atomic():
        deleted = 0
        for device in devices.select_for_update():
            audit_record(actor=actor, action=AuditEntry.Action.DELETE, obj=device, fields=["confirmed"], detail=detail, ip=ip)
            device.delete()
            deleted += 1
    return deleted


def second_step_reset(*, actor: User | None, user: User) -> int:
    """Remove every authenticator and recovery code of the user (after a lost phone) and end their
    sessions: at the next sign-in they set up the second step again. Returns the devices removed."""
    with transaction.atomic():
        detail = "second step reset by an administrator"
        removed = devices_delete(actor=actor, user=user, devices=Authenticator.objects.filter(user=user), detail=detail)
        removed += devices_delete(actor=actor, user=user, devices=StaticDevice.objects.filter(user=user), detail=detail)
        audit_record(actor=actor, action=AuditEntry.Action.CONFIGURE, obj=user, fields=["second_step"], detail=detail)
    end_all_sessions(user)
    return removed


def new_recovery_code() -> str:
    return "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))


def recovery_digest(code: str) -> str:
    """What is stored for a recovery code: a keyed digest that fits StaticToken's 16 characters."""
    digest = salted_hmac("pristan.accounts.recovery-code", normalise_code(code)).digest()
    return b32encode(digest).decode("ascii").lower()[:16]


def normalise_code(code: str) -> str:
    return "".join(char for char in code.casefold() if char.isalnum())


def format_recovery_code(code: str) -> str:
    return "-".join(code[index : index + 4] for index in range(0, len(code), 4))


def recovery_codes_sealed(*, device: Authenticator, codes: list[str]) -> str:
    """The new recovery codes as the session keeps them until they are shown once: sealed under
    the authenticator's data key, because the session store is a table of the case database."""
    key = data_key(device.sealing_key_id())
    if key is None:
        raise crypto.SealError("The authenticator's data key is gone: its recovery codes cannot be kept to show.")
    return b64encode(crypto.seal(device.sealing_key_id(), key, json.dumps(codes).encode(), SHOWN_ONCE_AAD)).decode("ascii")


def recovery_codes_opened(sealed: str) -> list[str]:
    """The codes sealed by `recovery_codes_sealed`; none when the authenticator is gone since."""
    try:
        blob = b64decode(sealed, validate=True)
        key = data_key(crypto.blob_key_id(blob))
        codes = json.loads(crypto.open_blob(blob, key, SHOWN_ONCE_AAD)) if key is not None else []
    except (ValueError, crypto.SealError):
        return []
    return [str(code) for code in codes] if isinstance(codes, list) else []


def confirm_enrolment(*, request: HttpRequest, user: User, device: Authenticator, code: str, ip: str) -> list[str] | None:
    """Confirm the authenticator with a current code; on success replace the recovery codes,
    mark this session verified and return the new codes (shown once)."""
    with transaction.atomic():
        device = Authenticator.objects.select_for_update().get(pk=device.pk)
        if device.confirmed or not device.verify_token(normalise_code(code)):
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        replaced = "replaced by a new authenticator"
        devices_delete(
            actor=user, user=user, devices=Authenticator.objects.filter(user=user).exclude(pk=device.pk), detail=replaced, ip=ip
        )
        devices_delete(actor=user, user=user, devices=StaticDevice.objects.filter(user=user), detail=replaced, ip=ip)
        recovery = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
        codes = [new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create([StaticToken(device=recovery, token=recovery_digest(code)) for code in codes])
        audit_record(actor=user, action=AuditEntry.Action.MFA_ENROLLED, obj=user, detail="authenticator app", ip=ip)
    otp_login(request, device)
    rotate_session(request)
    return codes


@dataclass(frozen=True)
class Verification:
    ok: bool
    throttled: bool = False
    recovery_codes_left: int | None = None  # set when a recovery code was used


@dataclass(frozen=True)
class CodeCheck:
    """The outcome of checking a second-step code: the device that accepted it, if any."""

    device: Authenticator | StaticDevice | None
    throttled: bool = False
    recovery_codes_left: int | None = None  # set when a recovery code was used

    @property
    def method(self) -> str:
        return "recovery code" if self.recovery_codes_left is not None else "authenticator app"


def check_code(*, user: User, code: str) -> CodeCheck:
    """Whether `code` is a current authenticator code or an unused recovery code of the user (which
    it then uses up). Runs inside the transaction that records the outcome."""
    token = normalise_code(code)
    devices: list[Authenticator | StaticDevice] = []
    if token.isdigit():
        devices += list(Authenticator.objects.filter(user=user, confirmed=True))
    if len(token) == RECOVERY_CODE_LENGTH or not token.isdigit():
        devices += list(StaticDevice.objects.filter(user=user, confirmed=True))
    throttled = False
    for candidate in devices:
        device = type(candidate).objects.select_for_update().get(pk=candidate.pk)
        allowed, _ = device.verify_is_allowed()
        if not allowed:
            throttled = True
            continue
        if device.verify_token(recovery_digest(token) if isinstance(device, StaticDevice) else token):
            left = device.token_set.count() if isinstance(device, StaticDevice) else None
            return CodeCheck(device=device, recovery_codes_left=left)
    return CodeCheck(device=None, throttled=throttled)


def verify_second_step(*, request: HttpRequest, user: User, code: str, ip: str) -> Verification:
    """Accept a current authenticator code or an unused recovery code (which is then used up)."""
    with transaction.atomic():
        check = check_code(user=user, code=code)
        if check.device is not None:
            audit_record(actor=user, action=AuditEntry.Action.SIGN_IN, obj=user, detail=f"second step: {check.method}", ip=ip)
            otp_login(request, check.device)
            rotate_session(request)
            return Verification(ok=True, recovery_codes_left=check.recovery_codes_left)
        audit_record(actor=None, action=AuditEntry.Action.SIGN_IN_FAILED, obj=user, detail="second step: wrong code", ip=ip)
    return Verification(ok=False, throttled=check.throttled)


# --- confirming identity again before a sensitive action ----------------------------------------


class Confirmation(Enum):
    CONFIRMED = "confirmed"
    WRONG = "wrong"  # the password or the code is not right (which one is not said)
    THROTTLED = "throttled"  # too many wrong codes for the authenticator: wait a minute
    LOCKED = "locked"  # sign-in is locked for this username from this address


@sensitive_variables("password", "code")
def reauthenticate(*, request: HttpRequest, user: User, password: str, code: str) -> Confirmation:
    """Confirm that the person at the keyboard is the signed-in user before a sensitive action
    (an export of identifiable data): the password and a second-step code again. Throttled and
    locked exactly like signing in: a wrong password or a wrong code is a failed attempt for this
    username from this address. On success the time is kept in the session (see
    `recently_reauthenticated`) and the session key changes."""
    ip = client_ip(request)
    username = user.get_username()
    pause(sign_in_gate(username=username, ip=ip).delay)
    outcome = Confirmation.WRONG
    with one_attempt_at_a_time(username=username, ip=ip):
        if sign_in_gate(username=username, ip=ip).refused:
            record_refused(username=username, ip=ip, user=user)
            outcome = Confirmation.LOCKED
        elif not (user.is_active and user.check_password(password)):
            locked = record_failure(username=username, ip=ip, user=user, detail="re-authentication: wrong password")
            outcome = Confirmation.LOCKED if locked else Confirmation.WRONG
        else:
            check = check_code(user=user, code=code)
            if check.device is None:
                locked = record_failure(username=username, ip=ip, user=user, detail="re-authentication: wrong code")
                outcome = Confirmation.LOCKED if locked else Confirmation.THROTTLED if check.throttled else Confirmation.WRONG
            else:
                _record_reauthentication(user=user, ip=ip, method=check.method)
                outcome = Confirmation.CONFIRMED
    if outcome is Confirmation.CONFIRMED:
        rotate_session(request)
        request.session[REAUTHENTICATED_AT] = time.time()
    return outcome


def _record_reauthentication(*, user: User, ip: str, method: str) -> None:
    """A success like a sign-in's: it clears the count of failures for this username and address."""
    LoginAttempt.objects.create(username=normalise_username(user.get_username()), ip=ip, network=network_of(ip), succeeded=True)
    detail = f"re-authenticated: password and {method}"
    audit_record(actor=user, action=AuditEntry.Action.SIGN_IN, obj=user, detail=detail, ip=ip)


def recently_reauthenticated(request: HttpRequest, now: float | None = None) -> bool:
    """Whether this session confirmed the user's identity again within PRISTAN_REAUTH_SECONDS."""
    stamp = request.session.get(REAUTHENTICATED_AT)
    now = time.time() if now is None else now
    return isinstance(stamp, int | float) and 0 <= now - stamp <= settings.PRISTAN_REAUTH_SECONDS


# --- sessions -----------------------------------------------------------------------------------


def track_session(request: HttpRequest, user: User) -> None:
    """At sign-in: stamp the time (for the absolute lifetime) and remember the session as the
    user's; forget the user's sessions that have already ended."""
    session = request.session
    session[SIGNED_IN_AT] = int(time.time())
    if session.session_key is None:
        session.save()  # login() flushed the old session; the new one needs its key now
    key = session.session_key
    if key is None:
        return
    known = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    live = SessionStore.stored_alive(known)
    UserSession.objects.filter(user=user, session_key__in=set(known) - live).delete()
    UserSession.objects.update_or_create(session_key=stored_session_key(key), defaults={"user": user})


def session_key_changed(old: str | None, new: str | None) -> None:
    """The session took a new key (it gained privileges): it is still the same user's."""
    if old and new and old != new:
        UserSession.objects.filter(session_key=stored_session_key(old)).update(session_key=stored_session_key(new))


def rotate_session(request: HttpRequest) -> None:
    """A new session key after the second step (the session gained privileges)."""
    old = request.session.session_key
    request.session.cycle_key()
    session_key_changed(old, request.session.session_key)


def forget_session(session_key: str | None) -> None:
    if session_key:
        UserSession.objects.filter(session_key=stored_session_key(session_key)).delete()


def end_all_sessions(user: AbstractBaseUser) -> int:
    """End every session the user signed in to, on every device. Returns how many there were."""
    stored = list(UserSession.objects.filter(user_id=user.pk).values_list("session_key", flat=True))
    SessionStore.delete_stored(stored)
    UserSession.objects.filter(user_id=user.pk).delete()
    return len(stored)


def sign_out(*, request: HttpRequest, reason: str = "signed out") -> None:
    """Audit the sign-out and end all of the user's sessions (the caller then logs out)."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        return
    with transaction.atomic():
        audit_record(actor=user, action=AuditEntry.Action.SIGN_OUT, obj=user, detail=reason, ip=client_ip(request))
    end_all_sessions(user)


def session_expired(request: HttpRequest, now: float | None = None) -> bool:
    """Whether the session has outlived the absolute lifetime (or was never stamped)."""
    stamp = request.session.get(SIGNED_IN_AT)
    now = time.time() if now is None else now
    return not isinstance(stamp, int | float) or now - stamp > settings.PRISTAN_SESSION_MAX_SECONDS


def audit_expiry(request: HttpRequest) -> None:
    user = request.user
    if isinstance(user, User):
        with transaction.atomic():
            audit_record(
                actor=user, action=AuditEntry.Action.SIGN_OUT, obj=user, detail="session reached its maximum lifetime",
                ip=client_ip(request),
            )  # fmt: skip
