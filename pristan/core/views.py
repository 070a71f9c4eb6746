from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render

from pristan.core import paging, trail
from pristan.core.forms import TrailFilterForm
from pristan.core.http import AuthenticatedRequest


def audit_trail(request: AuthenticatedRequest) -> HttpResponse:
    """The trail of the offices the user audits, searchable; field names only, never values."""
    if not trail.can_read_trail(request.user):
        raise Http404
    form = TrailFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    filters = trail.TrailFilters(**{name: data.get(name) or default for name, default in trail.TrailFilters().__dict__.items()})
    entries = trail.trail_search(user=request.user, filters=filters)
    # Newest first by sequence, a page at a time from a key (not an offset): a deep page costs what the first does.
    page = paging.keyset_page(
        entries, key="sequence", size=settings.PRISTAN_CASES_PER_PAGE * 2,
        before=paging.key_param(request.GET, "before"), after=paging.key_param(request.GET, "after"),
    )  # fmt: skip
    count = paging.capped_count(entries)
    # An entry of a page of a list names many cases: shown as the references the reader audits, in one query.
    listed = trail.listed_references(user=request.user, entries=page.rows)
    for entry in page.rows:
        setattr(entry, "listed", listed.get(entry.pk))  # noqa: B010 - for the rows of this page only
    return render(request, "audit/trail.html", {"form": form, "page": page, "count": count})
