"""Creating, checking and revoking personal access tokens. Every creation, revocation, use and
failed use is an audit entry with the token's id and prefix, never its secret."""

import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from pristan.api.models import AccessToken, Resource
from pristan.core.audit import audit_record
from pristan.core.http import client_ip
from pristan.core.models import AuditEntry

DIGEST_SALT = "pristan.api.token.v1"
MAX_LIFETIME_DAYS = 90
PREFIX_LENGTH = 12
TOKEN_PATTERN = re.compile(r"^pristan_([a-z2-7]{12})_([A-Za-z0-9_-]{43})$")

NEEDS_NAME = _("Give the token a name that says what uses it.")
NEEDS_ACCESS = _("Choose read, write or both.")
NEEDS_RESOURCE = _("Choose at least one kind of record.")
EXPIRY_PAST = _("The token must expire after today.")
EXPIRY_TOO_LATE = _("A token can last at most %(days)d days.")


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
    errors: dict[str, object] = {}
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


@transaction.atomic
def record_failure(request: HttpRequest, check: Check) -> None:
    """A refused token: who it belonged to if it is one of ours, why, and where it was tried."""
    token = check.token
    prefix = token.prefix if token is not None else "?"
    audit_record(
        actor=token.user if token is not None else None, action=AuditEntry.Action.DENIED,
        obj=token if token is not None else AccessToken(prefix=prefix),
        detail=f"API token {prefix} refused ({check.reason}): {_where(request)}", ip=client_ip(request),
    )  # fmt: skip
