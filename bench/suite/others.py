"""The measurements written by the issue's other parts, each in its own module under bench/.

Each module's function returns a dict of its own shape (it is also run on its own, see
bench/README.md); the adapters below call it on the bench's database and turn its figures into
`Result`s (bench/suite/results.py). A module that is missing is reported as skipped, with the
reason, and the run goes on.

| module              | function             | measures                                                          |
|---------------------|----------------------|-------------------------------------------------------------------|
| bench/lists.py      | `measure_lists`      | case list, first and deep page, each filter, three roles (≤ 150 ms)|
| bench/pages.py      | `measure_pages`      | My cases (busiest caseworker), history, audit trail (≤ 150 ms)     |
| bench/import.py     | `measure_import`     | 100,000 rows: ≥ 2,000 rows/s, memory flat                         |
| bench/exports.py    | `measure_exports`    | HTCDS and CTDC of the whole database: memory flat, ≤ 10× a dump   |
| bench/audit_lock.py | `measure_audit_lock` | the audit chain's lock under concurrent case reads                |
"""

from __future__ import annotations

import importlib.util
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from suite.context import Context
from suite.results import Result, at_least, at_most, p95_at_most, skipped

BENCH = Path(__file__).resolve().parents[1]

OTHERS = (
    ("lists", "measure_lists"),
    ("pages", "measure_pages"),
    ("import", "measure_import"),
    ("exports", "measure_exports"),
    ("audit_lock", "measure_audit_lock"),
)


def _function(module_name: str, function_name: str) -> Callable[..., dict[str, Any]] | str:
    """The function, or why it cannot be had. Modules are loaded by path: `import` is a keyword."""
    path = BENCH / f"{module_name}.py"
    if not path.exists():
        return f"bench/{module_name}.py is not there yet"
    spec = importlib.util.spec_from_file_location(f"bench_{module_name}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    function = getattr(module, function_name, None)
    if function is None:
        return f"bench/{module_name}.py has no {function_name}() yet"
    return function


def _timing(name: str, row: dict[str, Any], n: int, target_ms: float, plans: list[str] | None = None) -> Result:
    return Result(
        name, p50=row["p50_ms"], p95=row["p95_ms"], n=n, targets=[p95_at_most(target_ms)], plan_problems=plans,
        extra={key: value for key, value in row.items() if key not in ("p50_ms", "p95_ms")},
    )  # fmt: skip


def _lists(function: Callable[..., dict[str, Any]], context: Context) -> list[Result]:
    users = {
        "caseworker": context.caseworker.username, "supervisor": context.supervisor.username,
        "global reader": context.global_reader.username,
    }  # fmt: skip
    figures = function(users=users, search_users={}, repeat=context.samples)  # name search: suite/search.py
    results = []
    for label, rows in figures["list"].items():
        for what, row in rows.items():
            plans = figures["plans"][label].get(what) if context.postgresql else None
            problems = None if plans is None else [f"{sql}: {problem}" for sql, found in plans.items() for problem in found]
            results.append(_timing(f"case list, {label}, {what}", row, context.samples, 150, problems))
    return results


def _pages(function: Callable[..., dict[str, Any]], context: Context) -> list[Result]:
    figures = function(
        runs=context.samples, caseworker=context.busiest_caseworker().username, supervisor=context.supervisor.username
    )
    plans = figures.get("plans", {})
    return [
        _timing(name, row, row.get("runs", context.samples), 150, list(plans.get(name, [])) if context.postgresql else None)
        for name, row in figures["pages"].items()
    ]


def _exports(function: Callable[..., dict[str, Any]], context: Context) -> list[Result]:
    figures = function(env=dict(os.environ), repeats=context.samples)
    results = []
    for name, row in figures["exports"].items():
        export, dump = row["export"], row["dump"]
        results.append(Result(
            f"export {name}, whole database", unit="s", value=export["seconds"], bound=dump["seconds"],
            bound_name="plain dump of the same rows", targets=[at_most(10 * dump["seconds"])],
            extra={"peak_mib": export["peak_mib"], "dump_peak_mib": dump["peak_mib"], "dump_rows": dump.get("rows")},
        ))  # fmt: skip
    for name, row in figures["pages"].items():
        if isinstance(row, dict):
            results.append(_timing(name, row, row.get("requests", context.samples), 500))
    return results


def _import(function: Callable[..., dict[str, Any]], context: Context) -> list[Result]:
    rows = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
    database = "sqlite"
    if context.postgresql:  # an empty database beside the bench's: the import writes into it
        import psycopg

        base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
        with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
            for name in ("bench_import", "bench_import_keys"):
                connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
                connection.execute(f'CREATE DATABASE "{name}"')
        database = f"{base}/bench_import"
        figures = function(rows, database, keys_database=f"{base}/bench_import_keys", via="page")
    else:
        figures = function(rows, database, via="page")
    results = [
        Result(f"import of {rows:,} HTCDS rows", unit="rows/s", value=figures["rows_per_second"], targets=[at_least(2000)],
               extra=figures),
    ]  # fmt: skip
    for name in ("check", "write"):  # the Import page's two passes, each on its own (the preview, then the write)
        if f"{name}_seconds" in figures:
            per_second = round(rows / figures[f"{name}_seconds"], 1)
            results.append(Result(f"import of {rows:,} HTCDS rows: the {name} alone", unit="rows/s", value=per_second))
    return results


def _audit_lock(function: Callable[..., dict[str, Any]], context: Context) -> list[Result]:
    if not context.postgresql:
        return [skipped("audit chain under concurrent reads", "PostgreSQL only: SQLite admits one writer at a time")]
    figures = function(username=context.supervisor.username)
    return [Result("audit chain under concurrent reads", unit="", extra=figures)]


ADAPTERS: dict[str, Callable[[Callable[..., dict[str, Any]], Context], list[Result]]] = {
    "lists": _lists, "pages": _pages, "exports": _exports, "import": _import, "audit_lock": _audit_lock,
}  # fmt: skip


def run_other(module_name: str, function_name: str, context: Context) -> list[Result]:
    function = _function(module_name, function_name)
    if isinstance(function, str):
        print(f"bench: skipping {function_name}: {function}")
        return [skipped(function_name, function)]
    try:
        return [result.judge() for result in ADAPTERS[module_name](function, context)]
    except Exception as error:  # one failed measurement must not lose the others' results
        traceback.print_exc()
        return [skipped(function_name, f"failed: {type(error).__name__}: {error}")]
