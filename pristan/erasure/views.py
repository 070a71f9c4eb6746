"""Erasure pages: asking for an erasure from a case, the focal point's list and decision, and the
office administrator's retention period."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from pristan.accounts.services import recently_reauthenticated
from pristan.cases.pages import render_case
from pristan.core import access
from pristan.core.forms import show_errors
from pristan.core.http import AuthenticatedRequest
from pristan.core.policy import Section
from pristan.erasure import selectors, services
from pristan.erasure.forms import ErasureDecisionForm, ErasureRequestForm, RetentionForm

WITHDRAW = "withdraw"


@require_http_methods(["GET", "POST"])
def erasure_request(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    """Ask for the person's identifying data to be erased (or withdraw the request awaiting a decision)."""
    case = access.case_for(request.user, reference, section=Section.SUMMARY, write=True)
    pending = selectors.pending_request_of(case.person)
    form = ErasureRequestForm(request.POST if request.method == "POST" and request.POST.get("action") != WITHDRAW else None)
    if request.method == "POST":
        try:
            if request.POST.get("action") == WITHDRAW and pending is not None:
                services.erasure_withdraw(actor=request.user, request=pending)
                messages.success(request, _("The erasure request was withdrawn."))
                return redirect("case_summary", reference=case.reference)
            if form.is_valid():
                services.erasure_request(actor=request.user, case=case, reason=form.cleaned_data["reason"])
                messages.success(request, _("Erasure requested. A data-protection focal point will decide."))
                return redirect("case_summary", reference=case.reference)
        except ValidationError as error:
            show_errors(form, error)
    context = {"form": form, "pending": pending}
    return render_case(request, case, "erasure/request.html", "case_summary", context, status=422 if form.errors else 200)


@require_GET
def erasure_list(request: AuthenticatedRequest) -> HttpResponse:
    """For data-protection focal points: the requests to decide, and what the retention schedule has reached."""
    if not access.erasure_offices(request.user).exists():
        raise PermissionDenied(access.ERASURE_NOT_GRANTED)
    due = selectors.retention_due_for(user=request.user, today=timezone.localdate())
    unfinished = selectors.erasures_unfinished(access.persons_for(request.user))
    context = {
        "pending": selectors.pending_requests_for(user=request.user),
        "due": due.count(),
        "unfinished": unfinished.count(),
        "offices": access.erasure_offices(request.user),
    }
    return render(request, "erasure/list.html", context)


@require_http_methods(["GET", "POST"])
def erasure_decide(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    """The request about the person of this case: what approving would reach, and the decision."""
    case = access.case_for(request.user, reference, section=Section.SUMMARY)
    access.require_erasure_decider(request.user, case.office)
    person = case.person
    pending = selectors.pending_request_of(person)
    form = ErasureDecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if pending is None:
            messages.info(request, _("There is no request awaiting a decision for this person."))
            return redirect("erasure_decide", reference=case.reference)
        if form.approves and not recently_reauthenticated(request):
            messages.info(request, _("Confirm who you are, then approve the request again."))
            return redirect(f"{reverse('reauthenticate')}?{urlencode({'next': request.path})}")
        if form.is_valid():
            try:
                services.erasure_decide(
                    actor=request.user, request=pending, approve=form.approves, note=form.cleaned_data["note"]
                )
            except ValidationError as error:
                show_errors(form, error)
            else:
                if form.approves:
                    messages.success(request, _("The person's identifying data was erased."))
                else:
                    messages.success(request, _("The request was refused."))
                return redirect("erasure_list")
    context = {
        "pending": pending,
        "own_request": pending is not None and pending.requested_by_id == request.user.pk,
        "requests": selectors.requests_of(user=request.user, person=person),
        "cases": access.cases_for(request.user).filter(person=person).select_related("office").order_by("opened_on", "pk"),
        "elsewhere": person.cases.exclude(pk__in=access.cases_for(request.user).values("pk")).exists(),
        "exports": selectors.exports_including(person),
        "decision_form": form,
    }
    return render_case(request, case, "erasure/decide.html", "case_summary", context, status=422 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def retention_settings(request: AuthenticatedRequest) -> HttpResponse:
    """For office administrators: how many years after its cases close a person of their office is erased."""
    offices = selectors.retention_offices_for(request.user)
    if not offices.exists():
        raise PermissionDenied(services.NOT_OFFICE_ADMIN)
    first = offices.first()
    initial = {"office": first, "retention_years": first.retention_years if first else None}
    form = RetentionForm(request.POST if request.method == "POST" else None, offices=offices, initial=initial)
    if form.is_valid():
        office = form.cleaned_data["office"]
        try:
            services.retention_set(actor=request.user, office=office, years=form.cleaned_data["retention_years"])
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("The retention period of %(office)s is saved.") % {"office": office.name})
            return redirect("retention_settings")
    return render(request, "erasure/retention.html", {"form": form, "offices": offices}, status=422 if form.errors else 200)
