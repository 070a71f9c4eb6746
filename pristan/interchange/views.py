"""The import pages: upload, the preview with its problems, confirmation, progress, and the outcome."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from pristan.core import access
from pristan.core.http import AuthenticatedRequest
from pristan.duplicates.types import FIELD_LABELS, LEVEL_LABELS
from pristan.interchange import duplicates, jobs, uploads
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
                matches = duplicates.matches_load(job_id=job.pk, key_id=job.key_id)
                try:
                    links = duplicates.links_choose(actor=request.user, matches=matches, chosen=request.POST)
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    jobs.start_write(job, actor=request.user, links=links)
                    return redirect("import_job", job_id=job.pk)
    context = _context(job, form)
    if job.status == ImportJob.Status.READY:
        context.update(_matches(request, job))
    return render(request, "interchange/job.html", context, status=422 if form.errors else 200)


def _context(job: ImportJob, form: ConfirmForm | None = None) -> dict[str, object]:
    done, total = jobs.progress_of(job)
    running = job.status in (ImportJob.Status.VALIDATING, ImportJob.Status.IMPORTING)
    return {
        "job": job, "form": form, "done": done, "total": total or job.rows, "running": running,
        "no_worker": running and not worker_running(),
        "percent": min(100, round(100 * done / total)) if total else 0,
    }  # fmt: skip


@dataclass(frozen=True)
class _Offer:
    """A person already in Pristan a row may be, as the importer sees her."""

    person_id: int
    name: str
    born: int | None
    references: list[str]  # of her cases the importer sees
    percent: int
    reasons: list[str]


@dataclass(frozen=True)
class _MatchedRow:
    row: int
    external_id: str
    field: str  # the form field of its choice
    chosen: str  # "" for a new person
    offers: list[_Offer]


def _reasons(reasons: list[dict[str, str]]) -> list[str]:
    shown = []
    for reason in reasons:
        field, level = reason.get("field", ""), reason.get("level", "")
        if field in FIELD_LABELS and level in LEVEL_LABELS.get(field, {}) and level not in ("different", "missing"):
            shown.append(f"{FIELD_LABELS[field]}: {LEVEL_LABELS[field][level]}")
    return shown


def _matches(request: AuthenticatedRequest, job: ImportJob) -> dict[str, object]:
    """The preview's rows that may be persons already in Pristan: those the importer may see offered
    (read again through the access layer: what she sees now, not at the check), the others counted."""
    matches = duplicates.matches_load(job_id=job.pk, key_id=job.key_id)
    wanted = {seen.person for row in matches.offered for seen in row.seen}
    persons = {person.pk: person for person in access.persons_for(request.user).filter(pk__in=wanted)}
    references: dict[int, list[str]] = {}
    cases = access.cases_for(request.user).filter(person_id__in=persons).order_by("opened_on", "reference")
    for person_id, reference in cases.values_list("person_id", "reference"):
        references.setdefault(person_id, []).append(reference)
    rows = []
    for row in matches.offered:
        offers = [
            _Offer(
                person_id=seen.person, name=persons[seen.person].full_name,
                born=persons[seen.person].date_of_birth.year if persons[seen.person].date_of_birth else None,
                references=references.get(seen.person, []), percent=round(100 * seen.probability),
                reasons=_reasons(seen.reasons),
            )
            for seen in row.seen if seen.person in persons
        ]  # fmt: skip
        if offers:
            name = f"link-{row.row}"
            rows.append(_MatchedRow(row.row, row.external_id, name, request.POST.get(name, ""), offers))
    return {"matched_rows": rows, "elsewhere": matches.elsewhere, "left_out": matches.left_out, "looked_up": matches.looked_up}


@require_GET
def import_progress(request: AuthenticatedRequest, job_id: str) -> HttpResponse:
    """The progress bar, polled by the page; once the run has ended, the page reloads itself."""
    job = _job_for(request, job_id)
    context = _context(job)
    response = render(request, "interchange/_progress.html", context)
    if not context["running"]:
        response["HX-Redirect"] = reverse("import_job", kwargs={"job_id": job.pk})
    return response
