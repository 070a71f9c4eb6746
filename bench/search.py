"""How fast is name search over many cases? Measured on a fresh SQLite database.

    .venv/bin/python bench/search.py [CASES] [--queries N]

Generates CASES synthetic cases (default 100,000) into a temporary database, then times
`case_search` for a supervisor of one office and for a user with global scope, with queries
taken from the generated names in Latin and in Cyrillic, and prints the median and 95th
percentile in milliseconds (the count and the first page of 25 rows with their names opened, as
the case list shows them) and the median number of cases found.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scratch_db import migrate, setup_django


def _time(run: Callable[[str], int], queries: list[str]) -> tuple[float, float, float]:
    """Median and 95th percentile milliseconds, and the median number of cases found."""
    timings, found = [], []
    for query in queries:
        started = time.perf_counter()
        found.append(run(query))
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1], statistics.median(found)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("cases", nargs="?", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pristan-bench-") as directory:
        setup_django(Path(directory))
        from django.contrib.auth.models import User

        from pristan.cases.selectors import CaseFilters, case_search
        from pristan.core.models import Office, Role
        from pristan.core.names import to_latin
        from pristan.core.services import membership_grant
        from pristan.demo.generate import generate
        from pristan.keystore.services import key_scope, preload_for
        from pristan.people.models import Person

        migrate()
        generate(cases=args.cases, offices=12, seed=1, progress=False)
        office = Office.objects.get(code="SOF")
        supervisor = User.objects.create_user("bench.supervisor")
        membership_grant(actor=None, user=supervisor, office=office, role=Role.SUPERVISOR, child_clearance=True)
        everywhere = User.objects.create_user("bench.global")
        membership_grant(actor=None, user=everywhere, office=office, role=Role.SUPERVISOR, scope="global", child_clearance=True)

        rng = random.Random(7)  # noqa: S311 - a reproducible order of queries, not a secret

        def queries_from(persons: Any) -> dict[str, list[str]]:
            with key_scope():  # names are sealed: read them through the model, which opens them
                names = [(person.given_name, person.family_name) for person in persons.order_by("?")[: args.queries]]
            latin = [to_latin(f"{given} {family}") for given, family in names]
            prefixes = [name.split()[-1][:4] for name in latin if name.split()]
            rng.shuffle(prefixes)
            return {
                "full name, Latin": latin,
                "full name, as written": [f"{given} {family}" for given, family in names],
                "surname prefix": prefixes,
            }

        # The supervisor looks for people of their own office; the global user for anyone.
        own_office, anyone = queries_from(Person.objects.filter(office=office)), queries_from(Person.objects.all())

        def page(user: User) -> Callable[[str], int]:
            def run(query: str) -> int:
                with key_scope():  # one request
                    results = case_search(user=user, filters=CaseFilters(query=query))
                    count = results.count()
                    cases = list(results[:25])
                    preload_for(cases)  # as the case list does: the page's keys in one query
                    for case in cases:
                        _ = case.person.full_name
                return count

            return run

        print(f"{args.cases:,} cases; {args.queries} queries each; milliseconds (median / 95th percentile), cases found (median)")
        for label, user, sets in (
            ("one office (supervisor)", supervisor, own_office),
            ("all offices (global scope)", everywhere, anyone),
        ):
            for kind, queries in sets.items():
                median, p95, found = _time(page(User.objects.get(pk=user.pk)), queries)
                print(f"  {label:28} {kind:22} {median:8.1f} {p95:8.1f} {found:8.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
