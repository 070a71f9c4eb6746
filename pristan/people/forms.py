from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pristan.core import geography
from pristan.core.forms import DateInput, choice_field, countries, picklist
from pristan.people.models import IdentityDocument


class PersonForm(forms.Form):
    given_name = forms.CharField(
        label=_("Given name"), max_length=150, help_text=_("Exactly as the person writes it, in their own script.")
    )
    family_name = forms.CharField(label=_("Family name"), max_length=150, required=False)
    other_names = forms.CharField(label=_("Other names"), max_length=300, required=False)
    aliases = forms.CharField(
        label=_("Aliases"), max_length=300, required=False, help_text=_("Names the person is also known by, separated by commas.")
    )
    gender = forms.ChoiceField(label=_("Gender"), required=False)
    date_of_birth = forms.DateField(label=_("Date of birth"), required=False, widget=DateInput())
    date_of_birth_estimated = forms.BooleanField(label=_("The date of birth is estimated"), required=False)
    citizenships = forms.MultipleChoiceField(
        label=_("Citizenships"), required=False, widget=forms.SelectMultiple(attrs={"size": 5})
    )
    languages = forms.MultipleChoiceField(label=_("Languages"), required=False, widget=forms.SelectMultiple(attrs={"size": 5}))
    phone = forms.CharField(label=_("Phone"), max_length=50, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    country = forms.ChoiceField(label=_("Country of residence"), required=False)
    guardian_name = forms.CharField(label=_("Guardian"), max_length=300, required=False, help_text=_("Required for a child."))
    guardian_relationship = forms.CharField(label=_("Guardian's relationship to the child"), max_length=100, required=False)
    guardian_contact = forms.CharField(label=_("Guardian's contact"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "gender").choices = picklist("prs_Gender")
        choice_field(self, "citizenships").choices = geography.country_choices()
        choice_field(self, "languages").choices = geography.language_choices()
        choice_field(self, "country").choices = countries()


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of document"), choices=IdentityDocument.Kind.choices)
    number = forms.CharField(label=_("Number"), max_length=100)
    issuing_country = forms.ChoiceField(label=_("Issuing country"), required=False)
    expires_on = forms.DateField(label=_("Expires on"), required=False, widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "issuing_country").choices = countries()
