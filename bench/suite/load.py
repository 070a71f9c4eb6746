"""The load test: `pristan start` (gunicorn, production profile) on the benchmark's database, and
locust's simulated staff against it (bench/locustfile.py), headless and bounded in time.

gunicorn runs 3 workers of 4 threads here (`--workers`): on 2 cores, one Python process per core
plus one, so that a core never waits while a worker's threads all wait on PostgreSQL; more
processes would only compete with PostgreSQL and locust for the same two cores (and each holds its
own database connections and memory). `pristan start`'s own default is 2 × cores + 1 (5 here).
"""

from __future__ import annotations

import csv
import json
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from suite.build import REPO, Database
from suite.results import Result, Target, p95_at_most, skipped, timed

WORKERS, THREADS = 3, 4
P95_TARGET_MS = 300
SIGN_IN = "sign in"  # the locustfile's names of the sign-in requests, which start with it


def _wait_for(url: str, server: subprocess.Popen[bytes], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"pristan start stopped (exit status {server.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own server on 127.0.0.1
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"pristan start did not answer {url} within {seconds:.0f} s")


def _stats(prefix: Path) -> tuple[dict[str, str], list[dict[str, str]]]:
    with Path(f"{prefix}_stats.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    total = next(row for row in rows if row["Name"] == "Aggregated")
    return total, [row for row in rows if row["Name"] != "Aggregated"]


def measure_load(database: Database, *, users: int, spawn_rate: int, run_time: int, workers: int = WORKERS) -> list[Result]:
    accounts = database.directory / "load-accounts.json"
    locust = shutil.which("locust", path=str(Path(sys.executable).parent))
    if locust is None:
        return [skipped("load test", "locust is not installed (pip install -e '.[dev]')")]
    port = __import__("with_postgres")._free_port()
    environment = database.environment()
    environment.update({
        "PRISTAN_SECRET_KEY": secrets.token_urlsafe(50),
        "PRISTAN_BIND": f"127.0.0.1:{port}",
        "PRISTAN_WORKERS": str(workers),
        "PRISTAN_THREADS": str(THREADS),
        "PRISTAN_DB_CONN_MAX_AGE": "60",  # as deploy/pristan.env sets it
        "PRISTAN_LOG_LEVEL": "WARNING",
    })  # fmt: skip
    environment.pop("PRISTAN_KEY_FILE_AUTOCREATE", None)
    log = (database.directory / "gunicorn.log").open("wb")
    server = subprocess.Popen([sys.executable, "-m", "pristan.cli", "start"], env=environment, cwd=REPO,
                              stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        _wait_for(f"http://127.0.0.1:{port}/health/", server)
        with tempfile.TemporaryDirectory(prefix="pristan-locust-") as directory:
            prefix = Path(directory) / "load"
            command = [locust, "-f", str(REPO / "bench/locustfile.py"), "--headless", "--users", str(users),
                       "--spawn-rate", str(spawn_rate), "--run-time", f"{run_time}s", "--host", f"http://127.0.0.1:{port}",
                       "--csv", str(prefix), "--only-summary", "--stop-timeout", "10", "--loglevel", "WARNING"]  # fmt: skip
            print("bench: " + " ".join(command[1:]), flush=True)
            samples_path = Path(directory) / "samples.json"
            locust_environment = {**environment, "BENCH_ACCOUNTS": str(accounts), "BENCH_SAMPLES": str(samples_path)}
            subprocess.run(command, env=locust_environment, check=False, cwd=REPO)
            total, _by_name = _stats(prefix)
            samples = [(str(name), float(ms), bool(failed)) for name, ms, failed in json.loads(samples_path.read_text())]
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    failures, rate = sum(failed for _, _, failed in samples), float(total["Requests/s"])
    working = [ms for name, ms, _ in samples if not name.startswith(SIGN_IN)]
    setting = f"gunicorn {workers} workers × {THREADS} threads; {rate:,.1f} requests/s"
    results = [
        timed(f"load: {users} users, {run_time} s, after sign-in", working, targets=[p95_at_most(P95_TARGET_MS)],
              note=f"list, search, case page, note; {setting}",
              extra={"requests_per_second": rate, "failures": failures, "workers": workers, "threads": THREADS}).judge(),
        timed(f"load: {users} users, {run_time} s, all requests", [ms for _, ms, _ in samples],
              note=f"the {users} sign-ins included (a password hash each, by design slow)").judge(),
        Result(name="load: errors", unit="errors", value=failures, n=len(samples), targets=[Target("errors_max", 0)]).judge(),
        Result(name="load: requests per second", unit="req/s", value=rate, n=len(samples)).judge(),
    ]  # fmt: skip
    for name in sorted({name for name, _, _ in samples}):
        timings = [ms for each, ms, _ in samples if each == name]
        errors = sum(failed for each, _, failed in samples if each == name)
        results.append(timed(f"load: {name}", timings, extra={"failures": errors}).judge())
    return results
