"""How fast is the case list and name search, on the configured database (PostgreSQL at scale)?

    source /work/pgshared/env.sh    # or any DATABASE_URL with many cases; nothing is written
    .venv/bin/python bench/lists.py --user supervisor=supervisor.sofia --user global=someone [--repeat 20]

`measure_lists(...)` (for bench/run*.py) times, for each user, what the case list does for one
request: the page's cases (first page and a deep page, reached by position as the page's "Next"
button does), the capped count, the keys of the page's people (one query) and their names opened.
Then name search, in four modes (full name in Latin, as written, a surname prefix, a surname with
one typo), with queries drawn from people the user can see, each beside its bare SQL (the token
lookup intersected with the user's offices, count and first page of ids: a lower bound). It
reports the median and 95th percentile in milliseconds, the queries per request, and the problems
of each query's plan on PostgreSQL (pristan.core.plans: sequential scans of cases, persons or name
tokens; JIT). Before case_list_page existed (the commit before it), the same figures are taken
through Paginator, as the view did then, so a baseline can be measured with this script.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

FILTERS: dict[str, dict[str, Any]] = {
    "status=Closed": {"status": "Closed"},
    "stage=movement": {"stage": "movement"},
    "children": {"minors": True},
    "exploitation=ForcedLabour": {"exploitation": "ForcedLabour"},
}


def _percentiles(timings: list[float]) -> dict[str, float]:
    ordered = sorted(timings)
    return {
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95 + 0.5) - 1)], 1),
    }


def _timed(run: Callable[[], int], repeat: int) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    run()  # warm: the first request of a process reads the catalogue
    timings, queries, found = [], 0, 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            found = run()
            timings.append((time.perf_counter() - started) * 1000)
        queries = len(captured)
    return {**_percentiles(timings), "queries": queries, "found": found}


def _list_request(user: Any, filters: Any, page: Any, per_page: int) -> Callable[[], int]:
    from pristan.cases import selectors
    from pristan.keystore.services import key_scope, preload_for

    def run() -> int:
        with key_scope():
            fresh = type(user).objects.get(pk=user.pk)  # nothing remembered between requests
            if hasattr(selectors, "case_list_page"):
                result = selectors.case_list_page(user=fresh, filters=filters, page=page, per_page=per_page)
                cases, count = result.cases, result.count
            else:  # before keyset pages: the view's Paginator
                from django.core.paginator import Paginator

                paginator = Paginator(selectors.case_search(user=fresh, filters=filters), per_page)
                current = paginator.get_page(page)
                cases, count = list(current.object_list), paginator.count
            preload_for(cases)
            for case in cases:
                _ = case.person.full_name
            return int(count)

    return run


def _deep_page(user: Any, filters: Any, number: int, per_page: int) -> Any:
    """The request for page `number` as its "Next" button makes it (or a page number, before)."""
    from pristan.cases import selectors

    if not hasattr(selectors, "PageRequest"):
        return number
    rows = selectors.case_search(user=user, filters=filters).values_list("opened_on", "pk")
    index = (number - 1) * per_page - 1
    found = list(rows[index : index + 1]) or list(rows[:1])
    if not found:
        return selectors.PageRequest()
    return selectors.PageRequest(number, forward=True, position=selectors.Position(*found[0]))


def _plan_problems(run: Callable[[], int]) -> dict[str, list[str]]:
    from django.db import connection

    if connection.vendor != "postgresql":
        return {}
    from pristan.core.plans import captured_plan_problems

    return {sql[:160]: problems for sql, problems in captured_plan_problems(run).items()}


def _search_queries(user: Any, count: int, seed: int) -> dict[str, list[str]]:
    """Names of people whose cases the user sees: as they would be typed in each mode."""
    from pristan.core import access
    from pristan.core.names import to_latin
    from pristan.keystore.services import key_scope, preload_for
    from pristan.people.models import Person

    rng = random.Random(seed)  # noqa: S311 - a reproducible sample, not a secret
    ids = list(access.cases_for(user).order_by("-id").values_list("person_id", flat=True)[:5000])
    with key_scope():
        persons = list(Person.objects.filter(pk__in=rng.sample(ids, min(count, len(ids)))))
        preload_for(persons)
        names = [(person.given_name, person.family_name) for person in persons if person.family_name]
    latin = [to_latin(f"{given} {family}") for given, family in names]
    surnames = [to_latin(family) for _given, family in names]
    typos = [f"{name[: len(name) // 2]}{name[len(name) // 2 + 1 :]}" for name in surnames if len(name) >= 6]
    return {
        "full name, Latin": latin,
        "full name, as written": [f"{given} {family}" for given, family in names],
        "surname prefix": [name[:4] for name in surnames],
        "surname with a typo": typos,
    }


def _bare_search(user: Any, query: str) -> Callable[[], int]:
    """The lower bound of a name search: each word's tokens, intersected, within the user's offices
    (referred cases and children aside), counted and the first page of ids read, in plain SQL."""
    from django.db import connection

    from pristan.core import access
    from pristan.core.blind_index import query_hashes, query_words
    from pristan.core.models import Office
    from pristan.keystore.services import keyring

    offices = access.offices_for(user).values_list("pk", flat=True)
    everywhere = offices.count() == Office.objects.count()
    office_ids = list(offices)

    def run() -> int:
        ring = keyring()
        words = [sorted(query_hashes(ring, word)) for word in query_words(query, 8)]
        where = " AND ".join(
            f"c.person_id IN (SELECT person_id FROM people_nametoken WHERE token IN ({', '.join(['%s'] * len(hashes))}))"  # noqa: S608 - placeholders only
            for hashes in words
        )
        params: list[Any] = [value for hashes in words for value in hashes]
        if not everywhere:
            where += f" AND c.office_id IN ({', '.join(['%s'] * len(office_ids))})"
            params += office_ids
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM cases_case c WHERE {where}", params)  # noqa: S608 - fixed text
            found = int(cursor.fetchone()[0])
            cursor.execute(f"SELECT c.id FROM cases_case c WHERE {where} ORDER BY c.opened_on DESC, c.id DESC LIMIT 25", params)  # noqa: S608
            cursor.fetchall()
        return found

    return run


def measure_lists(
    *, users: Mapping[str, str], search_users: Mapping[str, str] | None = None, repeat: int = 20,
    deep_page: int = 200, per_page: int = 25, searches_per_mode: int = 20, seed: int = 7,
) -> dict[str, Any]:  # fmt: skip
    """Time the case list for each user (label -> username) and name search for each of
    `search_users` (default: all of `users`), on the database Django is configured for. Returns
    {"list": {label: {what: {p50_ms, p95_ms, queries, found}}}, "search": {label: {mode: {p50_ms,
    p95_ms, bare_p50_ms, bare_p95_ms, ratio_p95, found}}}, "plans": {label: {what: problems}}}."""
    from django.contrib.auth.models import User

    from pristan.cases.selectors import CaseFilters

    first: Any = 1
    try:
        from pristan.cases.selectors import PageRequest

        first = PageRequest()
    except ImportError:
        pass
    results: dict[str, Any] = {"list": {}, "search": {}, "plans": {}}
    for label, username in users.items():
        user = User.objects.get(username=username)
        rows: dict[str, Any] = {}
        plans: dict[str, Any] = {}
        cases = [
            ("page 1", CaseFilters(), first),
            (f"page {deep_page}", CaseFilters(), _deep_page(user, CaseFilters(), deep_page, per_page)),
        ]
        cases += [(name, CaseFilters(**values), first) for name, values in FILTERS.items()]
        for what, filters, page in cases:
            run = _list_request(user, filters, page, per_page)
            rows[what] = _timed(run, repeat)
            plans[what] = _plan_problems(run)
        results["list"][label] = rows
        results["plans"][label] = plans
    for label, username in (search_users or users).items():
        user = User.objects.get(username=username)
        modes: dict[str, Any] = {}
        for mode, queries in _search_queries(user, searches_per_mode, seed).items():
            timings, bare, found = [], [], []
            for query in queries:
                measured = _timed(_list_request(user, CaseFilters(query=query), first, per_page), 1)
                lower = _timed(_bare_search(user, query), 1)
                timings.append(measured["p50_ms"])
                bare.append(lower["p50_ms"])
                found.append(measured["found"])
            if not timings:
                continue
            ours, floor = _percentiles(timings), _percentiles(bare)
            modes[mode] = {
                **ours, "bare_p50_ms": floor["p50_ms"], "bare_p95_ms": floor["p95_ms"],
                "ratio_p95": round(ours["p95_ms"] / max(floor["p95_ms"], 0.1), 2), "found_median": statistics.median(found),
            }  # fmt: skip
        results["search"][label] = modes
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--user", action="append", default=[], help="LABEL=USERNAME (repeatable)")
    parser.add_argument("--search-user", action="append", default=[], help="LABEL=USERNAME (default: every --user)")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--deep-page", type=int, default=200)
    parser.add_argument("--searches", type=int, default=20)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pristan.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    users = dict(item.split("=", 1) for item in args.user)
    search_users = dict(item.split("=", 1) for item in args.search_user) or None
    results = measure_lists(
        users=users, search_users=search_users, repeat=args.repeat, deep_page=args.deep_page, searches_per_mode=args.searches
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    for label, rows in results["list"].items():
        for what, row in rows.items():
            problems = sorted({problem for found in results["plans"][label][what].values() for problem in found})
            print(
                f"list   {label:12} {what:26} p50 {row['p50_ms']:7.1f}  p95 {row['p95_ms']:7.1f} ms"
                f"  {row['queries']:2} queries  {row['found']:>7} found  {'; '.join(problems)}"
            )
    for label, modes in results["search"].items():
        for mode, row in modes.items():
            print(
                f"search {label:12} {mode:22} p50 {row['p50_ms']:7.1f}  p95 {row['p95_ms']:7.1f} ms"
                f"  bare p50 {row['bare_p50_ms']:6.1f}  p95 {row['bare_p95_ms']:6.1f}"
                f"  ratio(p95) {row['ratio_p95']:5.2f}  found {row['found_median']}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
