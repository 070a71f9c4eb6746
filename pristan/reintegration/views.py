"""The Reintegration tab of a case, and the page for recording a monitoring visit.

Every route is under the case's reference; the visit, item or event a request concerns is chosen
in the form, from what the reader may see of that case (so it is always loaded through access)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from pristan.cases.models import Case
from pristan.cases.pages import render_case
from pristan.core import access
from pristan.core.forms import show_errors
from pristan.core.http import AuthenticatedRequest
from pristan.core.policy import Section
from pristan.reintegration import chart, closure, schedule, selectors, services
from pristan.reintegration.forms import (
    DisbursementForm,
    EventForm,
    ItemForm,
    ItemStatusForm,
    NotPossibleForm,
    OverrideForm,
    PlanForm,
    VisitForm,
)
from pristan.reintegration.models import AssistanceItem, ItemStatus, Visit, VisitStatus


@dataclass(frozen=True)
class ItemRow:
    item: AssistanceItem
    disbursed: dict[str, Decimal]
    next_statuses: list[tuple[str, str]]


@dataclass(frozen=True)
class VisitRow:
    visit: Visit
    overdue: bool


def _forms(request: AuthenticatedRequest, case: Case, given: dict[str, Any]) -> dict[str, Any]:
    """The tab's forms, fresh unless the request brought one back with errors."""
    plan = selectors.plan_of(case)
    user = request.user
    plan_initial = {name: getattr(plan, name) for name in services.PLAN_FIELDS} if plan else {}
    fresh: dict[str, Any] = {
        "plan_form": lambda: PlanForm(prefix="plan", initial=plan_initial),
        "item_form": lambda: ItemForm(prefix="item", case=case, user=user),
        "payment_form": lambda: DisbursementForm(prefix="pay", case=case, user=user, initial={"paid_on": timezone.localdate()}),
        "not_possible_form": lambda: NotPossibleForm(prefix="np", case=case),
        "event_form": lambda: EventForm(prefix="event", case=case),
        "override_form": lambda: OverrideForm(prefix="override"),
    }  # fmt: skip
    return {name: given[name] if name in given else make() for name, make in fresh.items()}


def _page(request: AuthenticatedRequest, case: Case, status: int = 200, **given: Any) -> HttpResponse:
    today = timezone.localdate()
    plan = selectors.plan_of(case)
    items = [
        ItemRow(item, selectors.disbursed(item), [
            (value, str(label)) for value, label in ItemStatus.choices if value in services.ITEM_TRANSITIONS[item.status]
        ])
        for item in selectors.items_visible(user=request.user, case=case)
    ]  # fmt: skip
    visits = [
        VisitRow(visit, schedule.is_overdue(visit.due_on, done=visit.status != VisitStatus.PLANNED, today=today))
        for visit in selectors.visits_of(case)
    ]
    rows = selectors.score_rows(case)
    return render_case(request, case, "reintegration/reintegration.html", "case_reintegration", {
        "plan": plan, "items": items, "visits": visits, "rows": rows,
        "overdue_count": sum(row.overdue for row in visits),
        "chart": chart.score_chart(rows, threshold=closure.close_score()),
        "criteria": closure.closure_criteria(plan) if plan else [],
        "overrides": case.reintegration_overrides.select_related("by"),
        "events": selectors.events_of(case),
        "grace_days": schedule.GRACE.days,
        **_forms(request, case, given),
    }, status=status)  # fmt: skip


