"""The trafficking experience in HTCDS `vic_`, `hte_` and `per_` terms."""

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from pristan.cases.models import Case, SealedUnderCase
from pristan.core.fields import CodeListField
from pristan.core.sealed import SealedTextField
from pristan.core.sections import CaseSection, Section


class TraffickingExperience(SealedUnderCase, models.Model):
    case_section: ClassVar[CaseSection] = CaseSection(Section.EXPERIENCE)
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="experience")
    methods_of_recruitment = CodeListField(_("method of recruitment"))  # vic_MethodOfRecruitment
    recruitment_websites = CodeListField(_("recruitment websites and apps"))  # vic_RecruitmentWebsitesAndApps
    relationship_to_trafficker = models.CharField(_("relationship to the trafficker"), max_length=20, blank=True)
    methods_of_control = CodeListField(_("methods of control"))  # vic_MethodsOfControl
    types_of_exploitation = CodeListField(_("type of exploitation"))  # vic_TypeOfExploitation
    forced_labour_industry = models.CharField(_("forced labour industry"), max_length=80, blank=True)  # ISIC section
    types_of_sex_exploitation = CodeListField(_("type of sexual exploitation"))  # vic_TypeOfSexExploitation
    exploitation_websites = CodeListField(_("exploitation websites and apps"))  # vic_ExploitationWebsitesAndApps
    vulnerabilities = CodeListField(_("vulnerabilities"))  # vic_Vulnerabilities
    vulnerability_details = SealedTextField(_("details of vulnerabilities"), blank=True)
    age_when_trafficked = models.PositiveSmallIntegerField(_("age when trafficked"), null=True, blank=True)
    exploitation_began_on = models.DateField(_("exploitation began on"), null=True, blank=True)

    class Meta:
        verbose_name = _("trafficking experience")
        verbose_name_plural = _("trafficking experiences")

    def __str__(self) -> str:
        return f"{self.case} experience"


class TraffickingEvent(SealedUnderCase, models.Model):
    """A step of the route: where and when the person was recruited, moved and exploited."""

    case_section: ClassVar[CaseSection] = CaseSection(Section.EXPERIENCE)

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    event_type = models.CharField(_("type of event"), max_length=20)  # hte_Type
    country = models.CharField(_("country"), max_length=2)  # hte_Country
    city = SealedTextField(_("city"), max_length=100, blank=True)  # hte_City
    started_on = models.DateField(_("from"), null=True, blank=True)  # hte_Date
    ended_on = models.DateField(_("until"), null=True, blank=True)
    description = SealedTextField(_("description"), blank=True)  # hte_Description

    class Meta:
        ordering = ["started_on", "id"]
        verbose_name = _("trafficking event")
        verbose_name_plural = _("trafficking events")

    def __str__(self) -> str:
        return f"{self.event_type} {self.country}"


class Perpetrator(SealedUnderCase, models.Model):
    case_section: ClassVar[CaseSection] = CaseSection(Section.PERPETRATORS)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="perpetrators")
    name = SealedTextField(_("name or description"), max_length=300)
    gender = models.CharField(_("gender"), max_length=30, blank=True)
    nationality = models.CharField(_("nationality"), max_length=2, blank=True)
    roles = CodeListField(_("role in the process"))  # per_RoleInProcess
    role_details = SealedTextField(_("details of the role"), blank=True)  # per_RoleDetails

    class Meta:
        verbose_name = _("perpetrator")
        verbose_name_plural = _("perpetrators")

    def __str__(self) -> str:
        return f"{self.case} perpetrator {self.pk}"
