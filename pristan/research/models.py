"""Every research export that left Pristan: who made it, when, with which k, and how many records
it held. No case is linked to it: the file is anonymised, and a list of the cases it drew on would
itself tell who consented to research."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ResearchExport(models.Model):
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("exported by"))
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    k = models.PositiveSmallIntegerField(_("k (smallest group published)"))
    records_considered = models.PositiveIntegerField(_("cases with consent to research"))
    records_published = models.PositiveIntegerField(_("records published"))
    records_suppressed = models.PositiveIntegerField(_("records suppressed"))
    records_generalised = models.PositiveIntegerField(_("records generalised"))
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    ip = models.GenericIPAddressField(_("from where"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("research export")
        verbose_name_plural = _("research exports")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} k={self.k} {self.records_published}"


class ResearchCounts(models.Model):
    """How many of the cases a user's research draws on share each combination of quasi-identifier
    values, counted by a job (`research_counts_count`), so that the research page shows what
    k-anonymisation would do for any k at once (anonymity.plan). One row per user.

    Counts only: the combinations and how many cases have each, never which cases. Kept while the
    user may make research data: deleted with their research role (signals.py), by the job when it
    finds the role gone, and after KEEP by `research_counts_prune`."""

    actor = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    computed_at = models.DateTimeField(_("counted at"), null=True, blank=True)
    cases = models.PositiveIntegerField(_("cases counted"), default=0)
    # [[value, …], count] for each combination of quasi-identifier values (anonymity.quasi_key)
    counts = models.JSONField(default=list, blank=True)
    # What k-anonymisation does with each k asked for, from these counts: {"11": report, …} (counts.py)
    reports = models.JSONField(default=dict, blank=True)
    counting_since = models.DateTimeField(null=True, blank=True)  # a job is queued or running (its claim)
    recount = models.BooleanField(default=False)  # asked to count again while the job ran
    wanted = models.JSONField(default=list, blank=True)  # the values of k asked for, beyond counts.PRESET_K
    failed = models.BooleanField(default=False)  # the last count stopped on an error

    class Meta:
        verbose_name = _("research counts")
        verbose_name_plural = _("research counts")

    def __str__(self) -> str:
        return f"{self.actor_id} {self.computed_at} {self.cases}"
