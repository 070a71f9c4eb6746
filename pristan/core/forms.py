"""What every form shares: choices built in the active language, and service errors shown beside
the field they concern."""

from typing import Any, cast

from django import forms
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from pristan.core import geography, vocabularies
from pristan.core.models import AuditEntry


def picklist(field: str, *, blank: bool = True) -> list[tuple[str, str]]:
    return ([("", "—")] if blank else []) + vocabularies.choices(field)


def countries(*, blank: bool = True) -> list[tuple[str, str]]:
    return ([("", "—")] if blank else []) + geography.country_choices()


def person_label(user: User) -> str:
    """A colleague as people know them: by name; the username only tells two of one name apart,
    or stands in for a name nobody entered."""
    full_name = user.get_full_name()
    return f"{full_name} ({user.username})" if full_name else user.username


class PersonChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """Choose a colleague by name (`person_label`), listed by surname and given name."""

    def label_from_instance(self, obj: Any) -> str:
        return person_label(obj)


def show_errors(form: forms.Form, error: ValidationError) -> None:
    """Attach a service's ValidationError to the form: by field where the form has that field."""
    if hasattr(error, "error_dict"):
        for name, messages in error.error_dict.items():
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, error)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class MultiCheckbox(forms.CheckboxSelectMultiple):
    pass


def clean_text(value: Any) -> str:
    return str(value or "").strip()


def choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


def model_choice_field(form: forms.BaseForm, name: str) -> forms.ModelChoiceField[Any]:
    return cast(forms.ModelChoiceField[Any], form.fields[name])


class TrailFilterForm(forms.Form):
    actor = forms.CharField(label=_("Who (username)"), required=False, max_length=150)
    action = forms.ChoiceField(label=_("Action"), required=False)
    office = forms.CharField(label=_("Office code"), required=False, max_length=8)
    reference = forms.CharField(label=_("Case reference"), required=False, max_length=30)
    since = forms.DateField(label=_("From"), required=False, widget=DateInput())
    until = forms.DateField(label=_("Until"), required=False, widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "action").choices = [("", _("Any action")), *AuditEntry.Action.choices]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("since", "until"):
            if data.get(name) and data[name].year < 2000:
                self.add_error(name, _("Choose a date in this century."))
        if data.get("since") and data.get("until") and data["until"] < data["since"]:
            self.add_error("until", _("The end cannot be before the start."))
        return data
