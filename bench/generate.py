"""How fast does `pristan.demo.generate` write cases? Into fresh SQLite databases, or PostgreSQL.

    .venv/bin/python bench/generate.py [CASES] [--offices K] [--seed S] [--profile]
    .venv/bin/python bench/generate.py 100000 --offices 50 --postgres          # a throwaway server
    .venv/bin/python bench/generate.py 100000 --offices 50 \\
        --database-url postgres://postgres@127.0.0.1:55432/mine_p \\
        --keys-url postgres://postgres@127.0.0.1:55432/mine_k --key-file /tmp/mine.toml

SQLite: the databases (cases and key store) and the keyring live in a temporary directory that is
removed afterwards, so the figure never depends on (or touches) the data in var/.

`--postgres` starts a PostgreSQL server of its own (tools/with_postgres.py), creates the two
databases in it and removes it afterwards. `--database-url`/`--keys-url` write into databases
someone created (empty, or already generated into: the run adds cases); they are migrated first.
The keyring is `--key-file` (created if missing), else one in the temporary directory, so the
sealed data of a kept database can only be read with a key file that was kept too.

Besides cases per wall-second and per CPU-second of this process, a PostgreSQL run reports the
CPU time of the server backends serving it (all its connections, the writer thread's too), from /proc,
and, on a throwaway server, of the whole server (checkpointer, WAL writer …), and the peak RSS.
`--json FILE` writes the figures as JSON. `generate_postgres` runs the whole thing in a child
process and returns that JSON as a dict (for make bench's cached database). See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scratch_db import REPO, migrate, setup_django

_TICKS = os.sysconf("SC_CLK_TCK")


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("cases", nargs="?", type=int, default=20_000, help="cases to generate (default 20000)")
    parser.add_argument("--offices", type=int, default=12, help="offices to spread them over (default 12)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="print the 30 most expensive functions")
    parser.add_argument("--sort", default="cumulative", help="profile order: cumulative or tottime")
    parser.add_argument("--profile-file", type=Path, help="with --profile, also save the profile here (pstats)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--postgres", action="store_true", help="into a throwaway PostgreSQL server")
    where.add_argument("--database-url", help="into this PostgreSQL database (the cases); needs --keys-url")
    parser.add_argument("--keys-url", help="the key store's PostgreSQL database, with --database-url")
    parser.add_argument("--key-file", type=Path, help="the keyring (created if missing; default: a temporary one)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if bool(args.database_url) != bool(args.keys_url):
        parser.error("--database-url and --keys-url go together")
    return args


@contextlib.contextmanager
def _throwaway_databases() -> Iterator[tuple[str, str]]:
    """A new PostgreSQL server with two empty databases, removed on exit."""
    import psycopg

    sys.path.insert(0, str(REPO / "tools"))
    from with_postgres import throwaway_server

    with throwaway_server() as url:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute("CREATE DATABASE bench")
            admin.execute("CREATE DATABASE bench_keys")
        base = url.rsplit("/", 1)[0]
        yield f"{base}/bench", f"{base}/bench_keys"


def _cpu_seconds(pid: int, *, children: bool = False) -> float:
    """User + system CPU of a process (and of its reaped children) from /proc; 0 if unreadable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # After the command name: state ppid … utime(11) stime(12) cutime(13) cstime(14), counted from 0.
    ticks = int(fields[11]) + int(fields[12]) + ((int(fields[13]) + int(fields[14])) if children else 0)
    return ticks / _TICKS


def _parent_pid(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def _server_cpu(postmaster: int) -> float:
    """The whole server: the postmaster, its reaped children and the live ones."""
    total = _cpu_seconds(postmaster, children=True)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                if _parent_pid(int(entry.name)) == postmaster:
                    total += _cpu_seconds(int(entry.name))
    return total


class _BackendClock:
    """CPU time of every server backend this process connects to, the generator's writer thread's
    included. A backend's /proc entry goes when its connection closes, so a thread samples them
    every 0.2 s and keeps the last reading: a closing connection's last 0.2 s may be missed."""

    def __init__(self) -> None:
        from django.db.backends.signals import connection_created

        self._seen: dict[int, float] = {}
        self._start: dict[int, float] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        connection_created.connect(self._created, weak=False)
        from django.db import connections

        for alias in ("default", "keys"):  # those already open
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self._add(int(cursor.fetchone()[0]))
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _created(self, sender: object, connection: Any, **kwargs: Any) -> None:
        if connection.vendor == "postgresql":
            with connection.connection.cursor() as cursor:  # the driver's: no signal, no query log
                cursor.execute("SELECT pg_backend_pid()")
                self._add(int(cursor.fetchone()[0]))

    def _add(self, pid: int) -> None:
        with self._lock:
            if pid not in self._start:
                self._start[pid] = self._seen[pid] = _cpu_seconds(pid)

    def _read(self) -> None:
        with self._lock:
            for pid in self._start:
                now = _cpu_seconds(pid)
                if now:
                    self._seen[pid] = now

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            self._read()

    @property
    def first_pid(self) -> int:
        return next(iter(self._start))

    def stop(self) -> float:
        """Seconds of CPU used by the backends since they were first seen."""
        self._read()
        self._stop.set()
        self._thread.join()
        return sum(self._seen[pid] - self._start[pid] for pid in self._start)


def _row_counts() -> dict[str, int]:
    from django.apps import apps

    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in {"people", "cases", "screening", "experience", "assistance", "keystore"}
    }


