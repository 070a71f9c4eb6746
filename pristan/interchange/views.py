"""The import pages: upload, the preview with its problems, confirmation, progress, and the outcome."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from pristan.core import access
from pristan.core.http import AuthenticatedRequest
from pristan.interchange import jobs, uploads
from pristan.interchange.forms import ConfirmForm, ImportForm
from pristan.interchange.models import ImportJob
from pristan.jobs.selectors import worker_running

NOT_A_REGISTRAR = _("You do not work as a caseworker or supervisor in any office, so you cannot import cases.")


def _job_for(request: AuthenticatedRequest, job_id: str) -> ImportJob:
    """An import is seen only by the person who started it, while they may still register in its office."""
    job = get_object_or_404(ImportJob.objects.select_related("office", "actor"), pk=job_id, actor=request.user)
    if not access.can_register_in(request.user, job.office):
        raise Http404
    return job


@require_http_methods(["GET", "POST"])
def import_start(request: AuthenticatedRequest) -> HttpResponse:
    if not access.registration_offices(request.user).exists():
        raise PermissionDenied(NOT_A_REGISTRAR)
    data, files = request.POST or None, request.FILES or None  # the upload arrives (sealed) here
    form = ImportForm(data, files, user=request.user, refusal=uploads.refusal_of(request))
    if form.is_valid():
        job = jobs.start(
            actor=request.user, office=form.cleaned_data["office"], upload=form.cleaned_data["file"],
            source=form.cleaned_data["source"], language=translation.get_language() or "en",
        )  # fmt: skip
        return redirect("import_job", job_id=job.pk)
    return render(request, "interchange/start.html", {"form": form}, status=422 if form.is_bound else 200)


@require_http_methods(["GET", "POST"])
def import_job(request: AuthenticatedRequest, job_id: str) -> HttpResponse:
    job = _job_for(request, job_id)
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and job.status == ImportJob.Status.READY:
        if request.POST.get("action") == "discard":
            jobs.discard(job, actor=request.user)
            return redirect("import_start")
        if form.is_valid():
            job.skip_invalid = form.cleaned_data["skip_invalid"]
            if job.invalid and not job.skip_invalid:
                form.add_error("skip_invalid", _("Some rows have problems: correct them, or import only the valid rows."))
            elif job.to_create + job.to_update == 0:
                form.add_error(None, _("There is nothing to import: every row is unchanged or has a problem."))
            else:
                jobs.start_write(job, actor=request.user)
                return redirect("import_job", job_id=job.pk)
    return render(request, "interchange/job.html", _context(job, form), status=422 if form.errors else 200)


def _context(job: ImportJob, form: ConfirmForm | None = None) -> dict[str, object]:
    done, total = jobs.progress_of(job)
    running = job.status in (ImportJob.Status.VALIDATING, ImportJob.Status.IMPORTING)
    return {
        "job": job, "form": form, "done": done, "total": total or job.rows, "running": running,
        "no_worker": running and not worker_running(),
        "percent": min(100, round(100 * done / total)) if total else 0,
    }  # fmt: skip


@require_GET
def import_progress(request: AuthenticatedRequest, job_id: str) -> HttpResponse:
    """The progress bar, polled by the page; once the run has ended, the page reloads itself."""
    job = _job_for(request, job_id)
    context = _context(job)
    response = render(request, "interchange/_progress.html", context)
    if not context["running"]:
        response["HX-Redirect"] = reverse("import_job", kwargs={"job_id": job.pk})
    return response
