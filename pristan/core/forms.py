"""What every form shares: choices built in the active language, and service errors shown beside
the field they concern."""

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from pristan.core import geography, vocabularies


def picklist(field: str, *, blank: bool = True) -> list[tuple[str, str]]:
    return ([("", "—")] if blank else []) + vocabularies.choices(field)


def countries(*, blank: bool = True) -> list[tuple[str, str]]:
    return ([("", "—")] if blank else []) + geography.country_choices()


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
