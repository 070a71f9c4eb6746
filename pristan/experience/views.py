from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pristan.cases.models import Case
from pristan.cases.pages import render_case
from pristan.core import access
from pristan.core.forms import show_errors
from pristan.core.http import AuthenticatedRequest
from pristan.core.policy import Section
from pristan.experience import services
from pristan.experience.forms import EventForm, ExperienceForm, PerpetratorForm
from pristan.experience.models import TraffickingExperience


def _initial(case: Case) -> dict[str, object]:
    experience = TraffickingExperience.objects.filter(case=case).first()
    if experience is None:
        return {}
    return {name: getattr(experience, name) for name in ExperienceForm.base_fields}


def _page(
    request: AuthenticatedRequest, case: Case, form: ExperienceForm, event_form: EventForm,
    perpetrator_form: PerpetratorForm, status: int = 200,
) -> HttpResponse:  # fmt: skip
    return render_case(request, case, "experience/experience.html", "case_experience", {
        "form": form, "event_form": event_form, "perpetrator_form": perpetrator_form,
        "events": case.events.all(), "perpetrators": case.perpetrators.all(),  # shown only with that section
    }, status=status)  # fmt: skip


def experience(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    case = access.case_for(request.user, reference, section=Section.EXPERIENCE, write=request.method == "POST")
    form = ExperienceForm(request.POST or None, initial=_initial(case))
    if request.method == "POST" and form.is_valid():
        try:
            services.experience_update(actor=request.user, case=case, data=form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("Trafficking experience saved."))
            return redirect("case_experience", reference=case.reference)
    return _page(
        request, case, form, EventForm(prefix="event"), PerpetratorForm(prefix="per"), status=422 if form.errors else 200
    )


@require_POST
def event_create(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    case = access.case_for(request.user, reference, section=Section.EXPERIENCE, write=True)
    form = EventForm(request.POST, prefix="event")
    if form.is_valid():
        try:
            services.event_add(actor=request.user, case=case, data=form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("Step of the route added."))
            return redirect("case_experience", reference=case.reference)
    return _page(request, case, ExperienceForm(initial=_initial(case)), form, PerpetratorForm(prefix="per"), status=422)


@require_POST
def perpetrator_create(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    case = access.case_for(request.user, reference, section=Section.PERPETRATORS, write=True)
    form = PerpetratorForm(request.POST, prefix="per")
    if form.is_valid():
        try:
            services.perpetrator_add(actor=request.user, case=case, data=form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("Perpetrator added."))
            return redirect("case_experience", reference=case.reference)
    return _page(request, case, ExperienceForm(initial=_initial(case)), EventForm(prefix="event"), form, status=422)
