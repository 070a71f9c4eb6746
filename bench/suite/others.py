"""The measurements written by the issue's other parts, each in its own module under bench/.

LEAD: once those branches are merged, check that each module's function takes the `Context` and
returns a list of `Result` (bench/suite/results.py), or adapt the call here. A module that is not
there yet is reported as skipped, with the reason, and the run goes on.

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
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

from suite.context import Context
from suite.results import Result, skipped

BENCH = Path(__file__).resolve().parents[1]

OTHERS = (
    ("lists", "measure_lists"),
    ("pages", "measure_pages"),
    ("import", "measure_import"),
    ("exports", "measure_exports"),
    ("audit_lock", "measure_audit_lock"),
)


def _function(module_name: str, function_name: str) -> Callable[[Context], list[Result]] | str:
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


def run_other(module_name: str, function_name: str, context: Context) -> list[Result]:
    function = _function(module_name, function_name)
    if isinstance(function, str):
        print(f"bench: skipping {function_name}: {function}")
        return [skipped(function_name, function)]
    try:
        return [result.judge() for result in function(context)]
    except Exception as error:  # one failed measurement must not lose the others' results
        traceback.print_exc()
        return [skipped(function_name, f"failed: {type(error).__name__}: {error}")]
