"""What sign-in remembers: every attempt, the locks that attempts caused, which sessions
belong to whom (so that signing out or deactivating a user can end all of them), and each
user's authenticator app, its secret sealed."""

import secrets
import time
from base64 import b32encode
from typing import Any
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP

from pristan.core.sealed import SealedTextField
from pristan.keystore.owners import SealedUnderOwnKey


class LoginAttempt(models.Model):
    """One attempt to sign in with a password. `username` is normalised (see services), so that
    `Ana` and `ana ` count as the same name; `network` is the address throttling counts by (the
    address itself for IPv4, its /64 network for IPv6)."""

    username = models.CharField(max_length=150)
    ip = models.GenericIPAddressField()
    network = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now)
    succeeded = models.BooleanField(default=False)
    refused = models.BooleanField(default=False)  # refused because of a lock, without checking the password

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["username", "network", "at"]),
            models.Index(fields=["network", "at"]),
            models.Index(fields=["username", "at"]),
        ]
        verbose_name = _("sign-in attempt")
        verbose_name_plural = _("sign-in attempts")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username} {self.ip} {'ok' if self.succeeded else 'failed'}"


class SignInLock(models.Model):
    """A lock on one username from one network, or (empty username) on a whole network."""

    username = models.CharField(max_length=150, blank=True)
    network = models.CharField(max_length=64)
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["network", "username", "ends_at"])]

    def __str__(self) -> str:
        return f"{self.username or '*'} @ {self.network} until {self.ends_at:%Y-%m-%d %H:%M}"


class UserSession(models.Model):
    """A session that a user signed in to, recorded at sign-in (the session store cannot be
    searched by user)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user_id} · {self.created_at:%Y-%m-%d %H:%M}"


class SignInLink(models.Model):
    """A one-time link with which a new user first signs in and chooses a password. Only a keyed
    digest of its secret is kept: the link is shown once, to the administrator who made it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in link")
        verbose_name_plural = _("sign-in links")

    def __str__(self) -> str:
        return f"{self.user_id} · until {self.expires_at:%Y-%m-%d %H:%M}"


class PasswordChangeRequired(models.Model):
    """The user signs in with a temporary password and must choose their own before anything else."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    since = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("password change required")
        verbose_name_plural = _("passwords to change")

    def __str__(self) -> str:
        return f"{self.user_id} since {self.since:%Y-%m-%d %H:%M}"


SECRET_BYTES = 20  # 160 bits, as RFC 4226 recommends and authenticator apps expect
# Wrong codes in a row that are not yet throttled. django-otp's own throttling starts at the first
# wrong code, so a mistyped code followed at once by the right one was refused as "too many wrong
# codes". Three free guesses at a six-digit code, with the tolerated window of three steps, are a
# chance of about one in a hundred thousand; from then on the wait doubles with each wrong code.
WRONG_CODES_FORGIVEN = 3


def new_totp_secret() -> str:
    return secrets.token_hex(SECRET_BYTES)


class Authenticator(SealedUnderOwnKey, TimestampMixin, ThrottlingMixin, Device):
    """An authenticator app (TOTP, RFC 6238): django-otp's TOTPDevice, except that the secret is
    sealed under a data key of its own in the key store. A copy or backup of the case database
    holds no secret that computes a code; deleting the device destroys its key (signals.py).

    The arithmetic is django-otp's (``django_otp.oath.TOTP``), with the same tolerance, drift
    and replay protection (``last_t``: a code is accepted once, and only a later one after it).
    django-otp finds the device as any other (``devices_for_user``, the session's persistent id).
    """

    key_id = models.UUIDField(null=True, editable=False)  # its own data key in the key store
    secret = SealedTextField(default=new_totp_secret)  # hex; "" once the data key is gone
    step = models.PositiveSmallIntegerField(default=30)
    t0 = models.BigIntegerField(default=0)
    digits = models.PositiveSmallIntegerField(choices=[(6, 6), (8, 8)], default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)  # steps accepted before and after the current one
    drift = models.SmallIntegerField(default=0)  # steps the phone's clock is known to be off by
    last_t = models.BigIntegerField(default=-1)  # the step of the last accepted code

    class Meta(Device.Meta):
        verbose_name = _("authenticator app")
        verbose_name_plural = _("authenticator apps")

    @property
    def bin_key(self) -> bytes:
        """The secret; empty when its data key is gone (deleted, or a key store not this database's)."""
        return bytes.fromhex(self.secret)

    def verify_token(self, token: Any) -> bool:
        if not self.verify_is_allowed()[0]:
            return False
        key = self.bin_key
        try:
            code = int(token)
        except (TypeError, ValueError):
            code = None
        verified = False
        if key and code is not None:  # no secret, no code: never the codes of an empty key
            totp = TOTP(key, self.step, self.t0, self.digits, self.drift)
            totp.time = time.time()
            verified = bool(totp.verify(code, self.tolerance, self.last_t + 1))
            if verified:
                self.last_t = totp.t()
                if getattr(settings, "OTP_TOTP_SYNC", True):
                    self.drift = totp.drift
                self.throttle_reset(commit=False)
                self.set_last_used_timestamp(commit=False)
                self.save()
        if not verified:
            self.throttle_increment(commit=True)
        return verified

    def get_throttle_factor(self) -> int:
        return int(getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1))

    def verify_is_allowed(self) -> tuple[bool, dict[str, Any] | None]:
        """As django-otp's throttling, except that the first `WRONG_CODES_FORGIVEN` wrong codes in a
        row do not make the next attempt wait (after them it waits 4, 8, 16 … seconds)."""
        if self.throttling_failure_count < WRONG_CODES_FORGIVEN:
            return super(ThrottlingMixin, self).verify_is_allowed()
        return super().verify_is_allowed()

    @property
    def config_url(self) -> str:
        """The otpauth:// address an authenticator app scans (Google's Key Uri Format)."""
        label = str(self.user.get_username())
        query = urlencode({"secret": b32encode(self.bin_key), "algorithm": "SHA1", "digits": self.digits, "period": self.step})
        issuer = str(getattr(settings, "OTP_TOTP_ISSUER", "") or "").replace(":", "")
        if issuer:
            label = f"{issuer}:{label}"
            query += f"&issuer={quote(issuer)}"
        return f"otpauth://totp/{quote(label)}?{query}"
