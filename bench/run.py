"""`make bench`: Pristan's benchmark suite. Builds its databases once (cached under var/bench/), then
measures each hot path beside its lower bound in the same run, prints a table and writes
bench/results/<measurement>-<engine>.json. See bench/README.md, "make bench".

    .venv/bin/python bench/run.py                                 # 1,000,000 cases on PostgreSQL, 100,000 on SQLite
    .venv/bin/python bench/run.py --cases 20000 --samples 20      # smaller (SQLite: min(100,000, --cases))
    .venv/bin/python bench/run.py --engines sqlite --no-load --only search,case_page
    .venv/bin/python bench/run.py --build-only

Environment: BENCH_CASES and BENCH_SQLITE_CASES set the sizes (`make bench BENCH_CASES=100000`).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from suite import build  # noqa: E402
from suite.results import Result, from_json, table, write_json  # noqa: E402

# In the order they run. Each is a function of the Context, in a process with Django set up on
# the database measured; the others' modules are wired in bench/suite/others.py.
MEASUREMENTS = ("search", "case_page", "overview_research", "lists", "pages", "import", "exports", "audit_lock")
OWN = {"search": ("suite.search", "measure_search"), "case_page": ("suite.pages", "measure_case_page"),
       "overview_research": ("suite.pages", "measure_overview_research")}  # fmt: skip


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=int(os.environ.get("BENCH_CASES") or 1_000_000),
                        help="cases in the PostgreSQL database (default 1,000,000)")  # fmt: skip
    parser.add_argument("--sqlite-cases", type=int, default=int(os.environ.get("BENCH_SQLITE_CASES") or 0),
                        help="cases in the SQLite database (default: 100,000, or --cases if smaller)")  # fmt: skip
    parser.add_argument("--offices", type=int, default=50, help="offices to spread them over (default 50)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--engines", default="postgresql,sqlite", help="postgresql, sqlite or both (default)")
    parser.add_argument("--only", default="", help=f"comma-separated measurements among {', '.join(MEASUREMENTS)}")
    parser.add_argument("--samples", type=int, default=40, help="timed repetitions of each measurement (default 40)")
    parser.add_argument("--no-load", action="store_true", help="skip the load test (locust)")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=int, default=10)
    parser.add_argument("--run-time", type=int, default=60, help="seconds of load (default 60)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers for the load test (default 3)")
    parser.add_argument("--build-only", action="store_true", help="build (or check) the databases and stop")
    parser.add_argument("--results", type=Path, default=BENCH / "results", help="where the JSON files go")
    parser.add_argument("--var", type=Path, default=build.VAR, help="where the databases are kept (default var/bench)")
    parser.add_argument("--child", choices=["accounts", "measure"], help=argparse.SUPPRESS)
    parser.add_argument("--engine", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# --- in a child process: Django on one database ---------------------------------------------------


def _setup_django() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "pristan.settings"
    sys.path.insert(0, str(build.REPO))
    import django

    django.setup()


def _child_measure(args: argparse.Namespace) -> int:
    import importlib

    from suite.context import Context
    from suite.others import OTHERS, run_other

    _setup_django()
    directory = Path(os.environ["PRISTAN_VAR_DIR"]).parent
    built = json.loads((directory / "build.json").read_text(encoding="utf-8"))
    context = Context(engine=args.engine, cases=built.get("cases_total", args.cases), offices=built["offices_generated"],
                      seed=args.seed, samples=args.samples, directory=directory)  # fmt: skip
    others = dict(OTHERS)
    measured: dict[str, list[dict[str, Any]]] = {}
    for name in args.only.split(","):
        print(f"bench: {args.engine}: {name}", flush=True)
        if name in OWN:
            module, function = OWN[name]
            results = getattr(importlib.import_module(module), function)(context)
        else:
            results = run_other(name, others[name], context)
        measured[name] = [result.to_json() for result in results]
    args.out.write_text(json.dumps({"context": context.describe(), "measured": measured}), encoding="utf-8")
    return 0


def _child_accounts() -> int:
    from suite.accounts import make_accounts

    _setup_django()
    make_accounts(Path(os.environ["PRISTAN_VAR_DIR"]).parent)
    return 0


# --- the parent: no Django here, each database in its own processes --------------------------------


Measured = dict[str, list[Result]]


def _measure(database: build.Database, args: argparse.Namespace, names: list[str]) -> tuple[dict[str, Any], Measured]:
    with tempfile.TemporaryDirectory(prefix="pristan-bench-") as directory:
        out = Path(directory) / "measured.json"
        command = [sys.executable, __file__, "--child", "measure", "--engine", database.engine,
                   "--cases", str(database.cases), "--seed", str(database.seed), "--samples", str(args.samples),
                   "--only", ",".join(names), "--out", str(out)]  # fmt: skip
        subprocess.run(command, env=database.environment(), check=True, cwd=build.REPO)
        document = json.loads(out.read_text(encoding="utf-8"))
    return document["context"], {name: [from_json(data) for data in rows] for name, rows in document["measured"].items()}


def _record(args: argparse.Namespace, context: dict[str, Any], measured: Measured, everything: list[Result]) -> None:
    engine = context["engine"]
    for name, results in measured.items():
        for result in results:
            result.name = f"[{engine}] {result.name}"
        write_json(args.results / f"{name}-{engine}.json", name=name, context=context, results=results)
        everything.extend(results)


def _postgresql(args: argparse.Namespace, names: list[str], everything: list[Result]) -> None:
    from suite.load import measure_load

    if not build.is_current(build.postgres_database(None, args.cases, args.offices, args.seed)):
        with build.postgres_server(building=True) as server:  # durability off while it is built
            build.build(build.postgres_database(server, args.cases, args.offices, args.seed), server)
    with build.postgres_server(building=False) as server:  # the production settings, durability on
        database = build.postgres_database(server, args.cases, args.offices, args.seed)
        build.build(database, server)  # current by now: migrated forward to this code's schema
        if args.build_only:
            return
        context, measured = _measure(database, args, names) if names else ({}, {})
        context = context or {"engine": "postgresql", "cases": args.cases}
        if not args.no_load:
            print(f"bench: postgresql: load test, {args.users} users for {args.run_time} s", flush=True)
            measured["load"] = measure_load(database, users=args.users, spawn_rate=args.spawn_rate, run_time=args.run_time,
                                            workers=args.workers)  # fmt: skip
        _record(args, {**context, "postgresql_settings": build.production_settings()}, measured, everything)


def _sqlite(args: argparse.Namespace, names: list[str], everything: list[Result]) -> None:
    cases = args.sqlite_cases or min(100_000, args.cases)
    database = build.sqlite_database(cases, args.offices, args.seed)
    build.build(database)
    if args.build_only or not names:
        return
    context, measured = _measure(database, args, names)
    _record(args, context, measured, everything)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    build.VAR = args.var.resolve()
    if args.child == "accounts":
        return _child_accounts()
    if args.child == "measure":
        return _child_measure(args)
    names = [name for name in (args.only.split(",") if args.only else MEASUREMENTS) if name]
    unknown = [name for name in names if name not in MEASUREMENTS and name != "load"]
    if unknown:
        print(f"bench: unknown measurement {', '.join(unknown)}; choose among {', '.join(MEASUREMENTS)}, load", file=sys.stderr)
        return 2
    if args.only and "load" not in names:
        args.no_load = True
    names = [name for name in names if name != "load"]
    engines = [engine.strip() for engine in args.engines.split(",") if engine.strip()]
    everything: list[Result] = []
    for engine in engines:
        if engine == "postgresql":
            _postgresql(args, names, everything)
        elif engine == "sqlite":
            _sqlite(args, names, everything)
        else:
            print(f"bench: unknown engine {engine}: postgresql or sqlite", file=sys.stderr)
            return 2
    if everything:
        print()
        print(table(everything))
        print(f"\nbench: results in {args.results}/ (one JSON file per measurement and engine)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
