"""The pages of possible duplicates: the matches shown while registering, opening a new case for a
returning person, the review queue, one pair, the merge and the unmerge. Thin: access through
pristan/core/access.py, writes through the services."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from pristan.cases.forms import RegisterForm
from pristan.core import access, paging
from pristan.core.audit import audit_record_nowait
from pristan.core.http import AuthenticatedRequest, client_ip
from pristan.core.models import AuditEntry
from pristan.duplicates import selectors, services
from pristan.duplicates.forms import DecisionForm, MergeForm, OpenCaseForm, QueueFilterForm, person_data
from pristan.duplicates.merge import merge_preview, person_merge, person_unmerge
from pristan.duplicates.models import CandidatePair, PairDecision
from pristan.keystore.services import preload_for
from pristan.people.models import Person

# A look-up needs something to look for: at least this many letters of a name.
LOOKUP_MIN_LETTERS = 2


@require_POST
def possible_matches(request: AuthenticatedRequest) -> HttpResponse:
    """The registration form as typed so far (htmx, debounced): the possible matches, split by
    what the caseworker may see. Nothing of what was typed is kept or recorded."""
    offices = access.registration_offices(request.user)
    if not offices.exists():
        raise PermissionDenied(_("You cannot register persons in any office."))
    form = RegisterForm(request.POST, offices=offices)
    form.is_valid()  # half filled while typing: the valid fields are compared, the others left out
    data = person_data(form.cleaned_data)
    context: dict[str, object] = {"ask_check": bool(request.POST.get("ask_check"))}
    if len((data.given_name + data.family_name).strip()) >= LOOKUP_MIN_LETTERS:
        try:
            context["matches"] = services.matches_look_up(actor=request.user, data=data, ip=client_ip(request))
        except services.TooManyLookups as error:
            context["throttled"] = str(error)
    return render(request, "duplicates/_matches.html", context)


@require_POST
def open_case(request: AuthenticatedRequest) -> HttpResponse:
    """ "Open a new case for this person": a button on a match card, posting the registration form
    with the person chosen. The new case then goes through the registration's next step, consent."""
    offices = access.registration_offices(request.user)
    if not offices.exists():
        raise PermissionDenied(_("You cannot register persons in any office."))
    form = OpenCaseForm(request.POST, offices=offices)
    if not form.is_valid():
        if "person" in form.errors:
            raise Http404
        raise PermissionDenied(_("You cannot open cases in this office."))
    person = access.persons_for(request.user).filter(pk=form.cleaned_data["person"]).first()
    if person is None:
        raise Http404
    try:
        case = services.returning_case_open(actor=request.user, person=person, office=form.cleaned_data["office"])
    except ValidationError as error:
        for problem in error.messages:
            messages.error(request, problem)
        return redirect("register")
    messages.success(
        request, _("Case %(reference)s opened for a person already registered. Now record the person's consent.")
        % {"reference": case.reference},
    )  # fmt: skip
    return redirect("case_consent", reference=case.reference)


@require_safe
def queue(request: AuthenticatedRequest) -> HttpResponse:
    access.require_review_duplicates(request.user)
    form = QueueFilterForm(request.GET or None, offices=access.offices_for(request.user).order_by("code"))
    data = form.cleaned_data if form.is_valid() else {}
    status = data.get("status") or "open"
    size = settings.PRISTAN_CASES_PER_PAGE
    number = paging.page_number(request.GET, "page")
    context: dict[str, object] = {"form": form, "status": status}
    if status == "merged":  # a merged record is no longer anyone's to see: the merges are listed by their survivor
        merges = paging.numbered_page(selectors.merges_for(user=request.user), number=number, size=size)
        preload_for([person for record in merges.rows for person in (record.survivor, record.merged)])
        context["page"] = merges
    else:
        pairs = selectors.pair_queue(
            user=request.user, office=data.get("office"), found_by=data.get("found_by") or "", status=status
        )
        page = paging.numbered_page(pairs, number=number, size=size)
        rows = selectors.queue_rows(page.rows)
        preload_for([person for pair in rows for person in (pair.person_a, pair.person_b)])
        context |= {"page": page, "rows": rows}
    return render(request, "duplicates/queue.html", context)


