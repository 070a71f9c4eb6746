"""The research data page: analysts and supervisors choose k, read what anonymisation would do (counts
only) and ask for the CSV, which a worker writes (exports/jobs.py). Nothing here shows or links a case."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.http import require_http_methods

from pristan.core import access, trail
from pristan.core.forms import show_errors
from pristan.core.http import AuthenticatedRequest, client_ip
from pristan.research import services
from pristan.research.anonymity import DEFAULT_K, NODE_COUNT, QUASI_IDENTIFIERS
from pristan.research.ctdc import COLUMNS, NO_SOURCE
from pristan.research.forms import ResearchExportForm


@require_http_methods(["GET", "POST"])
def research_export(request: AuthenticatedRequest) -> HttpResponse:
    if not access.may_research(request.user):
        trail.record_refusal(request, target="research_export")
        raise PermissionDenied(access.RESEARCH_NOT_GRANTED)
    report = None
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
    else:  # the preview: counts only
        form = ResearchExportForm(request.GET if "k" in request.GET else None, initial={"k": DEFAULT_K})
        if form.is_bound and form.is_valid():
            report = services.ctdc_preview(actor=request.user, k=form.cleaned_data["k"])
    context = {
        "form": form,
        "report": report,
        "quasi_identifiers": [qi.name for qi in QUASI_IDENTIFIERS],
        "node_count": NODE_COUNT,
        "column_count": len(COLUMNS),
        "no_source": sorted(NO_SOURCE),
    }
    return render(request, "research/export.html", context, status=422 if request.method == "POST" else 200)
