"""`make bench` at a tiny size: SQLite, a few hundred cases, no load test. Checks that the harness
builds its database, measures, and writes well-formed results (not how fast anything is)."""

import importlib.util
import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1]
VERDICTS = {"met", "missed", "no target", "skipped"}
FIELDS = {"name", "unit", "p50", "p95", "n", "value", "bound", "bound_name", "targets", "verdict", "misses", "ratio"}


def _run_module():  # bench/run.py, by path: bench/ is not a package
    spec = importlib.util.spec_from_file_location("bench_run", BENCH / "run.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.bench
def test_the_harness_writes_well_formed_results(tmp_path: Path) -> None:
    results = tmp_path / "results"
    arguments = ["--engines", "sqlite", "--sqlite-cases", "200", "--offices", "3", "--samples", "3",
                 "--only", "search,case_page,overview_research,lists",
                 "--results", str(results), "--var", str(tmp_path / "var")]  # fmt: skip
    assert _run_module().main(arguments) == 0

    written = {path.name: json.loads(path.read_text(encoding="utf-8")) for path in results.glob("*.json")}
    assert set(written) == {"search-sqlite.json", "case_page-sqlite.json", "overview_research-sqlite.json", "lists-sqlite.json"}
    for document in written.values():
        assert document["engine"] == "sqlite"
        assert document["cases"] == 300  # the demo's own 300 cases: more than the 200 asked for
        assert document["machine"]["cpus"] >= 1
        for result in document["results"]:
            assert set(result) >= FIELDS, result["name"]
            assert result["verdict"] in VERDICTS
            if result["verdict"] != "skipped":
                assert result["n"] >= 3
                assert 0 < result["p50"] <= result["p95"]
                assert result["bound"] is None or result["bound"] > 0  # the lists and pages have none
                assert result["verdict"] == ("missed" if result["misses"] else "met")
    for name in ("search-sqlite.json", "case_page-sqlite.json", "overview_research-sqlite.json"):
        assert all(result["bound"] > 0 for result in written[name]["results"]), name  # each beside its lower bound
    searches = [result["name"] for result in written["search-sqlite.json"]["results"]]
    assert len(searches) == 8  # four modes, one office and global
    assert all(name.startswith("[sqlite] search ") for name in searches)
    found = [result["extra"]["found_median"] for result in written["search-sqlite.json"]["results"]]
    assert min(found) >= 1  # every query was a name of a generated person: each finds someone
    assert len(written["case_page-sqlite.json"]["results"]) == 2
