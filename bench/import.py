"""How fast, and in how much memory, does `pristan import` take in a large HTCDS file?

    .venv/bin/python bench/import.py [ROWS] [--format csv|json|xlsx] [--via command|page] [--profile]
                                     [--database sqlite|postgres://…] [--keys-database URL] [--json]

From Python (`make bench`): `measure_import(rows, database)` runs it in a child process and returns
its figures as a dict (see `measure_import`).

Generated cases of one office are written to an HTCDS file (the layout of Pristan's export, one
row per case), which a child process then imports into a second office, as that office's
caseworker: the check (the preview), then the write in one transaction. `--via command` runs
`pristan import`; `--via page` seals the file as the Import page seals an upload and runs the
page's two passes (jobs.check, jobs.write) on it, timing each. The child's wall time, CPU time
and peak resident memory are printed. Everything lives in a temporary directory removed
afterwards; with `--database postgres://…` the cases go to that PostgreSQL database instead
(empty or made by an earlier run: it is migrated and written to, so never name one you keep), its
keys to `--keys-database` (default: the same name + "_keys").
See bench/README.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from scratch_db import REPO, migrate, setup_django


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("rows", nargs="?", type=int, default=10_000, help="rows in the file (default 10000)")
    parser.add_argument("--format", choices=["csv", "json", "xlsx"], default="csv")
    parser.add_argument("--via", choices=["command", "page"], default="command")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="profile the import (cProfile, 30 most expensive functions)")
    parser.add_argument("--database", default="sqlite", help="sqlite (fresh, default) or a scratch PostgreSQL URL")
    parser.add_argument("--keys-database", default="", help="the key store's URL (PostgreSQL: default DATABASE_keys)")
    parser.add_argument("--json", action="store_true", help="end with one line of JSON: the figures")
    return parser.parse_args(argv)


def measure_import(
    rows: int,
    database: str = "sqlite",
    *,
    keys_database: str = "",
    file_format: str = "csv",
    via: str = "command",
    seed: int = 1,
) -> dict[str, Any]:
    """Generate ``rows`` cases, export them as HTCDS and import the file into a second office, in a
    child process; returns its figures: rows, seconds (check + write, wall), rows_per_second,
    cpu_seconds and peak_mib (the import's own process), file_mib, database and when it was measured.

    ``database``: "sqlite" (fresh, in a temporary directory) or the URL of a scratch PostgreSQL
    database, which is migrated and written to (never one you keep)."""
    command = [sys.executable, __file__, str(rows), "--format", file_format, "--via", via, "--seed", str(seed),
               "--database", database, "--json"]  # fmt: skip
    if keys_database:
        command += ["--keys-database", keys_database]
    finished = subprocess.run(command, capture_output=True, text=True, check=False)
    if finished.returncode:
        raise RuntimeError(f"bench/import.py failed:\n{finished.stdout[-2000:]}\n{finished.stderr[-3000:]}")
    figures: dict[str, Any] = json.loads(finished.stdout.strip().splitlines()[-1])
    return figures


def _setup(directory: Path, database: str, keys_database: str) -> None:
    """Django on fresh SQLite databases, or on the given empty PostgreSQL ones (keys in ``directory``)."""
    if database == "sqlite":
        setup_django(directory)
    else:
        setup_django(directory, database, keys_database or f"{database.rstrip('/')}_keys")


def _write_file(path: Path, file_format: str) -> int:
    """The first office's cases in HTCDS, streamed case by case as the export writes them."""
    import openpyxl

    from pristan.cases.models import Case
    from pristan.interchange import mapping
    from pristan.interchange.htcds_export import records

    cases = list(Case.objects.order_by("reference"))
    rows = (list(map(mapping.to_text, (record[name] for name in mapping.COLUMNS))) for record in records(cases))
    if file_format == "csv":
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(mapping.COLUMNS)
            writer.writerows(rows)
    elif file_format == "json":
        with path.open("w", encoding="utf-8") as handle:
            handle.write('{"records": [')
            for index, row in enumerate(rows):
                handle.write(("," if index else "") + json.dumps(dict(zip(mapping.COLUMNS, row, strict=True))))
            handle.write("]}")
    else:
        workbook = openpyxl.Workbook(write_only=True)
        sheet = workbook.create_sheet()
        sheet.append(mapping.COLUMNS)
        for row in rows:
            sheet.append(row)
        workbook.save(path)
    return len(cases)


def _sealed_job(path: Path, office: Any, actor: Any) -> str:
    """The file sealed chunk by chunk as the upload handler seals it, and its import waiting to be checked."""
    from pristan.core.sealed_file import SealedWriter
    from pristan.interchange import uploads
    from pristan.interchange.models import ImportJob
    from pristan.keystore.services import create_data_key, data_key

    upload_id, key_id = uuid.uuid4(), create_data_key()
    key = data_key(key_id)
    assert key is not None
    with path.open("rb") as source, uploads.sealed_path(upload_id).open("wb") as target:
        writer = SealedWriter(target, key_id, key, uploads.upload_aad(upload_id))
        while chunk := source.read(64 * 1024):
            writer.write(chunk)
        writer.close()
    job = ImportJob.objects.create(
        id=upload_id, office=office, actor=actor, filename=path.name, key_id=key_id, source=f"file:{path.stem}"
    )
    path.unlink()  # only the sealed copy is left to read
    return str(job.pk)


def _run_job(job_id: str) -> int:
    """In the child: the page's two passes over the sealed upload, inline."""
    from pristan.interchange import jobs
    from pristan.interchange.models import ImportJob

    job = ImportJob.objects.select_related("actor", "office").get(pk=job_id)
    started = time.perf_counter()
    jobs.check(job)
    checked = time.perf_counter()
    print(f"Rows: {job.rows}. To create: {job.to_create}. With problems: {job.invalid}.")
    jobs.write(job)
    written = time.perf_counter()
    print(f"{job.status}: {job.created} created, {job.updated} updated. {job.error}")
    print(json.dumps({"check_seconds": round(checked - started, 2), "write_seconds": round(written - checked, 2)}))
    return 0 if job.status == ImportJob.Status.DONE else 1


def main(argv: list[str] | None = None) -> int:
    if argv is None and sys.argv[1:2] == ["--job"]:
        url = os.environ.get("DATABASE_URL", "sqlite")  # as the parent set it up
        _setup(Path(os.environ["PRISTAN_VAR_DIR"]), "sqlite" if url.startswith("sqlite") else url,
               os.environ.get("PRISTAN_KEYS_DATABASE_URL", ""))  # fmt: skip
        return _run_job(sys.argv[2])
    args = _arguments(argv)
    with tempfile.TemporaryDirectory(prefix="pristan-bench-") as directory:
        _setup(Path(directory), args.database, args.keys_database)
        from pristan.demo.generate import generate
        from pristan.demo.world import ensure_world

        migrate()
        generate(cases=args.rows, offices=1, seed=args.seed, progress=False)
        world = ensure_world(2)
        target, importer = world.offices[1].office, world.offices[1].caseworker
        path = Path(directory) / f"cases.{args.format}"
        rows = _write_file(path, args.format)
        file_mib = path.stat().st_size / 2**20
        print(f"{rows:,} rows, {args.format}, {file_mib:,.1f} MiB")
        command = [sys.executable]
        if args.profile:
            command += ["-m", "cProfile", "-s", "cumulative"]
        if args.via == "page":
            command += [__file__, "--job", str(_sealed_job(path, target, importer))]
        else:
            command += [str(REPO / "manage.py"), "import", str(path), "--office", target.code, "--as", importer.username,
                        "--no-progress", "--lang", "en"]  # fmt: skip
        started, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        finished = subprocess.run(command, env=os.environ, capture_output=True, text=True, check=False)
        seconds, usage = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN)
        stdout, stderr = finished.stdout, finished.stderr
        output = stdout.splitlines()
        passes = json.loads(output.pop()) if args.via == "page" and not (finished.returncode or args.profile) else {}
        print("\n".join(output[:60] if args.profile else output[-2:]))
        if finished.returncode:
            print(stderr[-3000:])
            return 1
        cpu = (usage.ru_utime - before.ru_utime) + (usage.ru_stime - before.ru_stime)
        print(f"import (check + write) in {seconds:,.1f} s: {rows / seconds:,.0f} rows/s; {cpu:,.1f} s of CPU")
        for name, taken in passes.items():  # the page's two passes, each on its own
            print(f"  {name.removesuffix('_seconds')}: {taken:,.1f} s, {rows / taken:,.0f} rows/s")
        print(f"peak resident memory of the import: {usage.ru_maxrss / 1024:,.0f} MiB")
        if args.json:
            figures = {
                "rows": rows, "format": args.format, "via": args.via, "database": "sqlite" if args.database == "sqlite"
                else "postgresql", "seconds": round(seconds, 2), "rows_per_second": round(rows / seconds, 1),
                "cpu_seconds": round(cpu, 2), "peak_mib": round(usage.ru_maxrss / 1024, 1), "file_mib": round(file_mib, 1),
                **passes, "load_average": os.getloadavg()[0], "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            }  # fmt: skip
            print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
