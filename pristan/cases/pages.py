"""The frame every case page shares: header, stage actions and section tabs."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pristan.cases.forms import AssignForm, FlagForm, StageForm
from pristan.cases.models import Case
from pristan.cases.registration import HINTS, registration_step, steps
from pristan.cases.selectors import flags_in_force
from pristan.cases.services import ALLOWED_STAGES
from pristan.core import access, trail
from pristan.core.policy import Section

# The tabs of a case page: URL name, label, and the section a user must be granted to see it.
TABS = [
    ("case_summary", _("Summary"), Section.SUMMARY),
    ("case_consent", _("Consent"), Section.CONSENT),
    ("case_referrals", _("Referrals"), Section.SUMMARY),
    ("case_screening", _("Screening"), Section.SCREENING),
    ("case_experience", _("Trafficking experience"), Section.EXPERIENCE),
    ("case_assistance", _("Assistance"), Section.ASSISTANCE),
    ("case_movement", _("Movement"), Section.MOVEMENT),
    ("case_reintegration", _("Reintegration"), Section.REINTEGRATION),
    ("case_notes", _("Notes and tasks"), Section.NOTES),
    ("case_attachments", _("Attachments"), Section.SUMMARY),
    ("case_history", _("History"), Section.HISTORY),
]


def render_case(
    request: HttpRequest, case: Case, template: str, section: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    grant = access.grant_for(request.user, case)
    if grant is None:  # render_case is only reached through access.case_for; never render a case unchecked
        raise Http404
    trail.record_read(request, case=case, section=section.removeprefix("case_"))  # any render shows the case
    writable = grant.writes and case.person.erased_at is None  # nothing more is written for an erased person
    context = {
        "case": case,
        "person": case.person,
        "sections": [(name, label) for name, label, needed in TABS if grant.has(needed)],
        "granted": {str(granted) for granted in grant.sections},
        "section": section,
        # The tab's name titles the page (with the reference, never the person's name: titles end up in browser history).
        "section_label": next((label for name, label, _needed in TABS if name == section), ""),
        "can_write": writable,
        "can_override": grant.overrides,
        # The flags in force, in a band above every tab; only those of sections the reader is granted.
        "flags": flags_in_force(user=request.user, case=case, today=timezone.localdate()),
        "flag_form": context.pop("flag_form", None) or _flag_form(request, case),
        "assign_form": context.pop("assign_form", None) or _assign_form(request, case),
        "stage_form": context.pop("stage_form", None) or (StageForm(allowed=ALLOWED_STAGES[case.stage]) if writable else None),
        "registration": _registration(case) if writable else None,  # the steps, until registration is done
        **context,
    }
    return render(request, template, context, status=status)


def _registration(case: Case) -> dict[str, Any] | None:
    step = registration_step(case=case)
    if step is None:
        return None
    return {"steps": steps(current=step, case=case, can_write=True), "hint": HINTS[step]}


def _assign_form(request: HttpRequest, case: Case) -> AssignForm | None:
    """The caseworker picker, for a supervisor of the case's office (access.may_assign)."""
    if not access.may_assign(request.user, case) or case.person.erased_at is not None:
        return None
    return AssignForm(people=access.assignable_people(case.office, children=case.is_minor), initial={"owner": case.owner_id})


def _flag_form(request: HttpRequest, case: Case) -> FlagForm | None:
    kinds = access.flag_kinds_to_set(request.user, case)
    return FlagForm(kinds=kinds) if kinds else None
