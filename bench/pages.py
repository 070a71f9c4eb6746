"""How fast are the pages whose lists grow without end: My cases, a case's History, the audit trail?

    source /work/pgshared/env.sh   # or any DATABASE_URL … ; then point them at a COPY (see below)
    .venv/bin/python bench/pages.py [--runs N] [--caseworker U] [--case REF] [--supervisor U] [--json FILE]

Requests each page through the whole stack (Django's test client, signed in past the second step)
against the configured databases and prints, per page, the median and 95th percentile in
milliseconds and the number of queries of one request:
- My cases of the caseworker with the most open tasks (or `--caseworker`);
- the History of the case with the longest history (or `--case`): its newest page and its oldest;
- the audit trail of a supervisor of one office (or `--supervisor`): its first page and a deep one
  (older than the median sequence of what they may read).
On PostgreSQL it also checks the plans of My cases' and the trail's queries: no sequential scan of
cases, tasks or the audit trail, and no JIT.

It writes: a confirmed authenticator for each user it signs in, and an audit entry for each read of
a case page (as every read does). Run it on a copy, never on a shared database: see bench/README.md.
`measure_pages(...)` is what `make bench` calls once Django is set up against its database.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def _summary(timings: list[float], queries: int) -> dict[str, float | int]:
    ordered = sorted(timings)
    return {
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[max(int(len(ordered) * 0.95) - 1, 0)], 1),
        "queries": queries,
        "runs": len(ordered),
    }


def _time(client: Any, url: str, runs: int) -> dict[str, float | int]:
    """Median and 95th percentile of `runs` requests (after one to warm up), and one request's queries."""
    from django.db import connection

    executed = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        executed.append(sql)
        return execute(sql, params, many, context)

    # Counted by a wrapper: the query log is emptied at the start of every request.
    with connection.execute_wrapper(count):
        response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"{url}: {response.status_code}")
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    return _summary(timings, len(executed))


