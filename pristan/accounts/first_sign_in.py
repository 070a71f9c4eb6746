"""How a new user first signs in: a one-time link, or a temporary password they must change.

Either way they then choose their own password and set up the second step as everyone does.

* **A one-time sign-in link** (`/welcome/<secret>/`) is shown once, to the administrator who made
  it, to hand over as they see fit. Pristan keeps only a keyed digest of its secret (HMAC under the
  secret key), so the database alone never opens it. It works once, for `LINK_LIFETIME`, and only
  while its user is active; a new link for the same user replaces the old one. Opening it only
  shows the form: the link is used when the new password is chosen, so that a mail scanner that
  follows links does not use it up.
* **A temporary password** is shown once likewise. Signed in with it, the user can do nothing but
  choose their own password (`PasswordChangeRequired`, enforced by the accounts middleware).
"""

import secrets
from datetime import timedelta

from django.contrib.auth import login as auth_login
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.views.decorators.debug import sensitive_variables

from pristan.accounts.models import PasswordChangeRequired, SignInLink
from pristan.accounts.services import session_key_changed
from pristan.core.audit import audit_record
from pristan.core.http import client_ip
from pristan.core.models import AuditEntry

LINK_LIFETIME = timedelta(days=3)
LINK_SALT = "pristan.accounts.sign-in-link"
# Temporary passwords: 20 letters and digits without look-alikes (about 100 bits), in groups of
# five so they can be read out over the phone.
TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
TEMPORARY_LENGTH = 20
AUTH_BACKEND = "django.contrib.auth.backends.ModelBackend"


def link_digest(secret: str) -> str:
    return salted_hmac(LINK_SALT, secret, algorithm="sha256").hexdigest()


@transaction.atomic
def sign_in_link_create(*, actor: User | None, user: User) -> str:
    """A new one-time sign-in link for `user`, replacing any unused one; returns its secret (shown once)."""
    SignInLink.objects.filter(user=user, used_at__isnull=True).delete()
    secret = secrets.token_urlsafe(32)
    link = SignInLink.objects.create(
        user=user, digest=link_digest(secret), created_by=actor, expires_at=timezone.now() + LINK_LIFETIME
    )
    audit_record(
        actor=actor, action=AuditEntry.Action.CREATE, obj=link, fields=["user", "expires_at"], detail="one-time sign-in link"
    )
    return secret


def sign_in_link_find(*, secret: str) -> SignInLink | None:
    """The link with this secret if it can still be used: unused, not expired, its user active."""
    link = SignInLink.objects.select_related("user").filter(digest=link_digest(secret)).first()
    if link is None or link.used_at is not None or link.expires_at <= timezone.now() or not link.user.is_active:
        return None
    return link


@sensitive_variables("secret", "password")
def sign_in_link_use(*, request: HttpRequest, secret: str, password: str) -> User | None:
    """Use the link: set the user's chosen password (already validated) and sign them in with the
    password step done; the second step comes next. None if the link can no longer be used."""
    with transaction.atomic():
        link = sign_in_link_find(secret=secret)
        if link is None:
            return None
        link = SignInLink.objects.select_for_update().get(pk=link.pk)
        if link.used_at is not None:  # used by a parallel request meanwhile
            return None
        user = link.user
        user.set_password(password)
        user.save(update_fields=["password"])
        link.used_at = timezone.now()
        link.save(update_fields=["used_at"])
        PasswordChangeRequired.objects.filter(user=user).delete()
        ip = client_ip(request)
        audit_record(
            actor=user, action=AuditEntry.Action.UPDATE, obj=link, fields=["used_at"], detail="one-time sign-in link used", ip=ip
        )
        audit_record(actor=user, action=AuditEntry.Action.SIGN_IN, obj=user, detail="one-time sign-in link", ip=ip)
        auth_login(request, user, backend=AUTH_BACKEND)
    return user


def new_temporary_password() -> str:
    raw = "".join(secrets.choice(TEMPORARY_ALPHABET) for _ in range(TEMPORARY_LENGTH))
    return "-".join(raw[index : index + 5] for index in range(0, TEMPORARY_LENGTH, 5))


@transaction.atomic
def temporary_password_set(*, actor: User | None, user: User) -> str:
    """Give `user` a temporary password they must change at their first sign-in; returns it (shown once)."""
    password = new_temporary_password()
    user.set_password(password)
    user.save(update_fields=["password"])
    PasswordChangeRequired.objects.update_or_create(user=user, defaults={"since": timezone.now()})
    audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=user, fields=["password"], detail="temporary password set")
    return password


def password_change_required(user: User) -> bool:
    return PasswordChangeRequired.objects.filter(user_id=user.pk).exists()


@sensitive_variables("password")
def password_change(*, request: HttpRequest, user: User, password: str) -> None:
    """The user chose a new password (already validated): keep this session, end the requirement."""
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        PasswordChangeRequired.objects.filter(user=user).delete()
        audit_record(
            actor=user, action=AuditEntry.Action.UPDATE, obj=user, fields=["password"], detail="password changed",
            ip=client_ip(request),
        )  # fmt: skip
    old_key = request.session.session_key
    update_session_auth_hash(request, user)  # this session goes on (with a new key); the user's others end
    session_key_changed(old_key, request.session.session_key)
