from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from pristan.core import trail
from pristan.core.forms import TrailFilterForm
from pristan.core.http import AuthenticatedRequest


def home(request: AuthenticatedRequest) -> HttpResponse:
    return redirect("my_cases")


def audit_trail(request: AuthenticatedRequest) -> HttpResponse:
    """The trail of the offices the user audits, searchable; field names only, never values."""
    if not trail.can_read_trail(request.user):
        raise Http404
    form = TrailFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    filters = trail.TrailFilters(**{name: data.get(name) or default for name, default in trail.TrailFilters().__dict__.items()})
    page = Paginator(trail.trail_search(user=request.user, filters=filters), settings.PRISTAN_CASES_PER_PAGE * 2).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/trail.html", {"form": form, "page": page, "query": query.urlencode()})
