from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from pristan.cases import selectors, services
from pristan.cases.forms import (
    AssignForm,
    BulkAction,
    BulkForm,
    CaseFilterForm,
    ConsentForm,
    FlagForm,
    FlagRemoveForm,
    NoteForm,
    OverrideForm,
    RegisterForm,
    StageForm,
    TaskForm,
    case_filters,
)
from pristan.cases.models import Case, CaseFlag, ConsentPurpose, Task
from pristan.cases.pages import render_case
from pristan.cases.printing import case_summary_pdf
from pristan.cases.registration import HINTS, RegistrationStep, page_after_step, registration_step, steps
from pristan.core import access, paging, trail
from pristan.core.forms import person_label, show_errors
from pristan.core.http import AuthenticatedRequest, client_ip
from pristan.core.models import Office
from pristan.core.policy import Section
from pristan.duplicates import selectors as duplicates_selectors
from pristan.duplicates import services as duplicates
from pristan.duplicates.forms import person_data
from pristan.exports import views as exports_views
from pristan.keystore.services import preload_for
from pristan.people.forms import DocumentForm, PersonForm
from pristan.people.rules import person_errors
from pristan.people.services import PERSON_FIELDS, document_add, person_update
from pristan.reintegration.selectors import overdue_visits_for


def my_cases(request: AuthenticatedRequest) -> HttpResponse:
    """The user's tasks (overdue, then due), overdue monitoring visits and open cases: each list a
    page of its own, numbered in the address (`overdue`, `due`, `visits`, `cases`), so the page
    costs the same for ten tasks or ten thousand."""
    today = timezone.localdate()
    size = settings.PRISTAN_CASES_PER_PAGE
    tasks = selectors.tasks_open_for(user=request.user)
    overdue = paging.numbered_page(tasks.filter(due_on__lt=today), number=paging.page_number(request.GET, "overdue"), size=size)
    due = paging.numbered_page(tasks.filter(due_on__gte=today), number=paging.page_number(request.GET, "due"), size=size)
    cases = paging.numbered_page(
        selectors.my_open_cases(user=request.user), number=paging.page_number(request.GET, "cases"), size=size
    )
    visits = overdue_visits_for(user=request.user, today=today, number=paging.page_number(request.GET, "visits"), size=size)
    preload_for([*overdue.rows, *due.rows, *cases.rows, *visits.rows])  # the names on the page, unwrapped in one query
    shown = [*cases.rows, *(task.case for task in [*overdue.rows, *due.rows]), *(visit.case for visit in visits.rows)]
    trail.record_listing(request, cases=shown, listing="my_cases")
    context = {"overdue": overdue, "due": due, "cases": cases, "overdue_visits": visits, "today": today}
    return render(request, "cases/my_cases.html", context)


def case_list(request: AuthenticatedRequest) -> HttpResponse:
    # Searches are posted, never put in the address: a name must not reach URLs, history or logs.
    # Every other filter and the order may come in the address too (the start page links a
    # caseworker's cases: ?owner=12&office=SOF).
    submitted = request.POST if request.method == "POST" else request.GET.copy()
    if request.method == "GET":
        submitted.pop("q", None)
    offices = access.offices_for(request.user)
    form = CaseFilterForm(
        submitted or None, user=request.user, offices=offices, flag_kinds=access.flag_kinds_to_filter(request.user)
    )
    data = form.cleaned_data if form.is_valid() else {}
    # A column's sort button (sort_by) starts the new order on its first page; otherwise the order
    # the results carry goes on with the pager and with every change of the filters.
    sort = selectors.Sort.parse(submitted.get("sort_by") or data.get("sort"))
    page = selectors.case_list_page(
        user=request.user, filters=case_filters(data), sort=sort,
        page=selectors.PageRequest() if submitted.get("sort_by") else selectors.PageRequest.parse(submitted.get("page")),
        per_page=settings.PRISTAN_CASES_PER_PAGE,
    )  # fmt: skip
    preload_for(page.cases)  # the names on the page, and only those, unwrapped in one query
    trail.record_listing(request, cases=page.cases, listing="case_list")  # which cases, never what was searched for
    flags = selectors.flags_on_cases(user=request.user, cases=page.cases, today=timezone.localdate())
    for case in page.cases:
        setattr(case, "listed_flags", flags.get(case.pk, []))  # noqa: B010 - for the rows of this page only
    bulk = access.may_act_in_bulk(request.user)
    context = {"form": form, "page": page, "sort": sort, "sortable": _sortable(sort), "bulk": bulk}
    if bulk and not request.headers.get("HX-Request"):
        context["bulk_form"] = _bulk_form(request)
    template = "cases/_results.html" if request.headers.get("HX-Request") else "cases/list.html"
    return render(request, template, context)


