"""Reintegration after return: the plan and its assistance, monitoring visits scored by a
configurable survey, re-trafficking and re-migration events, and a supervisor's closure override."""

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pristan.cases.models import Case, SealedUnderCase
from pristan.core.models import Organisation
from pristan.core.sealed import SealedTextField
from pristan.core.sections import SERVICE_SECTIONS, CaseSection, Section


class Survey(models.Model):
    """One version of the reintegration survey. Versions are only ever added (`pristan survey
    load`), never changed: a visit keeps the version it was answered with, and so its scores."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    definition = models.JSONField(_("definition"))  # see survey.parse
    source = models.CharField(_("loaded from"), max_length=300, blank=True)
    loaded_at = models.DateTimeField(_("loaded at"), auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("reintegration survey")
        verbose_name_plural = _("reintegration surveys")

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class ReintegrationPlan(SealedUnderCase, models.Model):
    case_section: ClassVar[CaseSection] = CaseSection(Section.REINTEGRATION)
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="reintegration_plan")
    economic_objectives = SealedTextField(_("economic objectives"), blank=True)
    social_objectives = SealedTextField(_("social objectives"), blank=True)
    psychosocial_objectives = SealedTextField(_("psychosocial objectives"), blank=True)
    # The date of return; monitoring visits are planned from it. Entered by hand until the movement's
    # arrival sets it (services.plan_set_arrival).
    arrival_on = models.DateField(_("date of arrival"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("reintegration plan")
        verbose_name_plural = _("reintegration plans")

    def __str__(self) -> str:
        return f"{self.case} reintegration plan"


class ItemKind(models.TextChoices):
    CASH_GRANT = "cash_grant", _("Cash grant")
    IN_KIND = "in_kind", _("In-kind support")
    MICRO_BUSINESS = "micro_business", _("Micro-business")
    VOCATIONAL_TRAINING = "vocational_training", _("Vocational training")
    SCHOOLING = "schooling", _("Schooling")
    HOUSING = "housing", _("Housing")
    MEDICAL = "medical", _("Medical")  # Section.HEALTH (sections.SERVICE_SECTIONS)
    PSYCHOSOCIAL = "psychosocial", _("Psychosocial")  # Section.PSYCHOSOCIAL


class ItemStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class AssistanceItem(SealedUnderCase, models.Model):
    """One piece of reintegration assistance, with its budget. A medical or psychosocial item
    belongs to that sensitive section and does not exist for a reader without it."""

    case_section: ClassVar[CaseSection] = CaseSection(Section.REINTEGRATION, {"kind": SERVICE_SECTIONS})

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reintegration_items")
    kind = models.CharField(_("kind of assistance"), max_length=30, choices=ItemKind.choices)
    description = SealedTextField(_("description"), blank=True)
    business_plan = SealedTextField(_("business plan"), blank=True)  # micro-business only
    provider = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("provider")
    )
    status = models.CharField(_("status"), max_length=20, choices=ItemStatus.choices, default=ItemStatus.PLANNED)
    budget = models.DecimalField(_("budget"), max_digits=12, decimal_places=2, null=True, blank=True)
    budget_currency = models.CharField(_("currency of the budget"), max_length=3, blank=True)  # ISO 4217
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("reintegration assistance")
        verbose_name_plural = _("reintegration assistance")

    def __str__(self) -> str:
        return f"{self.case} {self.kind}"


class Disbursement(SealedUnderCase, models.Model):
    """Money paid out for an item, in whatever currency it was paid in (no conversion)."""

    case_section: ClassVar[CaseSection] = CaseSection(Section.REINTEGRATION, through="item")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(AssistanceItem, on_delete=models.CASCADE, related_name="disbursements", verbose_name=_("for"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)  # ISO 4217
    paid_on = models.DateField(_("paid on"))
    note = SealedTextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["paid_on", "id"]
        verbose_name = _("disbursement")
        verbose_name_plural = _("disbursements")

    def __str__(self) -> str:
        return f"{self.item} {self.amount} {self.currency}"


class VisitStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")
    NOT_POSSIBLE = "not_possible", _("Not possible")


class Visit(SealedUnderCase, models.Model):
    """A monitoring visit: planned from the date of arrival, then done (with the survey's answers
    and the scores computed from them at the time) or marked not possible, with the reason."""

    case_section: ClassVar[CaseSection] = CaseSection(Section.REINTEGRATION)

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reintegration_visits")
    months_after = models.PositiveSmallIntegerField(_("months after arrival"))
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=20, choices=VisitStatus.choices, default=VisitStatus.PLANNED)
    done_on = models.DateField(_("visited on"), null=True, blank=True)
    survey = models.ForeignKey(
        Survey, on_delete=models.PROTECT, null=True, blank=True, related_name="visits", verbose_name=_("survey")
    )
    answers = models.JSONField(_("answers"), default=dict, blank=True)  # item key → option key; unanswered left out
    economic = models.FloatField(_("economic score"), null=True, blank=True)
    social = models.FloatField(_("social score"), null=True, blank=True)
    psychosocial = models.FloatField(_("psychosocial score"), null=True, blank=True)
    composite = models.FloatField(_("composite score"), null=True, blank=True)
    unanswered = models.JSONField(_("unanswered items"), default=list, blank=True)
    note = SealedTextField(_("note"), blank=True)
    not_possible_reason = SealedTextField(_("why the visit was not possible"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["status", "due_on"])]
        constraints = [models.UniqueConstraint(fields=["case", "months_after"], name="one_visit_per_month_of_schedule")]
        verbose_name = _("monitoring visit")
        verbose_name_plural = _("monitoring visits")

    def __str__(self) -> str:
        return f"{self.case} visit +{self.months_after}m"


class EventKind(models.TextChoices):
    RE_TRAFFICKED = "re_trafficked", _("Re-trafficked")
    RE_MIGRATED = "re_migrated", _("Re-migrated")
    RECORDED_IN_ERROR = "recorded_in_error", _("Recorded in error")  # only as a correction


class EventChangeRefused(RuntimeError):
    """Events are never changed: a correction is a new event that refers to the one it corrects."""


class ReintegrationEvent(SealedUnderCase, models.Model):
    """Re-trafficking or re-migration. Append-only: history is never overwritten; a correction is a
    new event that refers to the one it corrects (and an event is corrected at most once)."""

    case_section: ClassVar[CaseSection] = CaseSection(Section.REINTEGRATION)

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reintegration_events")
    kind = models.CharField(_("event"), max_length=20, choices=EventKind.choices)
    occurred_on = models.DateField(_("date"))
    country = models.CharField(_("country"), max_length=2, blank=True)  # ISO 3166-1
    place = SealedTextField(_("place"), max_length=200, blank=True)
    note = SealedTextField(_("note"), blank=True)
    corrects = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="correction", verbose_name=_("corrects")
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_on", "id"]
        verbose_name = _("re-trafficking or re-migration event")
        verbose_name_plural = _("re-trafficking and re-migration events")

    def __str__(self) -> str:
        return f"{self.case} {self.kind} {self.occurred_on}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise EventChangeRefused("reintegration events are append-only: record a correction instead")
        super().save(*args, **kwargs)


class ClosureOverride(SealedUnderCase, models.Model):
    """A supervisor's recorded decision that a reintegration case may close without meeting the
    closure criteria (for example when the person cannot be reached)."""

    case_section: ClassVar[CaseSection] = CaseSection(Section.REINTEGRATION)

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reintegration_overrides")
    reason = SealedTextField(_("reason for closing without the criteria"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("supervisor"))
    at = models.DateTimeField(_("when"))

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("closure override")
        verbose_name_plural = _("closure overrides")

    def __str__(self) -> str:
        return f"{self.case} closure override"
