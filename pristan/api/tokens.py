"""Creating, checking and revoking personal access tokens. Every creation, revocation and use is an
audit entry with the token's id and prefix, never its secret.

Refused tokens are throttled as passwords are (accounts/services.py: the same window, limits and
locks): a real token's prefix from one address is locked after PAIR_FAILURES failures (so a script
retrying a revoked token does not block its office's address), and an address after
ADDRESS_FAILURES refused tokens of any kind, when even a right token from it is refused (429, with
Retry-After) until the lock ends. Nobody can lock a token for everyone: other addresses still use it.
Refusals are counted in TokenRefusal rows (one per address and prefix); the audit trail gets one
entry for the first refusal of each window and one when a lock starts, with the count, never one
per guess.
"""

import hmac
import math
import re
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_variables

from pristan.accounts.services import ADDRESS, PAIR, WINDOW, lock_ends, lock_when_reached, network_of
from pristan.api.models import AccessToken, Resource, TokenRefusal
from pristan.core.audit import audit_record
from pristan.core.http import client_ip
from pristan.core.models import AuditEntry
from pristan.core.text import text_errors

DIGEST_SALT = "pristan.api.token.v1"
MAX_LIFETIME_DAYS = 90
PREFIX_LENGTH = 12
TOKEN_PATTERN = re.compile(r"^pristan_([a-z2-7]{12})_([A-Za-z0-9_-]{43})$")

TOKEN_NAME = _("Name")
NEEDS_NAME = _("Give the token a name that says what uses it.")
NEEDS_ACCESS = _("Choose read, write or both.")
NEEDS_RESOURCE = _("Choose at least one kind of record.")
EXPIRY_PAST = _("The token must expire after today.")
EXPIRY_TOO_LATE = _("A token can last at most %(days)d days.")

UNKNOWN_PREFIX = "?"  # what refusals of a token that is not one of ours are counted under
ADDRESS_SUBJECT = "token:"  # the lock on an address, for tokens (sign-in's address lock is "")

clock = timezone.now  # replaced in tests


def digest_of(token: str, secret: str | bytes | None = None) -> str:
    """A keyed SHA-256 of the whole token (keyed by the secret key: the database alone can't check a guess)."""
    return salted_hmac(DIGEST_SALT, token, secret=secret, algorithm="sha256").hexdigest()


def _new_prefix() -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyz234567"
    return "".join(secrets.choice(alphabet) for _ in range(PREFIX_LENGTH))


@sensitive_variables("token")
@transaction.atomic
def token_create(
    *, actor: User, name: str, reads: bool, writes: bool, resources: Iterable[str], expires_on: date, ip: str | None = None
) -> tuple[AccessToken, str]:
    """A new token for the actor; returns it with the secret, which is shown once and never kept."""
    chosen = sorted(set(resources))
    today = timezone.localdate()
    name = unicodedata.normalize("NFC", name)
    errors: dict[str, object] = dict(text_errors({"name": name}, {"name": TOKEN_NAME}))
    if not name.strip():
        errors["name"] = NEEDS_NAME
    if not (reads or writes):
        errors["writes"] = NEEDS_ACCESS
    if not chosen or any(resource not in Resource.values for resource in chosen):
        errors["resources"] = NEEDS_RESOURCE
    if expires_on <= today:
        errors["expires_on"] = EXPIRY_PAST
    elif expires_on > today + timedelta(days=MAX_LIFETIME_DAYS):
        errors["expires_on"] = ValidationError(EXPIRY_TOO_LATE, params={"days": MAX_LIFETIME_DAYS})
    if errors:
        raise ValidationError(errors)
    prefix = _new_prefix()
    while AccessToken.objects.filter(prefix=prefix).exists():
        prefix = _new_prefix()
    token = f"pristan_{prefix}_{secrets.token_urlsafe(32)}"
    expires_at = timezone.make_aware(datetime.combine(expires_on, time.max))
    access_token = AccessToken.objects.create(
        user=actor, name=name.strip(), prefix=prefix, digest=digest_of(token), reads=reads, writes=writes,
        resources=chosen, expires_at=expires_at,
    )  # fmt: skip
    audit_record(
        actor=actor, action=AuditEntry.Action.CREATE, obj=access_token,
        fields=["name", "prefix", "reads", "writes", "resources", "expires_at"], detail=f"API token {prefix}", ip=ip,
    )  # fmt: skip
    return access_token, token


@transaction.atomic
def token_revoke(*, actor: User, token: AccessToken, ip: str | None = None) -> AccessToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor, action=AuditEntry.Action.UPDATE, obj=token, fields=["revoked_at"], detail=f"API token {token.prefix}",
            ip=ip,
        )  # fmt: skip
    return token


def tokens_of(user: User) -> list[AccessToken]:
    return list(AccessToken.objects.filter(user=user))


@dataclass(frozen=True)
class Check:
    token: AccessToken | None
    reason: str  # empty when the token is good


def _matches(token: str, stored: str) -> bool:
    return any(
        hmac.compare_digest(digest_of(token, key), stored) for key in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    )


