from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class PreferenceForm(forms.Form):
    email = forms.BooleanField(label=_("E-mail me when something awaits me in Pristan"), required=False)
    language = forms.ChoiceField(
        label=_("Language of the e-mails"),
        choices=[("", _("The organisation's language")), *settings.LANGUAGES],
        required=False,
        help_text=_("The e-mail never says what awaits you, whose case it is or anything of it: only that something does."),
    )
