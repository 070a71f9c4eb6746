"""How fast does `pristan.demo.generate` write cases? Measured into a fresh SQLite database.

    .venv/bin/python bench/generate.py [CASES] [--offices K] [--seed S] [--profile]

The databases (cases and key store) and the keyring live in a temporary directory that is removed
afterwards, so the figure never depends on (or touches) the data in var/. See bench/README.md.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

from scratch_db import migrate, setup_django


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("cases", nargs="?", type=int, default=20_000, help="cases to generate (default 20000)")
    parser.add_argument("--offices", type=int, default=12, help="offices to spread them over (default 12)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="print the 30 most expensive functions")
    parser.add_argument("--sort", default="cumulative", help="profile order: cumulative or tottime")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser.parse_args(argv)


def _row_counts() -> dict[str, int]:
    from django.apps import apps

    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in {"people", "cases", "screening", "experience", "assistance", "keystore"}
    }


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    with tempfile.TemporaryDirectory(prefix="pristan-bench-") as directory:
        setup_django(Path(directory))
        from pristan.demo.generate import generate

        migrate()
        profiler = cProfile.Profile() if args.profile else None
        if profiler:
            profiler.enable()
        cpu_started = time.process_time()
        result = generate(cases=args.cases, offices=args.offices, seed=args.seed, progress=not args.no_progress)
        cpu = time.process_time() - cpu_started
        if profiler:
            profiler.disable()
            pstats.Stats(profiler).sort_stats(args.sort).print_stats(30)
        counts = _row_counts()
        size, keys_size = ((Path(directory) / name).stat().st_size for name in ("bench.sqlite3", "keys.sqlite3"))
        print(f"{sum(counts.values()):,} rows in {len(counts)} tables, database {size / 2**20:,.0f} MiB")
        print(f"of which {counts['people.NameToken']:,} name tokens; key store {keys_size / 2**20:,.1f} MiB")
        print(f"{result.cases:,} cases over {len(result.offices)} offices in {result.seconds:.1f} s")
        print(f"{result.cases_per_second:,.0f} cases/second")
        # On a shared machine the wall-clock figure depends on the neighbours; CPU time much less.
        print(f"{cpu:.1f} s of CPU: {result.cases / cpu if cpu else 0:,.0f} cases per CPU-second")
    return 0


if __name__ == "__main__":
    sys.exit(main())
