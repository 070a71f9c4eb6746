"""Export pages: the export itself (reached from All cases, after confirming identity) and the list
of past exports for those who read the audit trail."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from pristan.accounts.services import recently_reauthenticated
from pristan.cases.selectors import case_search
from pristan.core import access, trail
from pristan.core.forms import show_errors
from pristan.core.http import AuthenticatedRequest, client_ip
from pristan.exports import selectors, services
from pristan.exports.forms import CONFIRM, ExportForm, described, filters_of, search_form

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
            result = services.export_cases(
                actor=request.user, cases=case_search(user=request.user, filters=filters_of(search)),
                purpose=form.cleaned_data["purpose"], passphrase=form.cleaned_data["passphrase"], ip=client_ip(request),
                file_format=form.cleaned_data["file_format"],
            )  # fmt: skip
        except ValidationError as error:
            show_errors(form, error)
        else:
            request.session.pop(SEARCH, None)
            response = HttpResponse(result.content, content_type="application/zip")
            response["Content-Disposition"] = f'attachment; filename="{result.filename}"'
            response["Cache-Control"] = "no-store"
            return response
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
    request.session[SEARCH] = {name: value for name, value in search.cleaned_data.items() if value}
    return _go(request, reverse("export_create"))


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