def _sortable(sort: selectors.Sort) -> dict[str, dict[str, str | bool]]:
    """For each sortable column: its aria-sort, and the order its button asks for (the other way
    round when it is the current order)."""
    columns: dict[str, dict[str, str | bool]] = {}
    for key in selectors.SORTS:
        current = key == sort.key
        aria = ("descending" if sort.descending else "ascending") if current else "none"
        # A date reads newest first the first time; names and stages from A and from the journey's start.
        wanted_descending = (not sort.descending) if current else key == "opened"
        columns[key] = {"aria": aria, "next": f"{'-' if wanted_descending else ''}{key}", "descending": wanted_descending}
    return columns


def _bulk_form(request: AuthenticatedRequest, data: Any = None) -> BulkForm:
    offices = access.supervised_offices(request.user)
    return BulkForm(
        data, people=access.caseworkers_of(offices), offices=Office.objects.order_by("code"),
        exports=access.may_export(request.user),
    )  # fmt: skip


@require_POST
def case_bulk(request: AuthenticatedRequest) -> HttpResponse:
    """A supervisor's action on the cases ticked on the list: all of them or none (cases.services)."""
    access.require_bulk(request.user)
    form = _bulk_form(request, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        ids = list(data["selected"])
        if data["action"] == BulkAction.EXPORT and ids:  # the way of every export: identity, purpose, consent, audit
            return exports_views.take_selection(request, ids)
        cases = list(access.cases_for(request.user).filter(pk__in=ids).select_related("person", "office", "owner"))
        try:
            if data["action"] == BulkAction.ASSIGN:
                count = services.case_assign_many(actor=request.user, cases=cases, owner=data["assignee"], expected=len(ids))
                message = ngettext("%(count)s case assigned to %(person)s.", "%(count)s cases assigned to %(person)s.", count) % {
                    "count": count,
                    "person": person_label(data["assignee"]),
                }
            else:
                count = services.case_transfer_many(
                    actor=request.user, cases=cases, to_office=data["to_office"], reason=data["reason"], expected=len(ids)
                )
                message = ngettext(
                    "%(office)s was asked to take over %(count)s case.",
                    "%(office)s was asked to take over %(count)s cases.",
                    count,
                ) % {"count": count, "office": data["to_office"]}
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, message)
            return redirect("case_list")
    for problem in form.errors.get("__all__", []):
        messages.error(request, str(problem))
    for name, problems in form.errors.items():
        if name != "__all__":
            for problem in problems:
                messages.error(request, f"{form.fields[name].label}: {problem}" if form.fields[name].label else str(problem))
    return redirect("case_list")


@require_POST
def case_assign(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    case = access.case_for(request.user, reference, section=Section.SUMMARY)
    access.require_assign(request.user, case)
    form = AssignForm(request.POST, people=access.assignable_people(case.office, children=case.is_minor))
    if form.is_valid():
        try:
            services.case_assign(actor=request.user, case=case, owner=form.cleaned_data["owner"])
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("%(person)s is now the caseworker.") % {"person": person_label(case.owner)})
            return redirect("case_summary", reference=case.reference)
    return render_case(
        request, case, "cases/summary.html", "case_summary",
        {"documents": case.person.documents.all(), "assign_form": form}, status=422,
    )  # fmt: skip


def register(request: AuthenticatedRequest) -> HttpResponse:
    """Step one of registration. Before a person is created, the possible matches of what was typed
    are looked up (pristan/duplicates): shown while typing (htmx), or, without scripts, once on the
    first submit, with "Register as a new person anyway"."""
    offices = access.registration_offices(request.user)
    form = RegisterForm(request.POST or None, offices=offices)
    matches = None
    # Values the person's record would refuse are told first: nothing is looked up for them.
    if request.method == "POST" and form.is_valid() and (problems := person_errors(form.cleaned_data)):
        show_errors(form, ValidationError(problems))
    elif request.method == "POST" and form.is_valid():
        try:
            done = duplicates.register_unless_matched(
                actor=request.user, office=form.cleaned_data["office"], data=form.cleaned_data,
                compared=person_data(form.cleaned_data), ask_check=bool(request.POST.get("ask_check")),
                seen=bool(request.POST.get("matches_seen") or request.POST.get("anyway")), ip=client_ip(request),
            )  # fmt: skip
        except duplicates.TooManyLookups as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            show_errors(form, error)
        else:
            if done.case is not None:
                messages.success(
                    request, _("Case %(reference)s opened. Now record the person's consent.") % {"reference": done.case.reference}
                )
                return redirect("case_consent", reference=done.case.reference)
            matches = done.matches
    return render(request, "cases/register.html", {
        "form": form, "no_office": not offices.exists(), "steps": steps(current=RegistrationStep.PERSON),
        "hint": HINTS[RegistrationStep.PERSON], "matches": matches, "ask_check": bool(request.POST.get("ask_check")),
    })  # fmt: skip


