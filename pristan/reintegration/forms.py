from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.forms import BoundField
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pristan.cases.models import Case
from pristan.core import access
from pristan.core.dates import day_text
from pristan.core.forms import DateInput, choice_field, countries, model_choice_field
from pristan.core.models import Organisation
from pristan.reintegration import selectors
from pristan.reintegration.models import AssistanceItem, EventKind, ItemKind, ItemStatus, Survey, VisitStatus
from pristan.reintegration.survey import dimensions_of

_TEXT = forms.Textarea(attrs={"rows": 2})
NO_ANSWER = _("No answer")  # does not know, refused, or does not apply: left out of the scores


class PlanForm(forms.Form):
    economic_objectives = forms.CharField(label=_("Economic objectives"), required=False, widget=_TEXT)
    social_objectives = forms.CharField(label=_("Social objectives"), required=False, widget=_TEXT)
    psychosocial_objectives = forms.CharField(label=_("Psychosocial objectives"), required=False, widget=_TEXT)
    arrival_on = forms.DateField(
        label=_("Date of arrival"), required=False, widget=DateInput(),
        help_text=_("The date the person returned. Monitoring visits are planned 3, 6 and 12 months after it."),
    )  # fmt: skip


class ItemForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of assistance"))
    description = forms.CharField(label=_("Description"), required=False, widget=_TEXT)
    business_plan = forms.CharField(label=_("Business plan (micro-business)"), required=False, widget=_TEXT)
    provider = forms.ModelChoiceField(
        label=_("Provider"), queryset=Organisation.objects.filter(is_operator=False), required=False,
        empty_label=_("Our office"),
    )  # fmt: skip
    budget = forms.DecimalField(
        label=_("Budget"), required=False, max_digits=12, decimal_places=2, min_value=0, localize=True,
        help_text=_("For a micro-business, the start-up grant."),
    )  # fmt: skip
    budget_currency = forms.CharField(
        label=_("Currency"), required=False, max_length=3, help_text=_("Three letters, such as EUR or BGN.")
    )

    def __init__(self, *args: Any, case: Case, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        granted = access.visible_sections(user, case)
        # Medical and psychosocial assistance can be added only by those granted that section.
        choice_field(self, "kind").choices = [
            ("", "—"),
            *[
                (kind, label)
                for kind, label in ItemKind.choices
                if access.sections_of(AssistanceItem(case=case, kind=kind)) <= granted
            ],
        ]


class ItemChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        kind = str(obj.get_kind_display())
        return f"{kind}: {obj.description[:60]}" if obj.description else kind


class ItemStatusForm(forms.Form):
    item = ItemChoiceField(label=_("Assistance"), queryset=None)
    status = forms.ChoiceField(label=_("New status"), choices=ItemStatus.choices)

    def __init__(self, *args: Any, case: Case, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "item").queryset = selectors.items_visible(user=user, case=case)


class DisbursementForm(forms.Form):
    item = ItemChoiceField(label=_("For"), queryset=None)
    amount = forms.DecimalField(label=_("Amount"), max_digits=12, decimal_places=2, localize=True)
    currency = forms.CharField(label=_("Currency"), max_length=3, help_text=_("Three letters, such as EUR or BGN."))
    paid_on = forms.DateField(label=_("Paid on"), widget=DateInput())
    note = forms.CharField(label=_("Note"), required=False, widget=_TEXT)

    def __init__(self, *args: Any, case: Case, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "item").queryset = selectors.items_visible(user=user, case=case)


def _planned_visits(case: Case) -> Any:
    return case.reintegration_visits.filter(status=VisitStatus.PLANNED).order_by("due_on", "id")


class VisitChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return gettext("%(months)s months after arrival") % {"months": obj.months_after}


class VisitForm(forms.Form):
    """A monitoring visit with the current survey's questions, one field per item, grouped by dimension."""

    visit = VisitChoiceField(label=_("Visit"), queryset=None, empty_label=None)
    done_on = forms.DateField(label=_("Visited on"), widget=DateInput())
    note = forms.CharField(label=_("Note"), required=False, widget=_TEXT)

    def __init__(self, *args: Any, case: Case, survey: Survey, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "visit").queryset = _planned_visits(case)
        self.survey_dimensions = dimensions_of(survey.definition)
        for dimension in self.survey_dimensions:
            for item in dimension.items:
                self.fields[f"answer_{item.key}"] = forms.ChoiceField(
                    label=gettext(item.question), required=False, widget=forms.RadioSelect,
                    choices=[*((option.key, gettext(option.label)) for option in item.options), ("", NO_ANSWER)],
                )  # fmt: skip

    def dimensions(self) -> list[tuple[str, list[BoundField]]]:
        """(translated label, the fields of its questions) per dimension, for the template."""
        return [
            (gettext(dimension.label), [self[f"answer_{item.key}"] for item in dimension.items])
            for dimension in self.survey_dimensions
        ]

    def answers(self) -> dict[str, str | None]:
        return {
            name.removeprefix("answer_"): value or None for name, value in self.cleaned_data.items() if name.startswith("answer_")
        }


class NotPossibleForm(forms.Form):
    visit = VisitChoiceField(label=_("Visit"), queryset=None, empty_label=None)
    reason = forms.CharField(label=_("Why the visit was not possible"), widget=_TEXT)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "visit").queryset = _planned_visits(case)


class EventChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return gettext("%(event)s on %(date)s") % {
            "event": obj.get_kind_display(), "date": day_text(obj.occurred_on)
        }  # fmt: skip


class EventForm(forms.Form):
    kind = forms.ChoiceField(label=_("What happened"), choices=[("", "—"), *EventKind.choices])
    occurred_on = forms.DateField(label=_("Date"), widget=DateInput(), help_text=_("Approximate if need be."))
    country = forms.ChoiceField(label=_("Country"), required=False)
    place = forms.CharField(label=_("Place"), required=False, max_length=200)
    note = forms.CharField(label=_("Note"), required=False, widget=_TEXT)
    corrects = EventChoiceField(
        label=_("Corrects"), queryset=None, required=False, empty_label=_("Nothing: a new event"),
        help_text=_("Events are never changed. To correct one, record the right facts here and choose the event they correct."),
    )  # fmt: skip

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "country").choices = countries()
        model_choice_field(self, "corrects").queryset = selectors.correctable_events(case)


class OverrideForm(forms.Form):
    reason = forms.CharField(label=_("Why the case may close without meeting the criteria"), widget=_TEXT)