@require_GET
def reintegration(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    case = access.case_for(request.user, reference, section=Section.REINTEGRATION)
    return _page(request, case)


@require_POST
def plan_save(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    case = access.case_for(request.user, reference, section=Section.REINTEGRATION, write=True)
    form = PlanForm(request.POST, prefix="plan")
    if form.is_valid():
        try:
            services.plan_save(actor=request.user, case=case, data=form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("Reintegration plan saved."))
            return redirect("case_reintegration", reference=case.reference)
    return _page(request, case, status=422, plan_form=form)


@require_POST
def item_create(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    case = access.case_for(request.user, reference, section=Section.REINTEGRATION, write=True)
    form = ItemForm(request.POST, prefix="item", case=case, user=request.user)
    if form.is_valid():
        try:
            services.item_add(actor=request.user, case=case, data=form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("Assistance added to the reintegration plan."))
            return redirect("case_reintegration", reference=case.reference)
    return _page(request, case, status=422, item_form=form)


@require_POST
def item_status(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    case = access.case_for(request.user, reference, section=Section.REINTEGRATION, write=True)
    form = ItemStatusForm(request.POST, case=case, user=request.user)
    if form.is_valid():
        try:
            services.item_change_status(actor=request.user, item=form.cleaned_data["item"], status=form.cleaned_data["status"])
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Status changed."))
    else:
        messages.error(request, _("Choose the assistance and its new status from the lists."))
    return redirect("case_reintegration", reference=case.reference)


@require_POST
def payment_create(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    case = access.case_for(request.user, reference, section=Section.REINTEGRATION, write=True)
    form = DisbursementForm(request.POST, prefix="pay", case=case, user=request.user)
    if form.is_valid():
        try:
            services.disbursement_add(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("Payment recorded."))
            return redirect("case_reintegration", reference=case.reference)
    return _page(request, case, status=422, payment_form=form)


def visit_record(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    case = access.case_for(request.user, reference, section=Section.REINTEGRATION, write=True)
    survey = selectors.latest_survey()
    if survey is None:
        messages.error(request, str(services.NO_SURVEY))
        return redirect("case_reintegration", reference=case.reference)
    if request.method == "POST":
        form = VisitForm(request.POST, case=case, survey=survey)
        if form.is_valid():
            try:
                services.visit_record(
                    actor=request.user, visit=form.cleaned_data["visit"], done_on=form.cleaned_data["done_on"],
                    answers=form.answers(), note=form.cleaned_data["note"],
                )  # fmt: skip
            except ValidationError as error:
                show_errors(form, error)
            else:
                messages.success(request, _("Monitoring visit recorded."))
                return redirect("case_reintegration", reference=case.reference)
        return _visit_page(request, case, form, status=422)
    planned = case.reintegration_visits.filter(status=VisitStatus.PLANNED).order_by("due_on", "id")
    asked = request.GET.get("visit", "")
    chosen = planned.filter(pk=int(asked)).first() if asked.isdigit() else None
    chosen = chosen or planned.first()
    if chosen is None:
        messages.error(request, _("No monitoring visit is planned: set the date of arrival in the reintegration plan first."))
        return redirect("case_reintegration", reference=case.reference)
    initial: dict[str, int | date] = {"visit": chosen.pk, "done_on": timezone.localdate()}
    return _visit_page(request, case, VisitForm(case=case, survey=survey, initial=initial))


def _visit_page(request: AuthenticatedRequest, case: Case, form: VisitForm, status: int = 200) -> HttpResponse:
    return render_case(request, case, "reintegration/visit.html", "case_reintegration", {"form": form}, status=status)


@require_POST
def visit_not_possible(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    case = access.case_for(request.user, reference, section=Section.REINTEGRATION, write=True)
    form = NotPossibleForm(request.POST, prefix="np", case=case)
    if form.is_valid():
        try:
            services.visit_mark_not_possible(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("The visit is marked as not possible."))
            return redirect("case_reintegration", reference=case.reference)
    return _page(request, case, status=422, not_possible_form=form)


@require_POST
def event_create(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    case = access.case_for(request.user, reference, section=Section.REINTEGRATION, write=True)
    form = EventForm(request.POST, prefix="event", case=case)
    if form.is_valid():
        try:
            services.event_record(actor=request.user, case=case, data=form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("Event recorded."))
            return redirect("case_reintegration", reference=case.reference)
    return _page(request, case, status=422, event_form=form)


@require_POST
def closure_override(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    case = access.case_for(request.user, reference, section=Section.REINTEGRATION, write=True)
    access.require_override(request.user, case)
    form = OverrideForm(request.POST, prefix="override")
    if form.is_valid():
        try:
            services.closure_override_record(actor=request.user, case=case, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("Your decision is recorded: the case may close without the criteria."))
            return redirect("case_reintegration", reference=case.reference)
    return _page(request, case, status=422, override_form=form)