def case_summary(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    case = access.case_for(request.user, reference, section=Section.SUMMARY)
    merges = duplicates_selectors.merges_into(user=request.user, person=case.person)  # for reviewers only: undone from there
    return render_case(
        request, case, "cases/summary.html", "case_summary", {"documents": case.person.documents.all(), "merges": merges}
    )


@require_safe
def case_print(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    """The case summary as a PDF, holding what the reader may see of the case; each print is recorded."""
    case = access.case_for(request.user, reference, section=Section.SUMMARY)
    content, sections = case_summary_pdf(user=request.user, case=case)
    trail.record_print(request, case=case, sections=sections)
    response = HttpResponse(content, content_type="application/pdf")
    # Named after the reference only: a person's name must not reach a download folder or a browser's history.
    response["Content-Disposition"] = f'attachment; filename="{case.reference}.pdf"'
    response["Cache-Control"] = "no-store, private"
    return response


def person_edit(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    case = access.case_for(request.user, reference, section=Section.SUMMARY, write=True)
    person = case.person
    form = PersonForm(request.POST or None, initial={name: getattr(person, name) for name in PERSON_FIELDS})
    document_form = DocumentForm(prefix="doc")
    if request.method == "POST" and form.is_valid():
        try:
            person_update(actor=request.user, case=case, data=form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("case_summary", reference=case.reference)
    return render_case(request, case, "cases/person_edit.html", "case_summary", {"form": form, "document_form": document_form})


@require_POST
def document_create(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    case = access.case_for(request.user, reference, section=Section.SUMMARY, write=True)
    document_form = DocumentForm(request.POST, prefix="doc")
    if document_form.is_valid():
        try:
            document_add(actor=request.user, case=case, data=document_form.cleaned_data)
        except ValidationError as error:
            show_errors(document_form, error)
        else:
            messages.success(request, _("Document added."))
            return redirect("case_summary", reference=case.reference)
    form = PersonForm(initial={name: getattr(case.person, name) for name in PERSON_FIELDS})
    return render_case(
        request, case, "cases/person_edit.html", "case_summary", {"form": form, "document_form": document_form}, status=422
    )


@require_POST
def stage_change(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    case = access.case_for(request.user, reference, section=Section.SUMMARY, write=True)
    form = StageForm(request.POST, allowed=services.ALLOWED_STAGES[case.stage])
    if form.is_valid():
        try:
            services.case_change_stage(actor=request.user, case=case, **form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("The case is now in the stage: %(stage)s.") % {"stage": case.get_stage_display()})
            return redirect("case_summary", reference=case.reference)
    return render_case(
        request, case, "cases/summary.html", "case_summary",
        {"documents": case.person.documents.all(), "stage_form": form}, status=422,
    )  # fmt: skip


def consent(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    case = access.case_for(request.user, reference, section=Section.CONSENT, write=request.method == "POST")
    form = ConsentForm(request.POST or None, initial={"on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        before = registration_step(case=case)
        try:
            services.consents_record(
                actor=request.user, case=case, decisions=form.decisions(), on=form.cleaned_data["on"],
                note=form.cleaned_data["note"],
            )  # fmt: skip
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("Consent recorded."))
            return redirect(page_after_step(case=case, before=before) or reverse("case_consent", args=[case.reference]))
    return _consent_page(request, case, form, OverrideForm(), status=422 if form.errors else 200)


@require_POST
def consent_override(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    case = access.case_for(request.user, reference, section=Section.CONSENT)
    access.require_override(request.user, case)
    form = OverrideForm(request.POST)
    if form.is_valid():
        before = registration_step(case=case)
        try:
            services.consent_override(actor=request.user, case=case, **form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("Your override is recorded."))
            return redirect(page_after_step(case=case, before=before) or reverse("case_consent", args=[case.reference]))
    consent_form = ConsentForm(initial={"on": timezone.localdate()})
    return _consent_page(request, case, consent_form, form, status=422)


def _consent_page(
    request: AuthenticatedRequest, case: Case, form: ConsentForm, override_form: OverrideForm, status: int
) -> HttpResponse:
    return render_case(request, case, "cases/consent.html", "case_consent", {
        "form": form, "override_form": override_form,
        "in_force": selectors.consents_for(case),
        "events": case.consent_events.select_related("recorded_by"),
        "overrides": case.consent_overrides.select_related("by"),
        "purposes": ConsentPurpose,
    }, status=status)  # fmt: skip


def notes(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    case = access.case_for(request.user, reference, section=Section.NOTES)
    return _notes_page(request, case, NoteForm(), TaskForm(case=case, initial={"assignee": request.user}))


def _notes_page(
    request: AuthenticatedRequest, case: Case, note_form: NoteForm, task_form: TaskForm, status: int = 200
) -> HttpResponse:
    # Both lists grow as long as the case lasts: a page of each, numbered in the address.
    size = settings.PRISTAN_CASES_PER_PAGE
    notes = paging.numbered_page(
        case.notes.select_related("author").order_by("-created_at", "-id"),
        number=paging.page_number(request.GET, "notes"),
        size=size,
    )
    tasks = paging.numbered_page(
        case.tasks.select_related("assignee").order_by("due_on", "id"), number=paging.page_number(request.GET, "tasks"), size=size
    )
    return render_case(request, case, "cases/notes.html", "case_notes", {
        "notes": notes, "tasks": tasks, "note_form": note_form, "task_form": task_form, "today": timezone.localdate(),
    }, status=status)  # fmt: skip


@require_POST
def note_create(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    case = access.case_for(request.user, reference, section=Section.NOTES, write=True)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.note_add(actor=request.user, case=case, text=form.cleaned_data["text"])
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("Note added."))
            return redirect("case_notes", reference=case.reference)
    return _notes_page(request, case, form, TaskForm(case=case), status=422)


@require_POST
def task_create(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    case = access.case_for(request.user, reference, section=Section.NOTES, write=True)
    form = TaskForm(request.POST, case=case)
    if form.is_valid():
        try:
            services.task_add(actor=request.user, case=case, **form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("Task added."))
            return redirect("case_notes", reference=case.reference)
    return _notes_page(request, case, NoteForm(), form, status=422)


@require_POST
def task_done(request: AuthenticatedRequest, task_id: int) -> HttpResponse:
    task = access.case_object_for(request.user, Task, task_id, write=True)
    services.task_complete(actor=request.user, task=task)
    messages.success(request, _("Task done."))
    target = request.POST.get("next", "")
    return redirect("my_cases") if target == "my_cases" else redirect("case_notes", reference=task.case.reference)


def history(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    case = access.case_for(request.user, reference, section=Section.HISTORY)
    page = selectors.case_history(
        user=request.user, case=case,
        before=paging.key_param(request.GET, "before"), after=paging.key_param(request.GET, "after"),
    )  # fmt: skip
    return render_case(request, case, "cases/history.html", "case_history", {"page": page, "viewers": trail.viewers_of(case)})


@require_POST
def flag_create(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    case = access.case_for(request.user, reference, section=Section.SUMMARY)
    if not access.may_flag(request.user, case):
        raise PermissionDenied(access.FLAGS_NOT_GRANTED)
    form = FlagForm(request.POST, kinds=access.flag_kinds_to_set(request.user, case))
    if form.is_valid():
        try:
            services.flag_set(actor=request.user, case=case, **form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("Flag set."))
            return redirect("case_summary", reference=case.reference)
    return render_case(
        request, case, "cases/summary.html", "case_summary",
        {"documents": case.person.documents.all(), "flag_form": form}, status=422,
    )  # fmt: skip


@require_POST
def flag_remove(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    case = access.case_for(request.user, reference, section=Section.SUMMARY)
    if not access.may_flag(request.user, case):
        raise PermissionDenied(access.FLAGS_NOT_GRANTED)
    form = FlagRemoveForm(request.POST)
    if form.is_valid():
        flag = access.case_object_for(request.user, CaseFlag, form.cleaned_data["flag"], write=True)
        if flag.case_id != case.pk:
            raise Http404
        try:
            services.flag_remove(actor=request.user, flag=flag, reason=form.cleaned_data["removal_reason"])
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("Flag removed."))
            return redirect("case_summary", reference=case.reference)
    return render_case(
        request, case, "cases/summary.html", "case_summary",
        {"documents": case.person.documents.all(), "flag_remove_form": form}, status=422,
    )  # fmt: skip