@require_safe
def pair(request: AuthenticatedRequest, pair_id: int) -> HttpResponse:
    found = access.duplicate_pair_for(request.user, pair_id)
    first, second = selectors.pair_sides(user=request.user, pair=found)
    preload_for([first.person, second.person])
    with transaction.atomic():  # opening two persons' values is a read of both, recorded
        audit_record_nowait(
            actor=request.user, action=AuditEntry.Action.VIEW, obj=found, fields=selectors.COMPARED_FIELDS,
            detail="possible duplicate", ip=client_ip(request),
        )  # fmt: skip
    context = {
        "pair": found,
        "first": first,
        "second": second,
        "reasons": selectors.reason_labels(found.reasons),
        "decisions": found.decisions.select_related("decided_by")[:10],
        "asked": found.check_requests.filter(handled_at__isnull=True).exists(),
        "decidable": found.status in services.DECIDABLE,
    }
    return render(request, "duplicates/pair.html", context)


@require_POST
def pair_decide(request: AuthenticatedRequest, pair_id: int) -> HttpResponse:
    found = access.duplicate_pair_for(request.user, pair_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the decisions offered."))
        return redirect("duplicates:pair", pair_id=found.pk)
    try:
        services.pair_decide(actor=request.user, pair=found, decision=form.cleaned_data["decision"])
    except ValidationError as error:
        for problem in error.messages:
            messages.error(request, problem)
        return redirect("duplicates:pair", pair_id=found.pk)
    if form.cleaned_data["decision"] == PairDecision.Decision.SAME:
        return redirect("duplicates:merge", pair_id=found.pk)
    messages.success(request, _("Your decision was recorded."))
    return redirect("duplicates:queue")


def merge(request: AuthenticatedRequest, pair_id: int) -> HttpResponse:
    """The merge confirmation: what would move, the consent in force for each case, who would newly
    see what; the reviewer chooses the record that stays and confirms."""
    found = access.duplicate_pair_for(request.user, pair_id)
    if found.status == CandidatePair.Status.MERGED:
        messages.error(request, _("These two records are already merged."))
        return redirect("duplicates:pair", pair_id=found.pk)
    # A GET with ?survivor= previews the other choice; a POST confirms the one shown.
    form = MergeForm((request.POST if request.method == "POST" else request.GET) or None, pair=found)
    valid = form.is_valid()
    chosen = form.cleaned_data["survivor"] if valid else str(found.person_a_id)
    survivor, other = (found.person_a, found.person_b) if chosen == str(found.person_a_id) else (found.person_b, found.person_a)
    if request.method == "POST" and valid:
        try:
            record = person_merge(actor=request.user, survivor=survivor, other=other, pair=found)
        except (ValidationError, PermissionDenied) as error:
            _refused(request, error)
        else:
            messages.success(request, _("The two records are merged: one person, with the cases of both."))
            return redirect("duplicates:merged", merge_id=record.pk)
    try:
        preview = merge_preview(actor=request.user, survivor=survivor, other=other)
    except (ValidationError, PermissionDenied) as error:
        _refused(request, error)
        return redirect("duplicates:pair", pair_id=found.pk)
    preload_for([survivor, other])
    differing = [getattr(Person._meta.get_field(name), "verbose_name", name) for name in preview.differing_fields]
    context = {"pair": found, "form": form, "preview": preview, "survivor": survivor, "other": other, "differing": differing}
    return render(request, "duplicates/merge.html", context)


def _refused(request: AuthenticatedRequest, error: ValidationError | PermissionDenied) -> None:
    for problem in getattr(error, "messages", None) or [str(error)]:
        messages.error(request, problem)


@require_safe
def merged(request: AuthenticatedRequest, merge_id: int) -> HttpResponse:
    record = access.merge_record_for(request.user, merge_id)
    preload_for([record.survivor, record.merged])
    cases = list(access.cases_for(request.user).filter(person=record.survivor).order_by("opened_on", "pk"))
    return render(request, "duplicates/merged.html", {"record": record, "cases": cases})


@require_POST
def unmerge(request: AuthenticatedRequest, merge_id: int) -> HttpResponse:
    record = access.merge_record_for(request.user, merge_id)
    try:
        person_unmerge(actor=request.user, record=record)
    except (ValidationError, PermissionDenied) as error:
        _refused(request, error)
    else:
        messages.success(request, _("The merge was undone: both records are as they were."))
    return redirect("duplicates:merged", merge_id=record.pk)
