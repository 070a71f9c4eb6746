from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from pristan.assistance.models import ServiceItem
from pristan.assistance.selectors import services_visible
from pristan.cases.models import Case
from pristan.core.forms import DateInput, choice_field, model_choice_field, picklist
from pristan.core.models import Office, Organisation


class ReferralForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Partner organisation"), queryset=Organisation.objects.none(), required=False)
    office = forms.ModelChoiceField(label=_("Or another office"), queryset=Office.objects.none(), required=False)
    service = forms.ModelChoiceField(
        label=_("Service referred"), queryset=ServiceItem.objects.none(), required=False,
        help_text=_("Leave empty to refer the whole case."),
    )  # fmt: skip
    reason = forms.ChoiceField(label=_("Reason"))
    details = forms.CharField(label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    referred_on = forms.DateField(label=_("Date of referral"), required=False, widget=DateInput())

    def __init__(self, *args: Any, case: Case, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "organisation").queryset = Organisation.objects.filter(is_operator=False)
        model_choice_field(self, "office").queryset = Office.objects.exclude(pk=case.office_id).order_by("code")
        model_choice_field(self, "service").queryset = services_visible(user=user, case=case)
        choice_field(self, "reason").choices = picklist("cas_ReasonForOutgoingReferral")


class IncomingReferralForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Referred by"), queryset=Organisation.objects.filter(is_operator=False))
    reason = forms.ChoiceField(label=_("Reason"))
    details = forms.CharField(label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    referred_on = forms.DateField(label=_("Date referred to us"), required=False, widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "reason").choices = picklist("cas_ReasonForIncomingReferral")


class TransferForm(forms.Form):
    to_office = forms.ModelChoiceField(label=_("Office taking over the case"), queryset=Office.objects.none())
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "to_office").queryset = Office.objects.exclude(pk=case.office_id).order_by("code")


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label=_("Name"), required=False, max_length=100)
    service = forms.ChoiceField(label=_("Service offered"), required=False)
    country = forms.ChoiceField(label=_("Country"), required=False)
    city = forms.CharField(label=_("City"), required=False, max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from pristan.assistance.models import ServiceKind
        from pristan.core.forms import countries

        super().__init__(*args, **kwargs)
        choice_field(self, "service").choices = [("", _("Any service")), *ServiceKind.choices]
        choice_field(self, "country").choices = [("", _("Any country")), *countries(blank=False)]
