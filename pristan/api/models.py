"""Personal access tokens for the REST API: scoped, expiring, revocable, and stored only as a digest."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pristan.core.fields import CodeListField


class Resource(models.TextChoices):
    """What a token may reach; each API endpoint belongs to one."""

    CASES = "cases", _("Cases")
    PERSONS = "persons", _("Persons")
    SCREENING = "screening", _("Screening")
    CONSENT = "consent", _("Consent")
    SERVICES = "services", _("Services")
    REFERRALS = "referrals", _("Referrals")
    MOVEMENTS = "movements", _("Movements")
    VISITS = "visits", _("Reintegration visits")
    IMPORTS = "imports", _("Imports")
    EXPORTS = "exports", _("Exports")


class AccessToken(models.Model):
    """A token is `pristan_<prefix>_<secret>`. The prefix finds the row and is shown to its owner;
    only a keyed digest of the whole token is kept, so the database never holds a usable token."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    reads = models.BooleanField(_("read"), default=True)
    writes = models.BooleanField(_("write"), default=False)
    resources = CodeListField(_("resources"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("access token")
        verbose_name_plural = _("access tokens")

    def __str__(self) -> str:
        return f"{self.prefix} ({self.name})"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    def allows(self, resource: str, *, write: bool) -> bool:
        return resource in self.resources and (self.writes if write else self.reads)


class TokenRefusal(models.Model):
    """Refused API tokens from one network for one prefix (``?``: a token that is not one of ours),
    counted in one row rather than an audit entry each, so that a flood of guesses cannot fill the
    audit trail (api/tokens.py). ``failures`` counts the window that started at ``window_start``;
    ``refused`` the tokens turned away unchecked by a lock in that window."""

    network = models.CharField(max_length=64)
    prefix = models.CharField(max_length=16)
    window_start = models.DateTimeField()
    failures = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["network", "prefix"], name="api_tokenrefusal_network_prefix")]
        indexes = [models.Index(fields=["network", "window_start"])]

    def __str__(self) -> str:
        return f"{self.prefix} @ {self.network}: {self.failures} since {self.window_start:%Y-%m-%d %H:%M}"
