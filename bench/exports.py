"""How long, and in how much memory, do the whole database's exports take; and how fast are the
supervisors' overview and the research page?

    .venv/bin/python bench/exports.py [--sqlite CASES] [--formats htcds-csv,ctdc] [--repeats 20] [--json PATH]

Without --sqlite it measures the databases the environment names (DATABASE_URL,
PRISTAN_KEYS_DATABASE_URL, PRISTAN_KEY_FILE, PRISTAN_VAR_DIR: `source /work/pgshared/env.sh`, but
on a *copy*: an export writes its record and audit entry, and the page requests their sessions).
With --sqlite CASES it generates CASES cases into a fresh SQLite database in a temporary directory.

Each export runs in a child process (`pristan export` as a user who supervises every office, with
child clearance, created if missing): its wall time and peak resident memory (`ru_maxrss` of that
child alone), beside a plain dump of the same tables' rows by one SELECT in another child, in the
same run. The pages are requested through Django's test client in a child, signed in as the same
user: the median and 95th percentile in milliseconds.

`measure_exports(...)` is what `make bench` calls; it returns the figures as a dict.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from scratch_db import REPO

BENCH_USER = "bench.exports"
PASSPHRASE = "Морски фар, северна кула, 2026"  # noqa: S105 - the archive of a benchmark, deleted at once
# The tables an HTCDS record reads (cases, persons, experience, screenings, consent events), and a
# CTDC row's (cases, persons, experience, events, perpetrators): one plain SELECT each.
DUMPS = {
    "htcds-csv": [
        "SELECT * FROM cases_case c JOIN people_person p ON p.id = c.person_id "
        "LEFT JOIN experience_traffickingexperience e ON e.case_id = c.id",
        "SELECT * FROM screening_screening",
        "SELECT * FROM cases_consentevent",
    ],
    "ctdc": [
        "SELECT * FROM cases_case c JOIN people_person p ON p.id = c.person_id "
        "LEFT JOIN experience_traffickingexperience e ON e.case_id = c.id",
        "SELECT * FROM experience_traffickingevent",
        "SELECT * FROM experience_perpetrator",
        "SELECT * FROM cases_consentevent",
        "SELECT * FROM screening_screening",
    ],
}


# --- in the child processes ---


def _setup() -> None:
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pristan.settings")
    import django

    django.setup()


def _bench_user() -> Any:
    from django.contrib.auth.models import User
    from django.db import transaction

    from pristan.core.models import Office, Role, Scope
    from pristan.core.services import membership_grant

    with transaction.atomic():
        user, created = User.objects.get_or_create(username=BENCH_USER)
        if created:
            membership_grant(
                actor=None, user=user, office=Office.objects.order_by("pk").first(), role=Role.SUPERVISOR, scope=Scope.GLOBAL,
                child_clearance=True,
            )  # fmt: skip
    _consent_to_export_everywhere(user)
    return user


def _consent_to_export_everywhere(user: Any) -> None:
    """Generated cases have no consent to export: the benchmark's database gets one for every case,
    recorded in one INSERT ... SELECT (a benchmark's preparation, not a way to record consent)."""
    from django.db import connection
    from django.utils import timezone

    from pristan.cases.models import Case, ConsentEvent, ConsentPurpose

    if ConsentEvent.objects.filter(purpose=ConsentPurpose.EXPORT).exists():
        return
    events, cases = ConsentEvent._meta.db_table, Case._meta.db_table
    with connection.cursor() as cursor:
        on = connection.ops.quote_name("on")
        cursor.execute(
            f"INSERT INTO {events} (purpose, given, {on}, recorded_at, case_id, recorded_by_id, note) "  # noqa: S608
            f"SELECT %s, %s, opened_on, %s, id, %s, %s FROM {cases}",
            [ConsentPurpose.EXPORT.value, True, timezone.now(), user.pk, b""],
        )


def _child_export(file_format: str, output: str) -> dict[str, Any]:
    from django.utils import translation

    from pristan.cases.models import Case
    from pristan.exports.services import export_cases
    from pristan.interchange.htcds_export import HTCDS_CSV, HTCDS_JSON, HTCDS_XLSX
    from pristan.research.console import write_ctdc

    user = _bench_user()
    translation.activate("en")
    if file_format == "ctdc":
        lines = write_ctdc(actor=user, output=Path(output), k=11)
        return {"report": lines[:2]}
    layout = {"htcds-csv": HTCDS_CSV, "htcds-json": HTCDS_JSON, "htcds-xlsx": HTCDS_XLSX, "csv": "csv-aes-zip"}[file_format]
    with Path(output).open("wb") as target:
        result = export_cases(
            actor=user, cases=Case.objects.all(), purpose="transfer", passphrase=PASSPHRASE, ip=None, file_format=layout,
            target=target,
        )  # fmt: skip
    return {"cases": result.included, "left_out": result.excluded}


def _child_dump(file_format: str, output: str) -> dict[str, Any]:
    """The lower bound: the same tables' rows, read by plain SELECTs (a server-side cursor on
    PostgreSQL) and written as CSV, nothing decrypted."""
    import csv

    from django.db import connection, transaction

    rows = 0
    with transaction.atomic(), Path(output).open("w", newline="") as handle:
        writer = csv.writer(handle)
        for number, sql in enumerate(DUMPS[file_format]):
            cursor = connection.chunked_cursor() if connection.vendor == "postgresql" else connection.cursor()
            if connection.vendor == "postgresql":
                cursor.name = f"dump{number}"  # type: ignore[attr-defined]
            cursor.execute(sql)
            while batch := cursor.fetchmany(2000):
                writer.writerows(batch)
                rows += len(batch)
            cursor.close()
    return {"rows": rows}


def _child_pages(repeats: int) -> dict[str, Any]:
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    from conftest import sign_in_verified

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    user = _bench_user()
    client = sign_in_verified(Client(), user)
    pages = {
        "overview": (reverse("supervisor_overview"), {}),
        "research": (reverse("research_export"), {}),
        "research_preview_k11": (reverse("research_export"), {"k": "11"}),
    }
    figures: dict[str, Any] = {}
    for name, (url, query) in pages.items():
        timings = []
        for _repeat in range(repeats if name != "research_preview_k11" else max(3, repeats // 5)):
            started = time.perf_counter()
            response = client.get(url, query)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (name, response.status_code)
        timings.sort()
        figures[name] = {
            "p50_ms": round(statistics.median(timings), 1),
            "p95_ms": round(timings[max(0, int(len(timings) * 0.95) - 1)], 1),
            "requests": len(timings),
        }
    return figures


def _child(argv: Sequence[str]) -> int:
    _setup()
    mode, *rest = argv
    if mode == "export":
        result = _child_export(*rest)
    elif mode == "dump":
        result = _child_dump(*rest)
    else:
        result = _child_pages(int(rest[0]))
    print("RESULT " + json.dumps(result, ensure_ascii=False))
    return 0


# --- in the parent ---


def _run_measured(arguments: list[str], env: Mapping[str, str]) -> dict[str, Any]:
    """`_run`, with the child's own peak resident memory: read before subprocess reaps it."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as errors:
        child = subprocess.Popen(
            [sys.executable, __file__, "--child", *arguments], env=dict(env), stdout=subprocess.PIPE, stderr=errors, text=True
        )
        assert child.stdout is not None
        stdout = child.stdout.read()
        _pid, status, usage = os.wait4(child.pid, 0)
        errors.seek(0)
        stderr = errors.read()
    child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if child.returncode:
        raise RuntimeError(f"{arguments}: {stderr[-3000:]}")
    result = json.loads(next(line for line in stdout.splitlines() if line.startswith("RESULT "))[7:])
    result.update(seconds=round(seconds, 2), peak_mib=round(usage.ru_maxrss / 1024))
    return result


def measure_exports(
    *, env: Mapping[str, str] | None = None, formats: Sequence[str] = ("htcds-csv", "ctdc"), repeats: int = 20,
    workdir: Path | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Export time and peak memory of each format beside a plain dump of the same rows, and the
    overview and research pages' p50/p95, on the databases `env` names (default: this process's
    environment). Writes go to those databases (records, audit entries, sessions): never a shared
    one. Returns {"exports": {format: {...}}, "pages": {...}, "targets": {...}}."""
    env = dict(os.environ if env is None else env)
    env.setdefault("DJANGO_SETTINGS_MODULE", "pristan.settings")
    figures: dict[str, Any] = {"exports": {}, "pages": {}}
    with tempfile.TemporaryDirectory(prefix="pristan-bench-exports-", dir=workdir) as directory:
        for file_format in formats:
            dump = _run_measured(["dump", file_format, str(Path(directory) / "dump.csv")], env)
            output = Path(directory) / f"export-{file_format}"
            export = _run_measured(["export", file_format, str(output)], env)
            export["bytes"] = output.stat().st_size
            output.unlink()
            figures["exports"][file_format] = {
                "export": export, "dump": dump, "times_the_dump": round(export["seconds"] / max(dump["seconds"], 0.01), 1),
            }  # fmt: skip
        figures["pages"] = _run_measured(["pages", str(repeats)], env)
    figures["targets"] = {
        "export_within_times_the_dump": 10, "pages_p95_ms": 500,
        "met": {
            **{f"{name} time": row["times_the_dump"] <= 10 for name, row in figures["exports"].items()},
            **{f"{name} p95": row["p95_ms"] <= 500 for name, row in figures["pages"].items() if isinstance(row, dict)},
        },
    }  # fmt: skip
    return figures


def _print(figures: dict[str, Any]) -> None:
    for name, row in figures["exports"].items():
        export, dump = row["export"], row["dump"]
        print(
            f"{name:10} export {export['seconds']:8.1f} s {export['peak_mib']:6} MiB peak | plain dump "
            f"{dump['seconds']:6.1f} s {dump['peak_mib']:5} MiB ({dump['rows']:,} rows) | {row['times_the_dump']}× the dump"
        )
    for name, row in figures["pages"].items():
        if isinstance(row, dict):
            print(f"{name:22} p50 {row['p50_ms']:8.1f} ms  p95 {row['p95_ms']:8.1f} ms  ({row['requests']} requests)")


def main(argv: list[str] | None = None) -> int:
    if argv is None and sys.argv[1:2] == ["--child"]:
        return _child(sys.argv[2:])
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sqlite", type=int, metavar="CASES", help="generate CASES cases into a fresh SQLite database")
    parser.add_argument("--formats", default="htcds-csv,ctdc")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    formats = args.formats.split(",")
    if args.sqlite is None:
        figures = measure_exports(formats=formats, repeats=args.repeats)
    else:
        with tempfile.TemporaryDirectory(prefix="pristan-bench-") as directory:
            from scratch_db import migrate, setup_django

            setup_django(Path(directory))
            from pristan.demo.generate import generate

            migrate()
            started = time.perf_counter()
            generate(cases=args.sqlite, offices=18, seed=1, progress=False)
            print(f"generated {args.sqlite:,} cases in {time.perf_counter() - started:,.0f} s")
            figures = measure_exports(env=os.environ, formats=formats, repeats=args.repeats)
    _print(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
