"""Is a hot query's PostgreSQL plan one that scales? No sequential scan of the cases or the persons,
and no JIT compilation (PostgreSQL switches JIT on when it expects a costly plan, which on these
queries means it expects to read far too much).

LEAD: the "lists" helper writes pristan/core/plans.py with such a check; once merged, `plan_problems`
below should call it (this local copy exists only so that the benchmark runs before that).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

BIG_TABLES = frozenset({"cases_case", "people_person"})


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def plan_problems(sql: str) -> list[str]:
    """What is wrong with the plan of one SELECT (empty if nothing), on the default connection."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON, SETTINGS) " + sql)
        (document,) = cursor.fetchone()
    top = (json.loads(document) if isinstance(document, str) else document)[0]
    problems = [
        f"sequential scan of {node['Relation Name']}"
        for node in _nodes(top["Plan"])
        if node["Node Type"] == "Seq Scan" and node.get("Relation Name") in BIG_TABLES
    ]
    if "JIT" in top:
        problems.append("JIT")
    return problems


def check_plans(run: Callable[[], Any]) -> list[str]:
    """Runs `run` once, capturing its queries, and returns the problems of every SELECT's plan."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "postgresql":
        return []
    with CaptureQueriesContext(connection) as captured:
        run()
    problems: list[str] = []
    for query in captured.captured_queries:
        sql = query["sql"]
        if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
            continue
        for problem in plan_problems(sql):
            described = f"{problem}: {sql[:160]}…"
            if described not in problems:
                problems.append(described)
    return problems
