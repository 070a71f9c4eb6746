from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from pristan.cases.models import Case
from pristan.cases.pages import render_case
from pristan.cases.registration import page_after_step, registration_step
from pristan.core import access
from pristan.core.forms import show_errors
from pristan.core.http import AuthenticatedRequest
from pristan.core.policy import Section
from pristan.screening.forms import ScreeningForm
from pristan.screening.indicators import IndicatorList, indicator_list_for, indicators_for
from pristan.screening.rules import assess
from pristan.screening.services import screening_record


def _list_for(request: AuthenticatedRequest, case: Case) -> IndicatorList:
    chosen = request.POST.get("indicator_list") or request.GET.get("list")
    if chosen in IndicatorList.values:
        return IndicatorList(chosen)
    sexual = hasattr(case, "experience") and "SexualExploitation" in case.experience.types_of_exploitation
    return indicator_list_for(is_child=case.is_minor, sexual=sexual)


def screening(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    case = access.case_for(request.user, reference, section=Section.SCREENING, write=request.method == "POST")
    indicator_list = _list_for(request, case)
    initial = {"indicator_list": indicator_list, "screened_on": timezone.localdate()}
    form = ScreeningForm(request.POST or None, indicator_list=indicator_list, initial=initial)
    if request.method == "POST" and form.is_valid():
        before = registration_step(case=case)
        try:
            screening_record(actor=request.user, case=case, **form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("Screening recorded."))
            # In a registration, on to the step now current (the case, once consent is there too).
            return redirect(page_after_step(case=case, before=before) or reverse("case_screening", args=[case.reference]))
    valid = {item.key for item in indicators_for(indicator_list)}
    keys = [key for key in form.checked() if key in valid]
    return render_case(request, case, "screening/screening.html", "case_screening", {
        "form": form, "assessment": assess(indicator_list, keys), "lists": IndicatorList,
        "screenings": case.screenings.select_related("screened_by"),
    }, status=422 if form.errors else 200)  # fmt: skip


def suggestion(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    """The live suggestion beside the checklist, recomputed as indicators are ticked (htmx)."""
    case = access.case_for(request.user, reference, section=Section.SCREENING)
    indicator_list = _list_for(request, case)
    valid = {item.key for item in indicators_for(indicator_list)}
    keys = [key for key in request.POST.getlist("indicators") if key in valid]
    return render(request, "screening/_suggestion.html", {"assessment": assess(indicator_list, keys)})
