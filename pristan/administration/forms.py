"""The administration pages' forms: they read input and offer only what the administrator may
grant (offices they administer, roles they may give); the services check everything again."""

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from pristan.administration.services import FirstSignIn
from pristan.assistance.models import ServiceKind
from pristan.core import access
from pristan.core.forms import choice_field, countries, model_choice_field
from pristan.core.models import Office, Role, Scope
from pristan.core.policy import policy


def _roles_for(actor: User) -> list[tuple[str, str]]:
    installation = access.administers_installation(actor)
    return [(value, str(label)) for value, label in Role.choices if installation or not policy(value).administers]


def _scopes_for(actor: User) -> list[tuple[str, str]]:
    installation = access.administers_installation(actor)
    scopes = [(value, str(label)) for value, label in Scope.choices if installation or value != Scope.REGION]
    return [("", str(_("The role's usual reach"))), *scopes]


class MembershipForm(forms.Form):
    """A role in an office: the part of adding a person and of changing their access."""

    office = forms.ModelChoiceField(label=_("Office"), queryset=Office.objects.none(), empty_label=None)
    role = forms.ChoiceField(label=_("Role"))
    scope = forms.ChoiceField(label=_("Scope"), required=False)
    region_offices = forms.ModelMultipleChoiceField(
        label=_("Other offices"), queryset=Office.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("With the scope 'several offices': the offices besides this one."),
    )  # fmt: skip
    child_clearance = forms.BooleanField(
        label=_("Child-protection clearance"),
        required=False,
        help_text=_("Only cleared users may open or find the cases of children."),
    )

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offices: QuerySet[Office] = access.administered_offices(actor)
        model_choice_field(self, "office").queryset = offices
        choice_field(self, "role").choices = _roles_for(actor)
        choice_field(self, "scope").choices = _scopes_for(actor)
        if access.administers_installation(actor):
            model_choice_field(self, "region_offices").queryset = offices
        else:  # regions are granted by system administrators
            del self.fields["region_offices"]

    def grant(self) -> dict[str, Any]:
        """The cleaned data as membership_grant's arguments."""
        data = self.cleaned_data
        return {
            "office": data["office"], "role": data["role"], "scope": data.get("scope") or None,
            "child_clearance": data["child_clearance"], "region_offices": list(data.get("region_offices") or []),
        }  # fmt: skip


_METHOD = forms.ChoiceField(
    label=_("First sign-in"), choices=FirstSignIn.choices, initial=FirstSignIn.LINK, widget=forms.RadioSelect,
    help_text=_("Shown to you once, on the next page, to hand over to the person."),
)  # fmt: skip


class PersonForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    name = forms.CharField(label=_("Full name"), max_length=300)
    email = forms.EmailField(label=_("E-mail address"), max_length=254)


class PersonAddForm(PersonForm, MembershipForm):
    method = _METHOD
    field_order = ["username", "name", "email", "office", "role", "scope", "region_offices", "child_clearance", "method"]


class PartnerUserForm(PersonForm):
    child_clearance = forms.BooleanField(label=_("Child-protection clearance"), required=False)
    method = _METHOD


class RevokeForm(forms.Form):
    office = forms.ModelChoiceField(label=_("Office"), queryset=Office.objects.none())

    def __init__(self, *args: Any, person: User, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_revoke_%s")  # beside the grant form, which has an "office" too
        super().__init__(*args, **kwargs)
        model_choice_field(self, "office").queryset = Office.objects.filter(memberships__user=person)


class ActiveForm(forms.Form):
    active = forms.TypedChoiceField(choices=[("1", "1"), ("0", "0")], coerce=lambda value: value == "1", widget=forms.HiddenInput)


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I have checked who is asking: this person lost their authenticator."),
        error_messages={"required": _("Confirm that you checked who is asking.")},
    )


class OfficeForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=8, help_text=_("Three to eight capital letters, used in case references."))
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Office.Kind.choices)
    country = forms.ChoiceField(label=_("Country"))
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    time_zone = forms.CharField(
        label=_("Time zone"),
        max_length=64,
        required=False,
        help_text=_("Such as Europe/Sofia. Empty: the installation's time zone."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "country").choices = countries()


class PartnerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    org_type = forms.CharField(label=_("Kind of organisation"), max_length=40, required=False, help_text=_("Such as NGO."))
    country = forms.ChoiceField(label=_("Country"))
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    services = forms.MultipleChoiceField(
        label=_("Services offered"), choices=ServiceKind.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "country").choices = countries()
