from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from pristan.core import trail
from pristan.core.http import AuthenticatedRequest
from pristan.start.selectors import start_page_for


def home(request: AuthenticatedRequest) -> HttpResponse:
    """Each role's start page, where sign-in lands. Roles with nothing of cases to count (an
    analyst, an administrator) are taken to their own page: research data, administration."""
    page = start_page_for(user=request.user, today=timezone.localdate())
    if page.empty and page.links:
        return redirect(page.links[0])
    ageing = page.office.ageing if page.office else []
    overrides = (page.decisions.overrides if page.decisions else None) or []
    trail.record_listing(request, cases=[*ageing, *(override.case for override in overrides)], listing="home")
    return render(request, "start/home.html", {"page": page})
