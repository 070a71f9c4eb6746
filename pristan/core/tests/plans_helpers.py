"""Query plans on PostgreSQL, for the tests that guard the hot paths (My cases, the audit trail).

On a test database of a few rows the planner rightly prefers sequential scans; with them disabled,
a sequential scan that is still chosen is one no index can replace. So a plan without one proves
that an index can lead the query, whatever the number of rows.
"""

import json
from typing import Any

from django.db import connection
from django.db.models import Model, QuerySet

WATCHED = frozenset({"cases_case", "cases_task", "core_auditentry"})


def plan_of(queryset: QuerySet[Model], *, seqscan: bool = False) -> dict[str, Any]:
    """The plan PostgreSQL makes for the queryset (EXPLAIN, FORMAT JSON), sequential scans disabled
    unless `seqscan`. Run inside a transaction (every database test is): the setting ends with it."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL enable_seqscan = {'on' if seqscan else 'off'}")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        found = cursor.fetchone()[0]
        cursor.execute("SET LOCAL enable_seqscan = on")
    plan = json.loads(found) if isinstance(found, str) else found
    return plan[0]


def seq_scans(plan: dict[str, Any], tables: frozenset[str] = WATCHED) -> list[str]:
    """The watched tables the plan reads with a sequential scan."""
    found = []
    stack = [plan["Plan"]]
    while stack:
        node = stack.pop()
        if node.get("Node Type") == "Seq Scan" and node.get("Relation Name") in tables:
            found.append(node["Relation Name"])
        stack.extend(node.get("Plans", []))
    return found


def uses_jit(plan: dict[str, Any]) -> bool:
    return "JIT" in plan
