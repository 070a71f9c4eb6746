from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pristan.core.forms import DateInput, choice_field, countries, picklist

_MULTI = forms.CheckboxSelectMultiple


class ExperienceForm(forms.Form):
    types_of_exploitation = forms.MultipleChoiceField(label=_("Type of exploitation"), required=False, widget=_MULTI)
    forced_labour_industry = forms.ChoiceField(label=_("Forced labour industry"), required=False)
    types_of_sex_exploitation = forms.MultipleChoiceField(label=_("Type of sexual exploitation"), required=False, widget=_MULTI)
    methods_of_recruitment = forms.MultipleChoiceField(label=_("Method of recruitment"), required=False, widget=_MULTI)
    recruitment_websites = forms.MultipleChoiceField(label=_("Recruitment websites and apps"), required=False, widget=_MULTI)
    relationship_to_trafficker = forms.ChoiceField(label=_("Relationship to the trafficker"), required=False)
    methods_of_control = forms.MultipleChoiceField(label=_("Methods of control"), required=False, widget=_MULTI)
    exploitation_websites = forms.MultipleChoiceField(label=_("Exploitation websites and apps"), required=False, widget=_MULTI)
    vulnerabilities = forms.MultipleChoiceField(label=_("Vulnerabilities"), required=False, widget=_MULTI)
    vulnerability_details = forms.CharField(
        label=_("Details of vulnerabilities"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    age_when_trafficked = forms.IntegerField(label=_("Age when trafficked"), required=False, min_value=0, max_value=120)
    exploitation_began_on = forms.DateField(label=_("Exploitation began on"), required=False, widget=DateInput())

    PICKLISTS = {
        "types_of_exploitation": "vic_TypeOfExploitation",
        "forced_labour_industry": "vic_ForcedLabourIndustry",
        "types_of_sex_exploitation": "vic_TypeOfSexExploitation",
        "methods_of_recruitment": "vic_MethodOfRecruitment",
        "recruitment_websites": "vic_RecruitmentWebsitesAndApps",
        "relationship_to_trafficker": "vic_RelationshipToTrafficker",
        "methods_of_control": "vic_MethodsOfControl",
        "exploitation_websites": "vic_ExploitationWebsitesAndApps",
        "vulnerabilities": "vic_Vulnerabilities",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.PICKLISTS.items():
            choice_field(self, name).choices = picklist(field, blank=not isinstance(self.fields[name], forms.MultipleChoiceField))


class EventForm(forms.Form):
    event_type = forms.ChoiceField(label=_("Type of event"))
    country = forms.ChoiceField(label=_("Country"))
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    started_on = forms.DateField(label=_("From"), required=False, widget=DateInput())
    ended_on = forms.DateField(label=_("Until"), required=False, widget=DateInput())
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "event_type").choices = picklist("hte_Type")
        choice_field(self, "country").choices = countries()


class PerpetratorForm(forms.Form):
    name = forms.CharField(label=_("Name or description"), max_length=300)
    gender = forms.ChoiceField(label=_("Gender"), required=False)
    nationality = forms.ChoiceField(label=_("Nationality"), required=False)
    roles = forms.MultipleChoiceField(label=_("Role in the process"), required=False, widget=_MULTI)
    role_details = forms.CharField(label=_("Details of the role"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "gender").choices = picklist("prs_Gender")
        choice_field(self, "nationality").choices = countries()
        choice_field(self, "roles").choices = picklist("per_RoleInProcess", blank=False)
