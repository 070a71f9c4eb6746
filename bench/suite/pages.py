"""Whole pages, requested through Django's test client as the signed-in user (the views, the access
layer, the templates; not the HTTP server, which the load test adds): the case page, the
supervisors' overview and the research page.

Bounds: the case page beside one hand-written query of the same case and person rows. The overview
and the research page are aggregates over every case in reach, with no query of "the same rows"
to set beside them: their bound is the count of those cases, a query they cannot beat.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from suite.context import Context
from suite.plans import check_plans
from suite.results import Result, p95_at_most, time_each, timed

CASE_PAGE_TARGET = p95_at_most(150)
AGGREGATE_TARGET = p95_at_most(500)


def _get(client: Any, path: str) -> Callable[[Any], int]:
    def run(_: Any) -> int:
        response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path}: {response.status_code}")
        return len(response.content)

    return run


def _sql(query: str) -> Callable[[Any], Any]:
    from django.db import connection

    def run(params: Any) -> Any:
        with connection.cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchall()

    return run


def measure_case_page(context: Context) -> list[Result]:
    from pristan.core import access

    rng = random.Random(3)  # noqa: S311 - which cases are opened, reproducibly
    results = []
    for label, user in (("caseworker", context.caseworker), ("supervisor", context.supervisor)):
        ids = list(access.cases_for(user).values_list("reference", flat=True)[:20000])
        references = rng.sample(ids, min(context.samples, len(ids)))
        client = context.client(user)
        timings, _sizes = time_each(lambda reference, client=client: _get(client, f"/cases/{reference}/")(None), references)
        bound, _rows = time_each(
            _sql("SELECT c.*, p.*, o.* FROM cases_case c JOIN people_person p ON p.id = c.person_id "
                 "JOIN core_office o ON o.id = c.office_id WHERE c.reference = %s"),
            [[reference] for reference in references],
        )  # fmt: skip
        result = timed(f"case page, {label}", timings, bound=timed("", bound).p50, bound_name="the case and person rows in SQL",
                       targets=[CASE_PAGE_TARGET])  # fmt: skip
        if context.postgresql:
            result.plan_problems = check_plans(lambda client=client, reference=references[0]: client.get(f"/cases/{reference}/"))
        results.append(result.judge())
    return results


def _aggregate_page(context: Context, name: str, user: Any, path: str, office_id: int | None) -> Result:
    samples = max(5, context.samples // 3)  # slow pages: fewer samples
    client = context.client(user)
    timings, _sizes = time_each(_get(client, path), range(samples), warm_up=1)
    where, params = ("WHERE office_id = %s", [office_id]) if office_id is not None else ("", [])
    bound, _rows = time_each(_sql(f"SELECT count(*) FROM cases_case {where}"), [params] * samples, warm_up=1)  # noqa: S608
    result = timed(name, timings, bound=timed("", bound).p50, bound_name="a count of the cases in reach",
                   targets=[AGGREGATE_TARGET])  # fmt: skip
    if context.postgresql:
        result.plan_problems = check_plans(lambda: client.get(path))
    return result.judge()


def measure_overview_research(context: Context) -> list[Result]:
    from pristan.core.models import Office
    from pristan.research.anonymity import DEFAULT_K

    sofia = Office.objects.get(code="SOF").pk
    return [
        _aggregate_page(context, "overview, office supervisor", context.supervisor, "/overview/", sofia),
        _aggregate_page(context, "overview, global supervisor", context.global_reader, "/overview/", None),
        _aggregate_page(context, "research page, analyst", context.analyst, f"/research/?k={DEFAULT_K}", None),
    ]
