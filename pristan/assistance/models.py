"""The assistance plan: objectives by HTCDS `spl_Type`, and the services that serve them."""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pristan.cases.models import Case, SealedUnderCase
from pristan.core.models import Organisation
from pristan.core.sealed import SealedTextField
from pristan.core.sections import OBJECTIVE_SECTIONS, SERVICE_SECTIONS, CaseSection, Section


class PlanObjective(SealedUnderCase, models.Model):
    case_section: ClassVar[CaseSection] = CaseSection(Section.ASSISTANCE, {"plan_type": OBJECTIVE_SECTIONS})
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="objectives")
    plan_type = models.CharField(_("type"), max_length=40)  # spl_Type
    objectives = SealedTextField(_("objectives"))  # spl_Objectives
    action_plan = SealedTextField(_("action plan"), blank=True)  # spl_ActionPlan
    planned_end_on = models.DateField(_("planned end"), null=True, blank=True)
    actual_end_on = models.DateField(_("actual end"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("plan objective")
        verbose_name_plural = _("plan objectives")

    def __str__(self) -> str:
        return f"{self.case} {self.plan_type}"


class ServiceKind(models.TextChoices):
    ACCOMMODATION = "accommodation", _("Safe accommodation")
    MEDICAL = "medical", _("Medical care")
    PSYCHOSOCIAL = "psychosocial", _("Psychosocial support")
    LEGAL = "legal", _("Legal aid")
    EDUCATION = "education", _("Education")
    VOCATIONAL = "vocational", _("Vocational training")
    LIVELIHOOD = "livelihood", _("Livelihood and income generation")
    FINANCIAL = "financial", _("Financial assistance")
    FAMILY_TRACING = "family_tracing", _("Family tracing")
    RISK_ASSESSMENT = "risk_assessment", _("Risk assessment")
    INTERPRETATION = "interpretation", _("Interpretation")
    OTHER = "other", _("Other service")


class ServiceStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


class ServiceItem(SealedUnderCase, models.Model):
    case_section: ClassVar[CaseSection] = CaseSection(Section.ASSISTANCE, {"kind": SERVICE_SECTIONS}, through="objective")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="services")
    objective = models.ForeignKey(
        PlanObjective, on_delete=models.SET_NULL, null=True, blank=True, related_name="services", verbose_name=_("objective")
    )
    kind = models.CharField(_("service"), max_length=30, choices=ServiceKind.choices)
    description = SealedTextField(_("description"), blank=True)
    provider = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="services_provided",
        verbose_name=_("provider"),
        help_text=_("Leave empty when the office provides the service itself."),
    )
    status = models.CharField(_("status"), max_length=20, choices=ServiceStatus.choices, default=ServiceStatus.PLANNED)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    cost = models.DecimalField(_("cost"), max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)  # ISO 4217
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_on", "id"]
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self) -> str:
        return f"{self.case} {self.kind}"
