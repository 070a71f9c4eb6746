"""The research data page: analysts and supervisors choose k, read what anonymisation would do (counts
only) and ask for the CSV, which a worker writes (exports/jobs.py). Nothing here shows or links a case.

The preview comes from counts a job keeps per user (counts.py): the page never reads the cases.
Without counts it asks for them and polls `research_preview` until they are there."""

from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pristan.core import access, trail
from pristan.core.forms import show_errors
from pristan.core.http import AuthenticatedRequest, client_ip
from pristan.research import counts, services
from pristan.research.anonymity import DEFAULT_K, NODE_COUNT, QUASI_IDENTIFIERS
from pristan.research.ctdc import COLUMNS, NO_SOURCE
from pristan.research.forms import ResearchExportForm
from pristan.research.labels import column_label
from pristan.research.models import ResearchCounts


def _require_research(request: AuthenticatedRequest, target: str) -> None:
    if not access.may_research(request.user):
        trail.record_refusal(request, target=target)
        raise PermissionDenied(access.RESEARCH_NOT_GRANTED)


@require_http_methods(["GET", "POST"])
def research_export(request: AuthenticatedRequest) -> HttpResponse:
    _require_research(request, "research_export")
    if request.method == "POST":  # the file, made by a worker: the job's page follows it to its download
        form = ResearchExportForm(request.POST)
        if form.is_valid():
            try:
                job = services.ctdc_export_start(
                    actor=request.user, k=form.cleaned_data["k"], ip=client_ip(request),
                    language=translation.get_language() or settings.LANGUAGE_CODE,
                )  # fmt: skip
            except ValidationError as error:
                show_errors(form, error)
            else:
                return redirect("export_job", export_job_id=job.pk)
        row = counts.research_counts_for(user=request.user)
    else:  # the preview, from the counts a job keeps; never counted yet: ask for them now
        form = ResearchExportForm(request.GET if "k" in request.GET else None, initial={"k": DEFAULT_K})
        row = _asked_for(request, form)
    context = {
        **_preview_context(form, row),
        "form": form,
        "quasi_identifiers": [column_label(qi.name) for qi in QUASI_IDENTIFIERS],
        "node_count": NODE_COUNT,
        "column_count": len(COLUMNS),
        "no_source": [column_label(name) for name in sorted(NO_SOURCE)],
    }
    return render(request, "research/export.html", context, status=422 if request.method == "POST" else 200)


@require_GET
def research_preview(request: AuthenticatedRequest) -> HttpResponse:
    """The preview alone, polled by the page while the counts are being made."""
    _require_research(request, "research_preview")
    form = ResearchExportForm(request.GET if "k" in request.GET else None, initial={"k": DEFAULT_K})
    row = _asked_for(request, form)
    return render(request, "research/_preview.html", _preview_context(form, row))


@require_POST
def research_count(request: AuthenticatedRequest) -> HttpResponse:
    """Count again ("count again" on the page), then back to the page with the same k."""
    _require_research(request, "research_count")
    form = ResearchExportForm(request.POST)
    counts.research_counts_start(actor=request.user, k=form.cleaned_data["k"] if form.is_valid() else None, recount=True)
    query = f"?{urlencode({'k': form.cleaned_data['k']})}" if form.is_valid() else ""
    return redirect(f"{reverse('research_export')}{query}")


def _chosen_k(form: ResearchExportForm) -> int | None:
    return DEFAULT_K if not form.is_bound else form.cleaned_data["k"] if form.is_valid() else None


def _asked_for(request: AuthenticatedRequest, form: ResearchExportForm) -> ResearchCounts | None:
    """The user's counts; a job asked for when there are none yet, or none for the chosen k (unless
    one is under way, or the last one failed: the page then offers to count again)."""
    row = counts.research_counts_for(user=request.user)
    k = _chosen_k(form)
    if row is not None and (counts.is_counting(row) or row.failed):
        return row
    if row is None or row.computed_at is None or (k is not None and counts.research_counts_preview(row=row, k=k) is None):
        row = counts.research_counts_start(actor=request.user, k=k)
    return row


def _preview_context(form: ResearchExportForm, row: ResearchCounts | None) -> dict[str, object]:
    counting = row is not None and counts.is_counting(row)
    k = _chosen_k(form)
    report = None
    if row is not None and row.computed_at is not None and not counting and k is not None:
        report = counts.research_counts_preview(row=row, k=k)
    return {"counts": row, "counting": counting, "report": report, "k": k}