def _signed_in(user: Any) -> Any:
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    from pristan.accounts.models import Authenticator

    client = Client(HTTP_HOST="localhost")  # an allowed host: the test client's own is not one outside tests
    client.force_login(user)
    device = Authenticator.objects.filter(user=user, confirmed=True).first()
    device = device or Authenticator.objects.create(user=user, name="Benchmark authenticator", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def plan_problems(sql: str, params: Any = ()) -> list[str]:
    """What is wrong with a query's plan on PostgreSQL: a sequential scan of cases, tasks or the
    audit trail, or JIT. Empty on other databases and for a good plan."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    problems = []

    def walk(node: dict[str, Any]) -> None:
        if node.get("Node Type") == "Seq Scan" and node.get("Relation Name") in {
            "cases_case", "cases_task", "core_auditentry",
        }:  # fmt: skip
            problems.append(f"Seq Scan on {node['Relation Name']}")
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    if "JIT" in plan[0]:
        problems.append("JIT")
    return problems


def measure_pages(
    *, runs: int = 30, caseworker: str | None = None, case_reference: str | None = None, supervisor: str | None = None
) -> dict[str, Any]:
    """Time My cases, a case's History (newest and oldest page) and the audit trail (first and deep
    page) through the whole stack; Django must already be set up against the database to measure.
    Returns {"subjects": …, "pages": {name: {p50_ms, p95_ms, queries, runs}}, "plans": {name: [problems]}}."""
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.db.models import Count
    from django.urls import reverse
    from django.utils import timezone

    from pristan.cases.models import Case, Task
    from pristan.cases.selectors import my_open_cases, tasks_open_for
    from pristan.core import trail
    from pristan.core.models import AuditEntry, Membership, Role, Scope

    if caseworker is None:
        busiest = (
            Task.objects.filter(done_at__isnull=True).values("assignee").annotate(open=Count("id")).order_by("-open").first()
        )
        if busiest is None:
            raise RuntimeError("no open task: nothing to measure My cases with")
        worker = User.objects.get(pk=busiest["assignee"])
    else:
        worker = User.objects.get(username=caseworker)
    if case_reference is None:
        longest = (
            AuditEntry.objects.filter(case__isnull=False)
            .exclude(action=AuditEntry.Action.VIEW)
            .values("case__reference")
            .annotate(changes=Count("id"))
            .order_by("-changes")
            .first()
        )
        # Generated cases carry no history of changes (the generator writes one entry for a whole
        # batch): then the History of the first case, with what it has.
        first = Case.objects.order_by("pk").values_list("reference", flat=True).first()
        if longest is None and first is None:
            raise RuntimeError("there is no case to measure")
        case_reference = longest["case__reference"] if longest is not None else first
    if supervisor is None:
        membership = (
            Membership.objects.filter(role=Role.SUPERVISOR, scope=Scope.OFFICE).select_related("user").order_by("pk").first()
        )
        if membership is None:
            raise RuntimeError("no supervisor of one office")
        boss = membership.user
    else:
        boss = User.objects.get(username=supervisor)
    reader = User.objects.filter(memberships__role=Role.SUPERVISOR, memberships__scope=Scope.GLOBAL).first() or boss
    entries = trail.trail_search(user=boss, filters=trail.TrailFilters())
    readable = entries.count()
    middle = entries.values_list("sequence", flat=True)[readable // 2] if readable else 0
    oldest_changes = (
        AuditEntry.objects.filter(case__reference=case_reference)
        .exclude(action=AuditEntry.Action.VIEW)
        .order_by("sequence")
        .values_list("sequence", flat=True)[:2]
    )
    deep_page = readable // 2 // (settings.PRISTAN_CASES_PER_PAGE * 2) + 1
    history = reverse("case_history", args=[case_reference])
    worker_client, boss_client, reader_client = _signed_in(worker), _signed_in(boss), _signed_in(reader)
    pages = {
        "my_cases": _time(worker_client, reverse("my_cases"), runs),
        "history_newest": _time(reader_client, history, runs),
        "history_oldest": _time(reader_client, f"{history}?before={list(oldest_changes)[-1] + 1 if oldest_changes else 0}", runs),
        "trail_first": _time(boss_client, reverse("audit_trail"), runs),
        # `page` for the numbered pages of before keyset pagination, at the same depth: one run compares both
        "trail_deep": _time(boss_client, f"{reverse('audit_trail')}?before={middle}&page={deep_page}", runs),
    }
    today = timezone.localdate()
    tasks = tasks_open_for(user=worker)
    plans: dict[str, list[str]] = {}
    for name, queryset in {
        "my_cases_overdue": tasks.filter(due_on__lt=today)[:26],
        "my_cases_due": tasks.filter(due_on__gte=today)[:26],
        "my_cases_cases": my_open_cases(user=worker)[:26],
        "trail_first": entries.order_by("-sequence")[:51],
        "trail_deep": entries.filter(sequence__lt=middle).order_by("-sequence")[:51],
    }.items():
        sql, params = queryset.query.sql_with_params()
        plans[name] = plan_problems(sql, params)
    return {
        "subjects": {
            "caseworker": worker.username,
            "open_tasks": tasks.count(),
            "case": case_reference,
            "history_reader": reader.username,
            "supervisor": boss.username,
            "trail_entries_readable": readable,
        },
        "pages": pages,
        "plans": plans,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--caseworker")
    parser.add_argument("--case", dest="case_reference")
    parser.add_argument("--supervisor")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    options = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pristan.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    results = measure_pages(
        runs=options.runs, caseworker=options.caseworker, case_reference=options.case_reference, supervisor=options.supervisor
    )
    print(json.dumps(results["subjects"], ensure_ascii=False))
    for name, figures in results["pages"].items():
        print(f"{name:16} p50 {figures['p50_ms']:8.1f} ms  p95 {figures['p95_ms']:8.1f} ms  {figures['queries']:3} queries")
    for name, problems in results["plans"].items():
        print(f"plan {name:18} {', '.join(problems) or 'index scans only, no JIT'}")
    if options.json:
        options.json.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    os.chdir(REPO)
    sys.exit(main())
