from datetime import timedelta

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from pristan.core import access
from pristan.core.dates import month_text
from pristan.core.http import AuthenticatedRequest
from pristan.overview import selectors
from pristan.overview.charts import bar_chart

DAYS_BACK = 365


@require_safe
def supervisor_overview(request: AuthenticatedRequest) -> HttpResponse:
    access.require_supervisor(request.user)
    today = timezone.localdate()
    since = today - timedelta(days=DAYS_BACK)
    cases = selectors.overview_cases(request.user)
    durations = selectors.time_to_departure(cases, since)
    scores, scored = selectors.score_distribution(cases)
    routes = selectors.returns_by_route_and_month(cases, since)
    return render(request, "overview/overview.html", {
        "since": since,
        "routes": routes,
        "routes_chart": bar_chart([(f"{month_text(row.month)} {row.origin}→{row.destination}", row.persons) for row in routes]),
        "durations": durations,
        "durations_chart": bar_chart([(bar.label, bar.count) for bar in durations.bands]),
        "visits": selectors.visits_on_time(cases, today),
        "scores_chart": bar_chart([(bar.label, bar.count) for bar in scores]),
        "scored": scored,
    })  # fmt: skip
