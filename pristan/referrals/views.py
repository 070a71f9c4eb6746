from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from pristan.assistance.models import ServiceKind
from pristan.cases.models import Case
from pristan.cases.pages import render_case
from pristan.core import access, trail
from pristan.core.forms import show_errors
from pristan.core.http import AuthenticatedRequest
from pristan.core.policy import Section
from pristan.keystore.services import preload_for
from pristan.referrals import selectors, services
from pristan.referrals.forms import DirectoryFilterForm, IncomingReferralForm, ReferralForm, TransferForm
from pristan.referrals.models import Referral, ReferralStatus, Transfer


def _page(request: AuthenticatedRequest, case: Case, status: int = 200, **forms_given: forms.Form) -> HttpResponse:
    referrals = list(selectors.referrals_of(user=request.user, case=case))
    transfers = list(selectors.transfers_of(case))
    return render_case(request, case, "referrals/case_referrals.html", "case_referrals", {
        "referrals": [(referral, access.receives_referral(request.user, referral)) for referral in referrals],
        "transfers": transfers,
        "moves": services.REFERRAL_MOVES, "statuses": ReferralStatus,
        "supervises": {t.to_office_id for t in transfers if access.supervises_office(request.user, t.to_office)},
        # Three forms on one page: each with its own prefix, so that ids and names never collide.
        "referral_form": forms_given.get("referral_form") or ReferralForm(case=case, user=request.user, prefix="referral"),
        "incoming_form": forms_given.get("incoming_form") or IncomingReferralForm(prefix="incoming"),
        "transfer_form": forms_given.get("transfer_form") or TransferForm(case=case, prefix="transfer"),
    }, status=status)  # fmt: skip


@require_safe
def case_referrals(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    return _page(request, access.case_for(request.user, reference, section=Section.SUMMARY))


def _submit(request: AuthenticatedRequest, case: Case, form: forms.Form, save: Any, done: str, form_name: str) -> HttpResponse:
    if form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, done)
            return redirect("case_referrals", reference=case.reference)
    return _page(request, case, status=422, **{form_name: form})


@require_POST
def referral_create(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    case = access.case_for(request.user, reference, section=Section.SUMMARY, write=True)
    form = ReferralForm(request.POST, case=case, user=request.user, prefix="referral")

    def save(data: dict[str, Any]) -> None:
        services.referral_send(actor=request.user, case=case, **data)

    return _submit(request, case, form, save, _("Referral sent."), "referral_form")


@require_POST
def referral_incoming_create(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    case = access.case_for(request.user, reference, section=Section.SUMMARY, write=True)

    def save(data: dict[str, Any]) -> None:
        services.referral_record_incoming(actor=request.user, case=case, **data)

    form = IncomingReferralForm(request.POST, prefix="incoming")
    return _submit(request, case, form, save, _("Incoming referral recorded."), "incoming_form")


@require_POST
def transfer_create(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    case = access.case_for(request.user, reference, section=Section.SUMMARY, write=True)

    def save(data: dict[str, Any]) -> None:
        services.transfer_request(actor=request.user, case=case, **data)

    form = TransferForm(request.POST, case=case, prefix="transfer")
    return _submit(request, case, form, save, _("Transfer requested."), "transfer_form")


def _referral_for(request: AuthenticatedRequest, referral_id: int) -> Referral:
    return access.case_object_for(request.user, Referral, referral_id)


@require_POST
def referral_status(request: AuthenticatedRequest, referral_id: int) -> HttpResponse:
    referral = _referral_for(request, referral_id)
    status = request.POST.get("status", "")
    if status not in ReferralStatus.values:
        messages.error(request, _("Choose the new status from the list."))
    else:
        try:
            services.referral_move(actor=request.user, referral=referral, status=status, note=request.POST.get("note", ""))
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Referral status changed."))
    if access.grant_for(request.user, referral.case) is None:  # a declined partner no longer sees the case
        return redirect("referral_inbox")
    return redirect("case_referrals", reference=referral.case.reference)


def _transfer_for(request: AuthenticatedRequest, transfer_id: int) -> Transfer:
    return access.case_object_for(request.user, Transfer, transfer_id)


@require_POST
def transfer_decide(request: AuthenticatedRequest, transfer_id: int) -> HttpResponse:
    transfer = _transfer_for(request, transfer_id)
    accept = request.POST.get("decision") == "accept"
    try:
        services.transfer_decide(actor=request.user, transfer=transfer, accept=accept)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("referral_inbox")
    messages.success(request, _("Transfer accepted: the case is now your office's.") if accept else _("Transfer declined."))
    if accept:
        return redirect("case_summary", reference=transfer.case.reference)
    return redirect("referral_inbox")


@require_POST
def transfer_cancel(request: AuthenticatedRequest, transfer_id: int) -> HttpResponse:
    transfer = _transfer_for(request, transfer_id)
    try:
        services.transfer_cancel(actor=request.user, transfer=transfer)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Transfer cancelled."))
    return redirect("case_referrals", reference=transfer.case.reference)


@require_safe
def referral_inbox(request: AuthenticatedRequest) -> HttpResponse:
    referrals, transfers = selectors.referrals_awaiting(request.user), selectors.transfers_awaiting(request.user)
    preload_for([*referrals, *transfers])
    shown = [*(referral.case for referral in referrals), *(transfer.case for transfer in transfers)]
    trail.record_listing(request, cases=shown, listing="referral_inbox")
    return render(request, "referrals/inbox.html", {"referrals": referrals, "transfers": transfers})


@require_safe
def partner_directory(request: AuthenticatedRequest) -> HttpResponse:
    form = DirectoryFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    partners = selectors.partner_directory(
        name=data.get("q", ""), service=data.get("service", ""), country=data.get("country", ""), city=data.get("city", "")
    )
    labels = dict(ServiceKind.choices)
    rows = [(partner, [labels[kind] for kind in partner.service_kinds if kind in labels]) for partner in partners]
    return render(request, "referrals/directory.html", {"form": form, "partners": rows})
