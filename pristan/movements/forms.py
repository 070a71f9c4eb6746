"""Forms of the movement pages. Each form that acts on a movement names it in a hidden field whose
choices are the movements of the page's case that the user may see: another id is a field error."""

import re
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from pristan.cases.models import Case
from pristan.cases.services import assignable_users
from pristan.core.forms import DateInput, choice_field, countries, model_choice_field
from pristan.core.models import Office, Organisation
from pristan.movements.models import (
    AllowanceKind,
    DocumentKind,
    DocumentStatus,
    Escort,
    Fitness,
    Leg,
    Movement,
    MovementKind,
    MovementStage,
    MovementTraveller,
    StopReason,
    TravelDocument,
)
from pristan.movements.services import ALLOWED_STAGES

REFERENCE = re.compile(r"[A-Za-z]{2,8}-\d{4}-\d{1,8}")
ROUTE = re.compile(r"[A-Za-z]{2}-[A-Za-z]{2}")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def _movement_field() -> forms.ModelChoiceField[Movement]:
    return forms.ModelChoiceField(queryset=Movement.objects.none(), widget=forms.HiddenInput)


class _OnMovement(forms.Form):
    """A form about one of the movements given (those of the page's case the user may see)."""

    movement = _movement_field()

    def __init__(self, *args: Any, movements: QuerySet[Movement], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "movement").queryset = movements


class TravellerField(forms.ModelChoiceField[MovementTraveller]):
    def label_from_instance(self, obj: MovementTraveller) -> str:
        return f"{obj.case.person.full_name} ({obj.case.reference})"


class TravellersField(forms.ModelMultipleChoiceField[MovementTraveller]):
    def label_from_instance(self, obj: MovementTraveller) -> str:
        return f"{obj.case.person.full_name} ({obj.case.reference})"


