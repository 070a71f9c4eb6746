from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pristan.assistance import selectors, services
from pristan.assistance.forms import ObjectiveForm, ServiceForm, ServiceStatusForm
from pristan.assistance.models import ServiceItem, ServiceStatus
from pristan.cases.models import Case
from pristan.cases.pages import render_case
from pristan.core import access
from pristan.core.forms import show_errors
from pristan.core.http import AuthenticatedRequest
from pristan.core.policy import Section


def _page(
    request: AuthenticatedRequest, case: Case, objective_form: ObjectiveForm, service_form: ServiceForm, status: int = 200
) -> HttpResponse:
    return render_case(request, case, "assistance/assistance.html", "case_assistance", {
        "objectives": selectors.objectives_visible(user=request.user, case=case),
        "services": selectors.services_visible(user=request.user, case=case),
        "objective_form": objective_form, "service_form": service_form,
        "transitions": services.SERVICE_TRANSITIONS, "statuses": ServiceStatus,
    }, status=status)  # fmt: skip


def assistance(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    case = access.case_for(request.user, reference, section=Section.ASSISTANCE)
    return _page(
        request,
        case,
        ObjectiveForm(prefix="obj"),
        ServiceForm(prefix="svc", case=case, user=request.user),
    )


@require_POST
def objective_create(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    case = access.case_for(request.user, reference, section=Section.ASSISTANCE, write=True)
    form = ObjectiveForm(request.POST, prefix="obj")
    if form.is_valid():
        try:
            services.objective_add(actor=request.user, case=case, data=form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("Objective added to the plan."))
            return redirect("case_assistance", reference=case.reference)
    return _page(
        request,
        case,
        form,
        ServiceForm(prefix="svc", case=case, user=request.user),
        status=422,
    )


@require_POST
def service_create(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    case = access.case_for(request.user, reference, section=Section.ASSISTANCE, write=True)
    form = ServiceForm(request.POST, prefix="svc", case=case, user=request.user)
    if form.is_valid():
        try:
            services.service_add(actor=request.user, case=case, data=form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("Service added."))
            return redirect("case_assistance", reference=case.reference)
    return _page(request, case, ObjectiveForm(prefix="obj"), form, status=422)


@require_POST
def service_status(request: AuthenticatedRequest, service_id: int) -> HttpResponse:
    service = access.case_object_for(request.user, ServiceItem, service_id, write=True)
    form = ServiceStatusForm(request.POST)
    if form.is_valid():
        try:
            services.service_change_status(actor=request.user, service=service, status=form.cleaned_data["status"])
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Service status changed."))
    else:
        messages.error(request, _("Choose the new status from the list."))
    return redirect("case_assistance", reference=service.case.reference)
