from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from pristan.cases.forms import CaseFilterForm, case_filters
from pristan.cases.selectors import CaseFilters
from pristan.core import access
from pristan.exports.models import ExportFormat, ExportPurpose
from pristan.exports.services import FILE_FORMATS

CONFIRM = "confirm"  # the export form's marker; anything else posted to the page is a search handed over


class ExportForm(forms.Form):
    """Why, and in which layout; the passphrase is asked at the download (jobs.py says why)."""

    step = forms.CharField(widget=forms.HiddenInput, initial=CONFIRM)
    purpose = forms.ChoiceField(label=_("Purpose of the export"), choices=[("", "—"), *ExportPurpose.choices])
    file_format = forms.ChoiceField(label=_("File format"), required=False)  # empty: the CSV, as before there was a choice

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Every layout registered with the export service (pristan.interchange adds HTCDS 2.0).
        choice_field = self.fields["file_format"]
        assert isinstance(choice_field, forms.ChoiceField)
        choice_field.choices = [(name, layout.label()) for name, layout in FILE_FORMATS.items()]
        choice_field.initial = ExportFormat.CSV_IN_AES_ZIP

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["file_format"] = data.get("file_format") or ExportFormat.CSV_IN_AES_ZIP
        return data


class DownloadForm(forms.Form):
    """The passphrase that will open the archive (checked by the service, never kept)."""

    passphrase = forms.CharField(
        label=_("Passphrase for the archive"),
        strip=False,
        help_text=_(
            "At least 12 characters, and not your password. Give it to the recipient by another way than the file "
            "(by telephone, for example): without it the archive cannot be opened, and Pristan does not keep it."
        ),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    passphrase_again = forms.CharField(
        label=_("The passphrase again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("passphrase") and data.get("passphrase_again") and data["passphrase"] != data["passphrase_again"]:
            self.add_error("passphrase_again", _("The two passphrases differ. Type the same passphrase twice."))
        return data


def search_form(user: User, data: Any) -> CaseFilterForm:
    return CaseFilterForm(data, user=user, offices=access.offices_for(user), flag_kinds=access.flag_kinds_to_filter(user))


def filters_of(form: CaseFilterForm) -> CaseFilters:
    """The search of a valid case-list form, as the case list applies it."""
    return case_filters(form.cleaned_data)


def described(form: CaseFilterForm) -> list[tuple[str, str]]:
    """The search as the user set it: each filter that is set, by its label and the value's label."""
    rows = []
    for field in form:
        value = form.cleaned_data.get(field.name)
        if not value:
            continue
        if isinstance(field.field, forms.BooleanField):
            rows.append((str(field.label), str(_("Yes"))))
            continue
        if field.name == "sort":  # the order of the list, not a filter
            continue
        if isinstance(value, tuple):  # the cases ticked on the list: how many, never which
            rows.append((str(field.label), str(len(value))))
            continue
        choices = dict(getattr(field.field, "choices", []))
        rows.append((str(field.label), str(choices.get(value, value))))
    return rows