class _ForTraveller(forms.Form):
    """A form about one traveller of the movements given."""

    traveller = TravellerField(label=_("Traveller"), queryset=MovementTraveller.objects.none(), empty_label=None)

    def __init__(self, *args: Any, movements: QuerySet[Movement], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        travellers = MovementTraveller.objects.filter(movement__in=movements).select_related("case", "case__person")
        model_choice_field(self, "traveller").queryset = travellers

    def limit_to(self, movement: Movement) -> "_ForTraveller":
        """Offer only the travellers of one movement (the form shown in that movement's block)."""
        field = model_choice_field(self, "traveller")
        field.queryset = MovementTraveller.objects.filter(movement=movement).select_related("case", "case__person")
        return self


def _references(text: str) -> list[str]:
    return [word.upper() for word in re.split(r"[\s,;]+", text.strip()) if word]


class RequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of movement"), choices=[("", "—"), *MovementKind.choices])
    destination_country = forms.ChoiceField(label=_("Country of destination"))
    departs_on = forms.DateField(label=_("Planned departure"), required=False, widget=DateInput())
    receiving_office = forms.ModelChoiceField(label=_("Receiving office"), queryset=Office.objects.all(), required=False)
    receiving_partner = forms.ModelChoiceField(
        label=_("Receiving partner organisation"), queryset=Organisation.objects.filter(is_operator=False), required=False
    )
    others = forms.CharField(
        label=_("Household members travelling too"), required=False, max_length=500,
        help_text=_("Their case references, such as SOF-2026-00042, separated by spaces."),
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "destination_country").choices = countries()

    def clean_others(self) -> list[str]:
        references = _references(str(self.cleaned_data.get("others") or ""))
        wrong = [reference for reference in references if not REFERENCE.fullmatch(reference)]
        if wrong:
            raise forms.ValidationError(_("%(reference)s is not a case reference."), params={"reference": wrong[0]})
        return references


class DetailsForm(_OnMovement):
    kind = forms.ChoiceField(label=_("Kind of movement"), choices=MovementKind.choices)
    destination_country = forms.ChoiceField(label=_("Country of destination"))
    departs_on = forms.DateField(label=_("Planned departure"), required=False, widget=DateInput())
    receiving_office = forms.ModelChoiceField(label=_("Receiving office"), queryset=Office.objects.all(), required=False)
    receiving_partner = forms.ModelChoiceField(
        label=_("Receiving partner organisation"), queryset=Organisation.objects.filter(is_operator=False), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "destination_country").choices = countries()


class StageForm(_OnMovement):
    stage = forms.ChoiceField(label=_("Move to stage"), choices=MovementStage.choices)
    reason = forms.ChoiceField(label=_("Reason (cancelled or no-show)"), choices=[("", "—"), *StopReason.choices], required=False)
    details = forms.CharField(label=_("Details of the reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    at = forms.DateTimeField(
        label=_("When (departed or arrived)"), required=False, widget=DateTimeInput(),
        help_text=_("Leave empty for now."),
    )  # fmt: skip

    def __init__(self, *args: Any, current: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if current is not None:  # offer only the stages the movement can move to
            allowed = ALLOWED_STAGES.get(current, frozenset())
            choice_field(self, "stage").choices = [(value, label) for value, label in MovementStage.choices if value in allowed]


class TravellerForm(_OnMovement):
    reference = forms.CharField(label=_("Case reference"), max_length=30)

    def clean_reference(self) -> str:
        reference = str(self.cleaned_data.get("reference") or "").strip().upper()
        if not REFERENCE.fullmatch(reference):
            raise forms.ValidationError(_("%(reference)s is not a case reference."), params={"reference": reference})
        return reference


class LegForm(_OnMovement):
    from_city = forms.CharField(label=_("From (city)"), max_length=100)
    from_country = forms.ChoiceField(label=_("From (country)"))
    to_city = forms.CharField(label=_("To (city)"), max_length=100)
    to_country = forms.ChoiceField(label=_("To (country)"))
    carrier = forms.CharField(label=_("Carrier"), max_length=100, required=False)
    number = forms.CharField(label=_("Flight or bus number"), max_length=20, required=False)
    departs_at = forms.DateTimeField(label=_("Departs at"), widget=DateTimeInput(), help_text=_("Local time, as on the ticket."))
    arrives_at = forms.DateTimeField(label=_("Arrives at"), widget=DateTimeInput(), help_text=_("Local time, as on the ticket."))
    transit_assistance = forms.BooleanField(label=_("Transit assistance"), required=False)
    transit_note = forms.CharField(
        label=_("Note on transit assistance"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "from_country").choices = countries()
        choice_field(self, "to_country").choices = countries()


class LegRemoveForm(forms.Form):
    leg = forms.ModelChoiceField(queryset=Leg.objects.none(), widget=forms.HiddenInput)

    def __init__(self, *args: Any, movements: QuerySet[Movement], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "leg").queryset = Leg.objects.filter(movement__in=movements).select_related("movement")


class CounsellingForm(_OnMovement):
    travellers = TravellersField(
        label=_("Counselled"), queryset=MovementTraveller.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    on = forms.DateField(label=_("Date of counselling"), widget=DateInput())
    by = forms.ModelChoiceField(label=_("Counsellor"), queryset=User.objects.none())
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, case: Case, travellers: QuerySet[MovementTraveller], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "travellers").queryset = travellers
        model_choice_field(self, "by").queryset = assignable_users(case).order_by("username")


class DocumentForm(_ForTraveller):
    kind = forms.ChoiceField(label=_("Kind of document"), choices=[("", "—"), *DocumentKind.choices])
    number = forms.CharField(label=_("Number"), max_length=100, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=DocumentStatus.choices, initial=DocumentStatus.REQUESTED)
    expires_on = forms.DateField(label=_("Expires on"), required=False, widget=DateInput())


class DocumentUpdateForm(forms.Form):
    document = forms.ModelChoiceField(queryset=TravelDocument.objects.none(), widget=forms.HiddenInput)
    status = forms.ChoiceField(label=_("Status"), choices=DocumentStatus.choices)
    number = forms.CharField(label=_("Number"), max_length=100, required=False, help_text=_("Leave empty to keep it."))
    expires_on = forms.DateField(label=_("Expires on"), required=False, widget=DateInput())

    def __init__(self, *args: Any, movements: QuerySet[Movement], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        documents = TravelDocument.objects.filter(traveller__movement__in=movements).select_related("traveller__movement")
        model_choice_field(self, "document").queryset = documents


class FitnessForm(_ForTraveller):
    outcome = forms.ChoiceField(label=_("Fitness to travel"), choices=[("", "—"), *Fitness.choices])
    assessed_on = forms.DateField(label=_("Assessed on"), widget=DateInput())
    escort = forms.ChoiceField(label=_("Escort needed"), choices=Escort.choices, initial=Escort.NONE)
    medical_note = forms.CharField(label=_("Medical note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AllowanceForm(_ForTraveller):
    kind = forms.ChoiceField(label=_("Allowance"), choices=[("", "—"), *AllowanceKind.choices])
    amount = forms.DecimalField(label=_("Amount"), max_digits=12, decimal_places=2, min_value=0, localize=True)
    currency = forms.CharField(label=_("Currency"), max_length=3, help_text=_("Three letters, such as EUR or BGN."))
    paid_on = forms.DateField(label=_("Paid on"), widget=DateInput())


class BoardFilterForm(forms.Form):
    since = forms.DateField(label=_("From"), required=False, widget=DateInput())
    until = forms.DateField(label=_("Until"), required=False, widget=DateInput())
    office = forms.ChoiceField(label=_("Office"), required=False)
    stage = forms.ChoiceField(label=_("Stage"), required=False, choices=[("", _("Being prepared")), *MovementStage.choices])

    def __init__(self, *args: Any, offices: QuerySet[Office], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "office").choices = [("", _("All my offices")), *[(o.code, str(o)) for o in offices]]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("since") and data.get("until") and data["until"] < data["since"]:
            self.add_error("until", _("The end cannot be before the start."))
        return data


class ManifestForm(forms.Form):
    date = forms.DateField(label=_("Date of departure"), widget=DateInput())
    route = forms.CharField(
        label=_("Route"), max_length=5,
        help_text=_("The country codes of the first departure and the last arrival, such as BG-MD."),
    )  # fmt: skip

    def clean_route(self) -> str:
        route = str(self.cleaned_data.get("route") or "").strip().upper()
        if not ROUTE.fullmatch(route):
            raise forms.ValidationError(_("Give the route as two country codes joined by a hyphen, such as BG-MD."))
        return route
