from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pristan.core.forms import DateInput, choice_field, picklist
from pristan.screening.indicators import Dimension, Indicator, IndicatorList, indicators_for


class ScreeningForm(forms.Form):
    indicator_list = forms.ChoiceField(label=_("Indicator list"), choices=IndicatorList.choices)
    indicators = forms.MultipleChoiceField(label=_("Indicators observed"), required=False, widget=forms.CheckboxSelectMultiple)
    decision = forms.ChoiceField(label=_("Decision"))
    deciding_body = forms.ChoiceField(label=_("Decided by"), required=False)
    reason = forms.CharField(label=_("Reason for the decision"), widget=forms.Textarea(attrs={"rows": 3}))
    screened_on = forms.DateField(label=_("Date of screening"), widget=DateInput())

    def __init__(self, *args: Any, indicator_list: IndicatorList, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.chosen_list = indicator_list
        choice_field(self, "indicators").choices = [(item.key, item.label) for item in indicators_for(indicator_list)]
        choice_field(self, "decision").choices = picklist("vic_TraffickingStatus")
        choice_field(self, "deciding_body").choices = picklist("vic_TraffickingStatusDecisionMakingOrg")

    def groups(self) -> list[tuple[str, list[Indicator]]]:
        """The indicators of the chosen list, by dimension, for the checkbox groups."""
        items = indicators_for(self.chosen_list)
        return [(str(dimension.label), [i for i in items if i.dimension == dimension]) for dimension in Dimension]

    def checked(self) -> set[str]:
        if self.is_bound:
            return set(self.data.getlist("indicators")) if hasattr(self.data, "getlist") else set()
        return set(self.initial.get("indicators", []))