@sensitive_variables("token")
def token_check(token: str) -> Check:
    """Which token this is, and why it is refused if it is."""
    match = TOKEN_PATTERN.match(token)
    if match is None:
        return Check(None, "malformed")
    found = AccessToken.objects.select_related("user").filter(prefix=match.group(1)).first()
    if found is None or not _matches(token, found.digest):
        return Check(None if found is None else found, "unknown" if found is None else "wrong secret")
    if found.revoked_at is not None:
        return Check(found, "revoked")
    if found.expires_at <= timezone.now():
        return Check(found, "expired")
    if not found.user.is_active:
        return Check(found, "user deactivated")
    return Check(found, "")


def _where(request: HttpRequest) -> str:
    return f"{request.method} {request.path}"[:150]  # the path only: query strings stay out of the trail


@transaction.atomic
def record_use(request: HttpRequest, token: AccessToken) -> None:
    """One entry per request made with a token; the token remembers when it was last used."""
    token.last_used_at = timezone.now()
    token.save(update_fields=["last_used_at"])
    audit_record(
        actor=token.user, action=AuditEntry.Action.SIGN_IN, obj=token, detail=f"API token {token.prefix}: {_where(request)}",
        ip=client_ip(request),
    )  # fmt: skip


# --- throttling refused tokens ------------------------------------------------------------------


def _prefix_of(token: str) -> str:
    match = TOKEN_PATTERN.match(token)
    return match.group(1) if match is not None else UNKNOWN_PREFIX


def token_gate(*, token: str, ip: str, now: datetime) -> int:
    """0 when the token may be checked; otherwise the seconds until the lock on its prefix from this
    address, or on the address, ends (the token is refused unchecked, and counted)."""
    prefix, network = _prefix_of(token), network_of(ip)
    ends = lock_ends(subjects=[ADDRESS_SUBJECT, f"token:{prefix}"], network=network, now=now)
    if ends is None:
        return 0
    counted = prefix if AccessToken.objects.filter(prefix=prefix).exists() else UNKNOWN_PREFIX
    TokenRefusal.objects.filter(network=network, prefix=counted).update(refused=models.F("refused") + 1)
    return max(1, math.ceil((ends - now).total_seconds()))


def throttled_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "Too many refused access tokens were sent from this address. Try again in %(minutes)d minute.",
        "Too many refused access tokens were sent from this address. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


@transaction.atomic
def record_failure(request: HttpRequest, check: Check, *, now: datetime | None = None) -> None:
    """A refused token, counted for its address and prefix. The first refusal of a window is an audit
    entry (whose token it was if it is one of ours, why, and where it was tried); the next ones are
    only counted, until they lock the prefix from this address or the address, which is one entry more."""
    now = now or clock()
    token = check.token
    prefix = token.prefix if token is not None else UNKNOWN_PREFIX
    ip = client_ip(request)
    network = network_of(ip)
    TokenRefusal.objects.get_or_create(network=network, prefix=prefix, defaults={"window_start": now})
    row = TokenRefusal.objects.select_for_update().get(network=network, prefix=prefix)
    if row.window_start <= now - WINDOW or row.failures == 0:
        # The count of the window before, refused unchecked while locked, goes into this entry.
        before = f"; {row.refused} more refused unchecked while locked before" if row.refused else ""
        row.window_start, row.failures, row.refused = now, 0, 0
        audit_record(
            actor=token.user if token is not None else None, action=AuditEntry.Action.DENIED,
            obj=token if token is not None else AccessToken(prefix=prefix),
            detail=f"API token {prefix} refused ({check.reason}): {_where(request)}{before}", ip=ip,
        )  # fmt: skip
    row.failures += 1
    row.save(update_fields=["window_start", "failures", "refused"])
    locked = None
    if token is not None:  # a real token's prefix; guesses at unknown ones count for the address only
        locked = lock_when_reached(limit=PAIR, failures=row.failures, subject=f"token:{prefix}", network=network, now=now)
    if locked is None:
        recent = TokenRefusal.objects.filter(network=network, window_start__gt=now - WINDOW)
        failures = recent.aggregate(total=models.Sum("failures"))["total"] or 0
        locked = lock_when_reached(limit=ADDRESS, failures=failures, subject=ADDRESS_SUBJECT, network=network, now=now)
        if locked is not None:
            recent.update(failures=0, window_start=now)  # counted again from the lock on
            what = f"{failures} refused API tokens from {network}; address blocked for API tokens"
        else:
            return
    else:
        row.failures = 0
        row.save(update_fields=["failures"])
        what = f"{PAIR.failures} refusals of API token {prefix} from {network}; locked there"
    audit_record(
        actor=token.user if token is not None else None, action=AuditEntry.Action.LOCKED_OUT,
        obj=token if token is not None else AccessToken(prefix=prefix),
        detail=f"{what} for {int((locked.ends_at - locked.starts_at).total_seconds() // 60)} minutes", ip=ip,
    )  # fmt: skip
