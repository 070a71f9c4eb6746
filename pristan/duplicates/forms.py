from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pristan.core.forms import model_choice_field
from pristan.core.models import Office
from pristan.duplicates.models import CandidatePair, PairDecision
from pristan.duplicates.types import PersonData


def person_data(cleaned: dict[str, Any]) -> PersonData:
    """What was typed on the registration form, as compared: only the fields that were valid (a
    look-up runs while the form is still half filled)."""
    return PersonData(
        given_name=cleaned.get("given_name") or "",
        family_name=cleaned.get("family_name") or "",
        other_names=cleaned.get("other_names") or "",
        aliases=cleaned.get("aliases") or "",
        date_of_birth=cleaned.get("date_of_birth"),
        date_of_birth_estimated=bool(cleaned.get("date_of_birth_estimated")),
        gender=cleaned.get("gender") or "",
        citizenships=tuple(cleaned.get("citizenships") or ()),
    )


class OpenCaseForm(forms.Form):
    """Open a new case for a person already registered, in an office where the user registers."""

    person = forms.IntegerField(widget=forms.HiddenInput)
    office = forms.ModelChoiceField(label=_("Office"), queryset=Office.objects.none(), empty_label=None)

    def __init__(self, *args: Any, offices: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "office").queryset = offices


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=PairDecision.Decision.choices)


class QueueFilterForm(forms.Form):
    STATUSES = [("open", _("To review")), ("decided", _("Decided")), ("merged", _("Merged"))]

    status = forms.ChoiceField(label=_("Show"), choices=STATUSES, required=False)
    office = forms.ModelChoiceField(
        label=_("Office"), queryset=Office.objects.none(), required=False, empty_label=_("Every office")
    )
    found_by = forms.ChoiceField(label=_("Found by"), required=False)

    def __init__(self, *args: Any, offices: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "office").queryset = offices
        found_by = self.fields["found_by"]
        assert isinstance(found_by, forms.ChoiceField)
        found_by.choices = [("", _("Any way")), *CandidatePair.FoundBy.choices]


class MergeForm(forms.Form):
    """Which of the two records survives: the other is merged into it."""

    survivor = forms.ChoiceField(label=_("The record that stays"), widget=forms.RadioSelect)

    def __init__(self, *args: Any, pair: CandidatePair, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        survivor = self.fields["survivor"]
        assert isinstance(survivor, forms.ChoiceField)
        survivor.choices = [
            (str(pair.person_a_id), _("The first record (%(office)s)") % {"office": pair.person_a.office.code}),
            (str(pair.person_b_id), _("The second record (%(office)s)") % {"office": pair.person_b.office.code}),
        ]
