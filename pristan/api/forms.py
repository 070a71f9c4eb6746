from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pristan.api.models import Resource
from pristan.api.tokens import MAX_LIFETIME_DAYS
from pristan.core.forms import DateInput


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What will use this token, for example the shelter's intake form.")
    )
    reads = forms.BooleanField(label=_("Read records"), required=False, initial=True)
    writes = forms.BooleanField(label=_("Create and change records"), required=False)
    resources = forms.MultipleChoiceField(
        label=_("Records it may reach"), choices=Resource.choices, widget=forms.CheckboxSelectMultiple
    )
    expires_on = forms.DateField(label=_("Expires on"), widget=DateInput())

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["expires_on"].initial = timezone.localdate() + timedelta(days=30)
        self.fields["expires_on"].help_text = _("At most %(days)d days from today.") % {"days": MAX_LIFETIME_DAYS}
