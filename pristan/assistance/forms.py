from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from pristan.assistance.models import PlanObjective, ServiceItem, ServiceKind, ServiceStatus
from pristan.assistance.selectors import objectives_visible
from pristan.cases.models import Case
from pristan.core import access
from pristan.core.forms import DateInput, choice_field, model_choice_field, picklist
from pristan.core.models import Organisation


class ObjectiveForm(forms.Form):
    plan_type = forms.ChoiceField(label=_("Type"))
    objectives = forms.CharField(label=_("Objectives"), widget=forms.Textarea(attrs={"rows": 2}))
    action_plan = forms.CharField(label=_("Action plan"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    planned_end_on = forms.DateField(label=_("Planned end"), required=False, widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "plan_type").choices = picklist("spl_Type")


class ServiceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Service"), choices=[("", "—"), *ServiceKind.choices])
    objective = forms.ModelChoiceField(label=_("Objective"), queryset=PlanObjective.objects.none(), required=False)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    provider = forms.ModelChoiceField(
        label=_("Provider"), queryset=Organisation.objects.filter(is_operator=False), required=False,
        empty_label=_("Our office"),
    )  # fmt: skip
    status = forms.ChoiceField(label=_("Status"), choices=ServiceStatus.choices, initial=ServiceStatus.PLANNED)
    starts_on = forms.DateField(label=_("Starts on"), required=False, widget=DateInput())
    ends_on = forms.DateField(label=_("Ends on"), required=False, widget=DateInput())
    cost = forms.DecimalField(label=_("Cost"), required=False, max_digits=12, decimal_places=2, min_value=0, localize=True)
    currency = forms.CharField(
        label=_("Currency"), required=False, max_length=3, help_text=_("Three letters, such as EUR or BGN.")
    )

    def __init__(self, *args: Any, case: Case, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sections = access.visible_sections(user, case)
        model_choice_field(self, "objective").queryset = objectives_visible(user=user, case=case)
        # Services of a sensitive kind can be added only by those granted that section.
        allowed = [kind for kind in ServiceKind.values if access.sections_of(ServiceItem(case=case, kind=kind)) <= sections]
        choice_field(self, "kind").choices = [
            ("", "—"),
            *[(kind, label) for kind, label in ServiceKind.choices if kind in allowed],
        ]

    def clean_currency(self) -> str:
        return str(self.cleaned_data.get("currency") or "").strip().upper()


class ServiceStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ServiceStatus.choices)
