"""What PostgreSQL plans to do with a query: for the tests and the benchmark of the hot paths.

A list that scales is one whose queries an index drives: no sequential scan of the big tables
(cases, persons, name tokens), and a plan cheap enough that PostgreSQL would not compile it with
JIT (it does above `jit_above_cost`; at 100,000 cases the OR-EXISTS form of the case list cost
1.2 s of JIT out of 1.8 s). The JIT verdict is read from the plan's cost against the server's
threshold, so it holds whether or not the connection switched JIT off (settings.py does).

    problems = plan_problems_of(queryset)           # [] when the plan is fine
    problems = captured_plan_problems(lambda: view_or_selector(...))  # every query a call makes

PostgreSQL only: other databases raise NotSupportedError.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.db import NotSupportedError, connections
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext

__all__ = ["HOT_TABLES", "captured_plan_problems", "explain", "plan_problems", "plan_problems_of"]

HOT_TABLES = frozenset({"cases_case", "people_person", "people_nametoken"})


def _postgresql(using: str) -> Any:
    connection = connections[using]
    if connection.vendor != "postgresql":
        raise NotSupportedError("Query plans are read from PostgreSQL only.")
    return connection


def explain(sql: str, params: Iterable[Any] = (), *, using: str = "default") -> dict[str, Any]:
    """The plan PostgreSQL chooses for the query, as EXPLAIN (FORMAT JSON) gives it (not run)."""
    connection = _postgresql(using)
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", tuple(params))
        document = cursor.fetchone()[0]
    plan: dict[str, Any] = (document if isinstance(document, list) else json.loads(document))[0]
    return plan


def _scans(node: dict[str, Any], under_limit: bool = False) -> Iterator[dict[str, Any]]:
    """The plan's sequential scans, but one without a filter right under a Limit: that one stops
    after the Limit's rows (SELECT count(*) FROM (SELECT id FROM cases LIMIT 10001), the capped
    count of a reader of every case), however many rows the table holds."""
    if node["Node Type"] == "Seq Scan" and not (under_limit and "Filter" not in node):
        yield node
    for child in node.get("Plans", ()):
        yield from _scans(child, under_limit=node["Node Type"] == "Limit")


def _jit_threshold(using: str) -> float:
    with _postgresql(using).cursor() as cursor:
        cursor.execute("SELECT current_setting('jit_above_cost')::float8")
        threshold: float = cursor.fetchone()[0]
    return threshold


def plan_problems(plan: dict[str, Any], *, tables: Iterable[str] = HOT_TABLES, jit_above_cost: float | None = None) -> list[str]:
    """What is wrong with a plan: each sequential scan of one of `tables` (see `_scans`), and JIT
    (the plan's cost above `jit_above_cost`, or a JIT section where EXPLAIN ANALYZE ran with JIT on)."""
    watched = frozenset(tables)
    problems = [f"Seq Scan on {node['Relation Name']}" for node in _scans(plan["Plan"]) if node.get("Relation Name") in watched]
    cost = float(plan["Plan"]["Total Cost"])
    if jit_above_cost is not None and jit_above_cost >= 0 and cost > jit_above_cost:
        problems.append(f"JIT (cost {cost:.0f}, above jit_above_cost {jit_above_cost:.0f})")
    elif "JIT" in plan:
        problems.append("JIT")
    return problems


def plan_problems_of(queryset: QuerySet[Any, Any], *, tables: Iterable[str] = HOT_TABLES) -> list[str]:
    """The problems of the plan of the SQL the queryset produces."""
    sql, params = queryset.query.sql_with_params()
    return plan_problems(explain(sql, params, using=queryset.db), tables=tables, jit_above_cost=_jit_threshold(queryset.db))


def captured_plan_problems(
    run: Callable[[], object], *, tables: Iterable[str] = HOT_TABLES, using: str = "default"
) -> dict[str, list[str]]:
    """Run `run` (a view, a selector), then explain every SELECT it made on `using`: each query's
    SQL with its problems, for the queries that have any. The SQL is taken as executed (values in)."""
    connection = _postgresql(using)
    with CaptureQueriesContext(connection) as captured:
        run()
    threshold = _jit_threshold(using)
    found: dict[str, list[str]] = {}
    for query in captured.captured_queries:
        sql = query["sql"]
        if not sql.lstrip("( ").upper().startswith("SELECT"):
            continue
        problems = plan_problems(explain(sql.replace("%", "%%"), using=using), tables=tables, jit_above_cost=threshold)
        if problems:
            found[sql] = problems
    return found
