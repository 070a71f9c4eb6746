"""The error summary at the top of a form after a submit with errors: what went wrong, each error
a link to its field, focused on arrival so that a keyboard or screen-reader user starts there."""

from dataclasses import dataclass
from typing import Any

from django import forms, template
from django.forms.widgets import ChoiceWidget

register = template.Library()


@dataclass(frozen=True)
class SummaryError:
    message: str
    label: str = ""
    anchor: str = ""  # the id of the control to jump to; empty where there is none (a form's own errors)


def _anchor(field: forms.BoundField) -> str:
    """The control a link should land on. Radio buttons and checkbox lists have no control of the
    field's own id (Django gives it to their wrapper): the first option is where one starts choosing."""
    if field.is_hidden or not field.auto_id:
        return ""
    if field.id_for_label:
        return str(field.id_for_label)
    if isinstance(field.field.widget, ChoiceWidget) and field.subwidgets:
        return str(field.subwidgets[0].id_for_label)
    return str(field.auto_id)


def summary_errors(form: forms.BaseForm) -> list[SummaryError]:
    """The form's errors in the order a reader meets them: its own first, then field by field."""
    errors = [SummaryError(message=str(message)) for message in form.non_field_errors()]
    for field in form:
        anchor = _anchor(field)
        errors += [SummaryError(message=str(message), label=str(field.label or ""), anchor=anchor) for message in field.errors]
    return errors


@register.inclusion_tag("error_summary.html")
def error_summary(form: forms.BaseForm | None) -> dict[str, Any]:
    return {"errors": summary_errors(form) if form is not None and form.is_bound else []}
