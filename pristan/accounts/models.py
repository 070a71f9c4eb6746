"""What sign-in remembers: every attempt, the locks that attempts caused, and which sessions
belong to whom (so that signing out or deactivating a user can end all of them)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
