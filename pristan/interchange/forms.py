from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from pristan.core import access
from pristan.core.models import Office
from pristan.interchange.uploads import MAX_UPLOAD_BYTES, TOO_LARGE, Refusal, megabytes

SUFFIXES = (".xlsx", ".xlsm", ".csv", ".txt", ".json")


class ImportForm(forms.Form):
    office = forms.ModelChoiceField(label=_("Import into the office"), queryset=Office.objects.none())
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "The official HTCDS 2.0 Excel spreadsheet (either variant), an HTCDS CSV or JSON file exported by Pristan, "
            "or the submissions of the HTCDS form exported from KoboToolbox or ODK Central (XLSX or CSV)."
        ),
    )
    source = forms.CharField(
        label=_("Name of the source"), required=False, max_length=100,
        help_text=_(
            "Rows of the official spreadsheet are known by their number in it: give a corrected spreadsheet the same "
            "name, so that it updates the cases imported from the first one. The file's name if left empty."
        ),
    )  # fmt: skip

    def __init__(self, *args: Any, user: User, refusal: Refusal | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if refusal is not None:  # the file was refused while it arrived, so it is missing: say why
            self.fields["file"].error_messages["required"] = refusal.message
        offices = access.registration_offices(user)
        office_field = self.fields["office"]
        assert isinstance(office_field, forms.ModelChoiceField)
        office_field.queryset = offices
        if offices.count() == 1:
            office_field.initial = offices.first()

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not str(upload.name).lower().endswith(SUFFIXES):
            raise forms.ValidationError(_("Upload an .xlsx, .csv or .json file."))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(TOO_LARGE, params={"limit": megabytes(MAX_UPLOAD_BYTES)})
        return upload


class ConfirmForm(forms.Form):
    skip_invalid = forms.BooleanField(label=_("Import the valid rows and leave out those with problems"), required=False)
