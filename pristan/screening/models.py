"""A screening interview: the ILO/EC indicators observed, Pristan's suggestion, and the decision."""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pristan.cases.models import Case, SealedUnderCase
from pristan.core.fields import CodeListField
from pristan.core.sealed import SealedTextField
from pristan.core.sections import CaseSection, Section
from pristan.screening.indicators import IndicatorList


class Screening(SealedUnderCase, models.Model):
    case_section: ClassVar[CaseSection] = CaseSection(Section.SCREENING)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="screenings")
    indicator_list = models.CharField(_("indicator list"), max_length=20, choices=IndicatorList.choices)
    indicators = CodeListField(_("indicators observed"))  # Indicator.key values
    positive_dimensions = CodeListField(_("positive dimensions"))
    suggested_victim = models.BooleanField(_("Pristan suggests a presumed victim"))
    decision = models.CharField(_("decision"), max_length=40)  # HTCDS vic_TraffickingStatus
    deciding_body = models.CharField(_("decided by"), max_length=40, blank=True)  # vic_TraffickingStatusDecisionMakingOrg
    reason = SealedTextField(_("reason for the decision"))
    screened_on = models.DateField(_("date of screening"))
    screened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-screened_on", "-id"]
        get_latest_by = ["screened_on", "id"]
        verbose_name = _("screening")
        verbose_name_plural = _("screenings")

    def __str__(self) -> str:
        return f"{self.case} screening {self.screened_on}"
