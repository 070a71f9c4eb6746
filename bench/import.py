"""How fast, and in how much memory, does `pristan import` take in a large HTCDS file?

    .venv/bin/python bench/import.py [ROWS] [--format csv|json|xlsx] [--profile]

Generated cases of one office are written to an HTCDS file (the layout of Pristan's export, one
row per case); then `pristan import` runs in a child process and imports that file into a second
office, as that office's caseworker: the check (the preview), then the write in one transaction.
The child's wall time, CPU time and peak resident memory are printed. Everything lives in a
temporary directory removed afterwards. See bench/README.md.
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
from pathlib import Path

from scratch_db import REPO, migrate, setup_django


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("rows", nargs="?", type=int, default=10_000, help="rows in the file (default 10000)")
    parser.add_argument("--format", choices=["csv", "json", "xlsx"], default="csv")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="profile the import (cProfile, 30 most expensive functions)")
    return parser.parse_args(argv)


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


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    with tempfile.TemporaryDirectory(prefix="pristan-bench-") as directory:
        setup_django(Path(directory))
        from pristan.demo.generate import generate
        from pristan.demo.world import ensure_world

        migrate()
        generate(cases=args.rows, offices=1, seed=args.seed, progress=False)
        world = ensure_world(2)
        target, importer = world.offices[1].office, world.offices[1].caseworker
        path = Path(directory) / f"cases.{args.format}"
        rows = _write_file(path, args.format)
        print(f"{rows:,} rows, {args.format}, {path.stat().st_size / 2**20:,.1f} MiB")
        command = [sys.executable]
        if args.profile:
            command += ["-m", "cProfile", "-s", "cumulative"]
        command += [str(REPO / "manage.py"), "import", str(path), "--office", target.code, "--as", importer.username,
                    "--no-progress", "--lang", "en"]  # fmt: skip
        started, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        finished = subprocess.run(command, env=os.environ, capture_output=True, text=True, check=False)  # noqa: S603
        seconds, after = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN)
        output = finished.stdout.splitlines()
        print("\n".join(output[:60] if args.profile else output[-2:]))
        if finished.returncode:
            print(finished.stderr[-3000:])
            return 1
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        print(f"import (check + write) in {seconds:,.1f} s: {rows / seconds:,.0f} rows/s; {cpu:,.1f} s of CPU")
        print(f"peak resident memory of the import: {after.ru_maxrss / 1024:,.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
