"""The frame every case page shares: header, stage actions and section tabs."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from pristan.cases.forms import StageForm
from pristan.cases.models import Case
from pristan.cases.services import ALLOWED_STAGES
from pristan.core import access

SECTIONS = [
    ("case_summary", _("Summary")),
    ("case_consent", _("Consent")),
    ("case_screening", _("Screening")),
    ("case_experience", _("Trafficking experience")),
    ("case_assistance", _("Assistance")),
    ("case_notes", _("Notes and tasks")),
    ("case_history", _("History")),
]


def render_case(
    request: HttpRequest, case: Case, template: str, section: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    writable = access.can_write(request.user, case)
    context = {
        "case": case,
        "person": case.person,
        "sections": SECTIONS,
        "section": section,
        "can_write": writable,
        "can_override": access.can_override(request.user, case),
        "stage_form": context.pop("stage_form", None) or (StageForm(allowed=ALLOWED_STAGES[case.stage]) if writable else None),
        **context,
    }
    return render(request, template, context, status=status)
