"""The shared form rendering (templates/form.html and the error summary): after a submit with
errors, a summary at the top whose links land on the fields, and fields that name their error."""

import re

import pytest
from django import forms
from django.template import Context, Template
from django.urls import reverse

from pristan.core.templatetags.form_errors import SummaryError, summary_errors


class _Form(forms.Form):
    name = forms.CharField(label="Name")
    kind = forms.ChoiceField(label="Kind", choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)
    purposes = forms.MultipleChoiceField(label="Purposes", choices=[("x", "X")], widget=forms.CheckboxSelectMultiple)
    token = forms.CharField(widget=forms.HiddenInput)

    def clean(self) -> dict[str, object]:
        raise forms.ValidationError("The whole form is wrong.")


def _render(form: forms.Form) -> str:
    return Template('{% include "form.html" %}').render(Context({"form": form}))


def test_the_summary_lists_the_forms_own_errors_first_then_each_field_linked_to_its_control():
    errors = summary_errors(_Form(data={}))
    assert errors[0] == SummaryError(message="The whole form is wrong.")
    assert [(error.label, error.anchor) for error in errors[1:]] == [
        ("Name", "id_name"),
        ("Kind", "id_kind_0"),  # radio buttons: the first option, as Django gives the field's id to their wrapper
        ("Purposes", "id_purposes_0"),
        ("Token", ""),  # a hidden field: nothing to land on
    ]


def test_every_link_of_the_summary_lands_on_a_control_of_the_page_and_fields_name_their_error():
    html = _render(_Form(data={}))
    summary = html[: html.index("</div>")]
    assert "data-error-summary" in summary
    assert 'tabindex="-1"' in summary
    assert "autofocus" in summary
    assert "There is a problem" in summary
    anchors = re.findall(r'href="#([^"]+)"', summary)
    assert anchors == ["id_name", "id_kind_0", "id_purposes_0"]
    for anchor in anchors:
        assert f'id="{anchor}"' in html
    name_input = re.search(r"<input[^>]*name=\"name\"[^>]*>", html)
    assert name_input is not None
    assert 'aria-invalid="true"' in name_input.group()
    assert 'aria-describedby="id_name_error"' in name_input.group()
    assert 'id="id_name_error"' in html
    assert re.search(r'<fieldset aria-describedby="id_kind_error">', html)


def test_a_form_without_errors_has_no_summary():
    assert "data-error-summary" not in _render(_Form())


@pytest.mark.django_db
def test_a_page_form_sent_with_errors_shows_the_summary_with_links_to_its_fields(client_of, ana, active_case):
    response = client_of(ana).post(reverse("task_create", kwargs={"reference": active_case.reference}), {"title": ""})
    html = response.content.decode()
    assert response.status_code in (200, 422)
    assert html.count("data-error-summary") == 1
    assert 'href="#id_title"' in html
    assert 'href="#id_due_on"' in html
    assert 'aria-describedby="id_due_on_error"' in html


@pytest.mark.django_db
def test_the_screening_form_summarises_its_errors_and_its_first_indicator_can_be_linked_to(client_of, ana, case):
    url = reverse("case_screening", kwargs={"reference": case.reference})
    html = client_of(ana).post(url, {"indicator_list": "adult_labour", "indicators": ["not-an-indicator"]}).content.decode()
    assert html.count("data-error-summary") == 1
    assert 'href="#id_indicators_0"' in html
    assert 'id="id_indicators_0"' in html
    assert 'href="#id_decision"' in html
    assert 'href="#id_reason"' in html
