"""Export pages: the export itself (reached from All cases, after confirming identity), the job that
writes it and its one download (also of the research file), and the list of past exports for those
who read the audit trail."""

from collections.abc import Iterator
from datetime import date
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pristan.accounts.services import recently_reauthenticated
from pristan.cases.selectors import case_search
from pristan.core import access, trail
from pristan.core.audit import audit_record
from pristan.core.forms import show_errors
from pristan.core.http import AuthenticatedRequest, client_ip
from pristan.core.models import AuditEntry
from pristan.exports import jobs, selectors, services
from pristan.exports.forms import CONFIRM, DownloadForm, ExportForm, described, filters_of, search_form
from pristan.exports.models import ExportJob

SEARCH = "pristan_export_search"  # session key: the case-list search the export started from (never put in a URL)


@sensitive_post_parameters("passphrase", "passphrase_again")
@require_http_methods(["GET", "POST"])
def export_create(request: AuthenticatedRequest) -> HttpResponse:
    if not access.may_export(request.user):
        trail.record_refusal(request, target="export_create")
        raise PermissionDenied(access.EXPORT_NOT_GRANTED)
    if request.method == "POST" and request.POST.get("step") != CONFIRM:
        return _take_search(request)
    if not recently_reauthenticated(request):
        return redirect(f"{reverse('reauthenticate')}?{urlencode({'next': reverse('export_create')})}")
    search = search_form(request.user, request.session.get(SEARCH) or {})  # none: every case the user may export
    if not search.is_valid():  # no longer valid (an office closed since): never export more than was asked for
        request.session.pop(SEARCH, None)
        messages.error(request, _("Correct the search first, then export."))
        return redirect("case_list")
    form = ExportForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            job = services.export_job_start(
                actor=request.user, cases=case_search(user=request.user, filters=filters_of(search)),
                purpose=form.cleaned_data["purpose"], file_format=form.cleaned_data["file_format"], ip=client_ip(request),
                language=translation.get_language() or settings.LANGUAGE_CODE,
            )  # fmt: skip
        except ValidationError as error:
            show_errors(form, error)
        else:
            request.session.pop(SEARCH, None)
            return redirect("export_job", export_job_id=job.pk)
    context = {
        "form": form,
        "search": described(search),
        "preview": selectors.export_preview(user=request.user, filters=filters_of(search)),
        "columns": [column.label() for column in services.COLUMNS],
    }
    return render(request, "exports/create.html", context, status=422 if form.is_bound else 200)


def _take_search(request: AuthenticatedRequest) -> HttpResponse:
    """The case list hands its search over by POST; it is kept in the session (names stay out of
    URLs) while the user confirms who they are, then the page is shown."""
    search = search_form(request.user, request.POST)
    if not search.is_valid():
        messages.error(request, _("Correct the search first, then export."))
        return _go(request, reverse("case_list"))
    request.session[SEARCH] = {name: _kept(value) for name, value in search.cleaned_data.items() if value}
    return _go(request, reverse("export_create"))


def take_selection(request: AuthenticatedRequest, ids: list[int]) -> HttpResponse:
    """The cases ticked on the case list (cases.views.case_bulk), handed over as a search of their
    own: the export then goes the way of every export (identity confirmed, a purpose, each case
    checked for access and consent, audited)."""
    if not access.may_export(request.user):
        raise PermissionDenied(access.EXPORT_NOT_GRANTED)
    request.session[SEARCH] = {"selected": ids}
    return _go(request, reverse("export_create"))


def _kept(value: object) -> object:
    """A filter's value as the session keeps it (JSON) and the search form reads it back."""
    if isinstance(value, date):
        return value.isoformat()
    return list(value) if isinstance(value, tuple) else value


def _go(request: AuthenticatedRequest, url: str) -> HttpResponse:
    if request.headers.get("HX-Request"):  # the case list's form is driven by htmx: leave the fragment for a page
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@require_GET
def export_list(request: AuthenticatedRequest) -> HttpResponse:
    """Past exports of the reader's offices: who, when, why, how many cases (never which people)."""
    if not trail.can_read_trail(request.user):
        raise Http404
    records = selectors.exports_visible_to(user=request.user)
    page = Paginator(records, settings.PRISTAN_CASES_PER_PAGE * 2).get_page(request.GET.get("page"))
    return render(request, "exports/list.html", {"page": page})


@require_GET
def export_job(request: AuthenticatedRequest, export_job_id: str) -> HttpResponse:
    """A job's progress, then its download or why it failed; polled by the page while it runs."""
    job = jobs.refresh(access.export_job_for(request.user, export_job_id))
    context = _job_context(job)
    if request.headers.get("HX-Request"):
        response = render(request, "exports/_job_progress.html", context)
        if job.status not in jobs.RUNNING:
            response["HX-Redirect"] = reverse("export_job", kwargs={"export_job_id": job.pk})
        return response
    return render(request, "exports/job.html", context)


def _job_context(job: ExportJob, form: DownloadForm | None = None) -> dict[str, object]:
    running = job.status in jobs.RUNNING
    return {
        "job": job, "running": running, "form": form or DownloadForm(),
        "error": jobs.error_message(job) if job.status == ExportJob.Status.FAILED else "",
        "percent": min(100, round(100 * job.done / job.total)) if job.total else None,
    }  # fmt: skip


@sensitive_post_parameters("passphrase", "passphrase_again")
@require_POST
def export_job_download(request: AuthenticatedRequest, export_job_id: str) -> HttpResponseBase:
    """The file, once, to the one who asked for it: identifiable data inside an archive encrypted with
    the passphrase typed here (after confirming identity again), the research file as it is."""
    job = jobs.refresh(access.export_job_for(request.user, export_job_id))
    here = reverse("export_job", kwargs={"export_job_id": job.pk})
    if job.status != ExportJob.Status.READY:
        messages.error(request, str(jobs.GONE) if job.status not in jobs.RUNNING else _("The file is not ready yet."))
        return redirect(here)
    if job.kind == ExportJob.Kind.RESEARCH:
        return _send(request, job, jobs.plain_download(job), job.filename, "text/csv; charset=utf-8")
    if not recently_reauthenticated(request):
        return redirect(f"{reverse('reauthenticate')}?{urlencode({'next': here})}")
    form = DownloadForm(request.POST)
    if form.is_valid():
        try:
            services.validate_passphrase(passphrase=form.cleaned_data["passphrase"], user=request.user)
        except ValidationError as error:
            show_errors(form, error)
        else:
            stream = jobs.encrypted_download(job, form.cleaned_data["passphrase"])
            return _send(request, job, stream, jobs.archive_name(job), "application/zip")
    return render(request, "exports/job.html", _job_context(job, form), status=422)


def _send(
    request: AuthenticatedRequest, job: ExportJob, stream: Iterator[bytes], filename: str, content_type: str
) -> StreamingHttpResponse:
    record = job.record if job.kind == ExportJob.Kind.CASES else job.research_record
    assert record is not None
    with transaction.atomic():  # the file leaves: who took it, when, from where
        audit_record(actor=request.user, action=AuditEntry.Action.VIEW, obj=record, detail="download", ip=client_ip(request))
    response = StreamingHttpResponse(stream, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
