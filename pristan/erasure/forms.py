from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pristan.core.forms import model_choice_field
from pristan.core.models import Office
from pristan.erasure.services import MAX_RETENTION_YEARS

APPROVE, REFUSE = "approve", "refuse"


class ErasureRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Why should the person's data be erased?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: the person asked for it on this date, in person. Kept sealed, and erased with the data."),
    )  # fmt: skip


class ErasureDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), widget=forms.RadioSelect,
        choices=[(APPROVE, _("Approve: erase the person's identifying data now")), (REFUSE, _("Refuse the request"))],
    )  # fmt: skip
    note = forms.CharField(
        label=_("Note on the decision"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when refusing. Stored as plain text and kept after the erasure: write no personal data here."),
    )  # fmt: skip
    understood = forms.BooleanField(
        label=_("I understand that an erasure cannot be undone."),
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == APPROVE and not data.get("understood"):
            self.add_error("understood", _("Confirm that you understand an erasure cannot be undone."))
        return data

    @property
    def approves(self) -> bool:
        return self.is_valid() and self.cleaned_data["decision"] == APPROVE


class RetentionForm(forms.Form):
    office = forms.ModelChoiceField(label=_("Office"), queryset=Office.objects.none(), empty_label=None)
    retention_years = forms.IntegerField(
        label=_("Retention period in years"), min_value=1, max_value=MAX_RETENTION_YEARS, required=False,
        help_text=_(
            "When every case of a person has been closed for this many years, the person is erased. "
            "Leave empty to keep the records."
        ),
    )  # fmt: skip

    def __init__(self, *args: Any, offices: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "office").queryset = offices