def _database_sizes(postgres: bool, directory: Path) -> tuple[int, int]:
    if not postgres:
        return tuple((directory / name).stat().st_size for name in ("bench.sqlite3", "keys.sqlite3"))  # type: ignore[return-value]
    from django.db import connections

    sizes = []
    for alias in ("default", "keys"):
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            sizes.append(int(cursor.fetchone()[0]))
    return sizes[0], sizes[1]


def _run(args: argparse.Namespace, directory: Path, database_url: str, keys_url: str, *, own_server: bool) -> dict[str, Any]:
    postgres = database_url.startswith("postgres")
    setup_django(directory, database_url, keys_url, args.key_file)
    from pristan.demo.generate import generate

    migrate()
    clock = _BackendClock() if postgres else None
    postmaster = _parent_pid(clock.first_pid) if clock and own_server else 0
    server_cpu = _server_cpu(postmaster) if postmaster else 0.0
    profiler = cProfile.Profile() if args.profile else None
    if profiler:
        profiler.enable()
    cpu_started = time.process_time()
    result = generate(cases=args.cases, offices=args.offices, seed=args.seed, progress=not args.no_progress)
    cpu = time.process_time() - cpu_started
    if profiler:
        profiler.disable()
        if args.profile_file:
            profiler.dump_stats(args.profile_file)
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(30)
    backend_cpu = clock.stop() if clock else 0.0
    server_cpu = _server_cpu(postmaster) - server_cpu if postmaster else 0.0
    counts = _row_counts()
    size, keys_size = _database_sizes(postgres, directory)
    figures: dict[str, Any] = {
        "database": "postgresql" if postgres else "sqlite",
        "cases": result.cases,
        "offices": len(result.offices),
        "seed": args.seed,
        "seconds": round(result.seconds, 2),
        "cases_per_second": round(result.cases_per_second, 1),
        "cpu_seconds": round(cpu, 2),
        "cases_per_cpu_second": round(result.cases / cpu, 1) if cpu else 0.0,
        "backend_cpu_seconds": round(backend_cpu, 2),
        "server_cpu_seconds": round(server_cpu, 2) if postmaster else None,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "rows": sum(counts.values()),
        "name_tokens": counts["people.NameToken"],
        "database_mib": round(size / 2**20, 1),
        "keys_mib": round(keys_size / 2**20, 1),
        "load_average": os.getloadavg(),
    }
    both = cpu + backend_cpu
    figures["cases_per_cpu_second_with_backends"] = round(result.cases / both, 1) if both else 0.0
    return figures


def _print(figures: dict[str, Any]) -> None:
    print(f"{figures['rows']:,} rows, database {figures['database_mib']:,.0f} MiB")
    print(f"of which {figures['name_tokens']:,} name tokens; key store {figures['keys_mib']:,.1f} MiB")
    print(f"{figures['cases']:,} cases over {figures['offices']} offices in {figures['seconds']:.1f} s")
    print(f"{figures['cases_per_second']:,.0f} cases/second")
    # On a shared machine the wall-clock figure depends on the neighbours; CPU time much less.
    print(f"{figures['cpu_seconds']:.1f} s of CPU: {figures['cases_per_cpu_second']:,.0f} cases per CPU-second")
    if figures["database"] == "postgresql":
        print(
            f"PostgreSQL backends: {figures['backend_cpu_seconds']:.1f} s of CPU; with this process "
            f"{figures['cases_per_cpu_second_with_backends']:,.0f} cases per CPU-second"
        )
        if figures["server_cpu_seconds"] is not None:
            print(f"whole PostgreSQL server: {figures['server_cpu_seconds']:.1f} s of CPU")
    print(f"peak RSS {figures['peak_rss_mib']:,.0f} MiB; load average {figures['load_average']}")


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    with tempfile.TemporaryDirectory(prefix="pristan-bench-") as name:
        directory = Path(name)
        if args.postgres:
            with _throwaway_databases() as (database_url, keys_url):
                figures = _run(args, directory, database_url, keys_url, own_server=True)
        elif args.database_url:
            figures = _run(args, directory, args.database_url, args.keys_url, own_server=False)
        else:
            figures = _run(
                args, directory, f"sqlite:///{directory / 'bench.sqlite3'}", f"sqlite:///{directory / 'keys.sqlite3'}",
                own_server=False,
            )  # fmt: skip
    _print(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


def generate_postgres(
    cases: int, offices: int, target_url: str, keys_url: str, key_file: Path, *, seed: int = 1, progress: bool = False
) -> dict[str, Any]:
    """Generate ``cases`` over ``offices`` into the PostgreSQL databases ``target_url`` (cases) and
    ``keys_url`` (key store), sealed with the keyring ``key_file`` (created if missing), migrating
    them first; returns the figures `main` prints. Runs in a child process, so that the caller's
    own Django settings are left alone and the peak RSS is the generator's."""
    with tempfile.TemporaryDirectory(prefix="pristan-bench-") as name:
        output = Path(name) / "figures.json"
        command = [
            sys.executable, str(Path(__file__).resolve()), str(cases), "--offices", str(offices), "--seed", str(seed),
            "--database-url", target_url, "--keys-url", keys_url, "--key-file", str(key_file), "--json", str(output),
        ]  # fmt: skip
        if not progress:
            command.append("--no-progress")
        output_to = None if progress else subprocess.DEVNULL
        subprocess.run(command, check=True, stdout=output_to)
        figures: dict[str, Any] = json.loads(output.read_text())
    return figures


if __name__ == "__main__":
    sys.exit(main())
