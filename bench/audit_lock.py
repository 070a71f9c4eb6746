"""How the audit trail's chain behaves when many people open case pages at once.

Every case page writes an entry recording the read. This opens case pages with N concurrent
clients (threads spread over a few forked processes, each thread with its own database connection
and its own signed-in Django test client, so the whole view runs: access, the read's entry, the
template) for a few seconds and reports requests per second and latencies, in three modes:

* ``audit``: the code as it is;
* ``no_audit``: the same with ``trail.record_read`` replaced by a no-op in the worker processes
  (a measurement-only toggle, here and nowhere else): the bound for what the audit entry costs;
* ``audit_during_write``: as ``audit``, while another connection runs long write transactions that
  record an audit entry and then hold their transaction open for ``hold`` seconds (what an import,
  an erasure or any long write does after its first entry).

It writes audit entries and sessions: run it only against a copy of a database (see
/work/brief-common.md), never the shared one. Django must be set up (DJANGO_SETTINGS_MODULE and
DATABASE_URL) before `measure_audit_lock` is called; `python bench/audit_lock.py` does that from
the environment.

    DATABASE_URL=postgres://…/copy PRISTAN_KEYS_DATABASE_URL=postgres://…/copy_keys \\
        .venv/bin/python bench/audit_lock.py --clients 1 10 50 --seconds 15
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
MODES = ("audit", "no_audit", "audit_during_write")


def measure_audit_lock(
    *,
    clients: tuple[int, ...] = (1, 10, 50),
    seconds: float = 15.0,
    processes: int = 2,
    hold: float = 3.0,
    username: str = "supervisor.sofia",
    modes: tuple[str, ...] = MODES,
    cases: int = 200,
    seed: int = 11,
) -> dict[str, Any]:
    """Open case pages of `username`'s office with each number of concurrent clients in each mode;
    return {"rows": [{mode, clients, requests, errors, rps, p50_ms, p95_ms, max_ms, slow}], ...}.
    `slow` counts requests that took longer than half of `hold`: reads that waited for a write."""
    from django.contrib.auth.models import User
    from django.db import connection, connections

    from pristan.cases.models import Case
    from pristan.core.models import Membership

    user = User.objects.get(username=username)
    offices = list(Membership.objects.filter(user=user).values_list("office_id", flat=True))
    references = list(Case.objects.filter(office_id__in=offices).order_by("id").values_list("reference", flat=True)[:5000])
    random.Random(seed).shuffle(references)  # noqa: S311 - a reproducible choice of cases, not a secret
    references = references[:cases]
    session = _signed_in_session(user)
    vendor = connection.vendor
    connections.close_all()  # the forked workers open their own
    rows = []
    for mode in modes:
        for count in clients:
            rows.append(_run(mode, count, seconds=seconds, processes=processes, hold=hold, refs=references, session=session))
            print(_format(rows[-1]), file=sys.stderr, flush=True)
    return {
        "what": "case pages opened concurrently; audit entry of each read as the code writes it, none, or during long writes",
        "vendor": vendor,
        "user": username,
        "seconds": seconds,
        "processes": processes,
        "hold_s": hold,
        "load_before": os.getloadavg(),
        "rows": rows,
    }


def _signed_in_session(user: Any) -> str:
    """A session past both sign-in steps, as `conftest.sign_in_verified` makes one."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    from pristan.accounts.models import Authenticator

    device = Authenticator.objects.filter(user=user, confirmed=True).first()
    device = device or Authenticator.objects.create(user=user, name="Benchmark authenticator", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return str(session.session_key)


def _run(mode: str, count: int, *, seconds: float, processes: int, hold: float, refs: list[str], session: str) -> dict[str, Any]:
    workers = max(1, min(processes, count))
    shares = [count // workers + (1 if index < count % workers else 0) for index in range(workers)]
    context = multiprocessing.get_context("fork")
    start_at = time.time() + 3.0 + 0.1 * count  # every thread warmed up and waiting
    with context.Pool(workers) as pool:
        pending = pool.starmap_async(
            _worker, [(mode, share, index, start_at, seconds, refs, session) for index, share in enumerate(shares)]
        )
        writer = None
        stop = threading.Event()
        if mode == "audit_during_write":
            writer = threading.Thread(target=_long_writes, args=(start_at, seconds, hold, stop))
            writer.start()
        results = pending.get()
        stop.set()
        if writer is not None:
            writer.join()
    latencies = sorted(latency for result in results for latency in result[0])
    errors = sum(result[1] for result in results)
    quantiles = statistics.quantiles(latencies, n=100, method="inclusive") if len(latencies) > 1 else latencies * 99
    return {
        "mode": mode,
        "clients": count,
        "requests": len(latencies),
        "errors": errors,
        "rps": round(len(latencies) / seconds, 1),
        "p50_ms": round(quantiles[49] * 1000, 1) if latencies else None,
        "p95_ms": round(quantiles[94] * 1000, 1) if latencies else None,
        "max_ms": round(latencies[-1] * 1000, 1) if latencies else None,
        "slow": sum(1 for latency in latencies if latency > hold / 2),
    }


def _worker(
    mode: str, threads: int, index: int, start_at: float, seconds: float, refs: list[str], session: str
) -> tuple[list[float], int]:
    from django.conf import settings
    from django.db import connections

    from pristan.core import trail

    connections.close_all()  # never share the parent's connection
    if mode == "no_audit":
        trail.record_read = lambda *args, **kwargs: None  # type: ignore[assignment]  # measurement-only toggle
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def client_loop(number: int) -> None:
        from django.test import Client

        client = Client(HTTP_HOST="localhost")
        client.cookies[settings.SESSION_COOKIE_NAME] = session
        rng = random.Random(index * 1000 + number)  # noqa: S311 - which case next, not a secret
        mine: list[float] = []
        failed = 0
        try:
            for reference in refs[:2]:  # templates, translations and URLs loaded before the clock starts
                client.get(f"/cases/{reference}/")
            while time.time() < start_at:
                time.sleep(0.01)
            deadline = start_at + seconds
            while time.time() < deadline:
                began = time.perf_counter()
                response = client.get(f"/cases/{rng.choice(refs)}/")
                mine.append(time.perf_counter() - began)
                failed += response.status_code != 200
        finally:
            connections.close_all()
            with lock:
                latencies.extend(mine)
                errors[0] += failed

    pool = [threading.Thread(target=client_loop, args=(number,)) for number in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return latencies, errors[0]


def _long_writes(start_at: float, seconds: float, hold: float, stop: threading.Event) -> None:
    """Write transactions that record an audit entry and then keep going for `hold` seconds."""
    from django.db import connections, transaction

    from pristan.core.audit import audit_record
    from pristan.core.models import AuditEntry, Office

    office = Office.objects.order_by("id").first()
    assert office is not None
    while time.time() < start_at:
        time.sleep(0.01)
    try:
        while time.time() < start_at + seconds and not stop.is_set():
            with transaction.atomic():
                audit_record(actor=None, action=AuditEntry.Action.UPDATE, obj=office, office=office, detail="bench: long write")
                stop.wait(hold)
            time.sleep(0.1)
    finally:
        connections.close_all()


def _format(row: dict[str, Any]) -> str:
    return (
        f"{row['mode']:20} {row['clients']:4d} clients  {row['rps']:7.1f} req/s  p50 {row['p50_ms']} ms  "
        f"p95 {row['p95_ms']} ms  max {row['max_ms']} ms  slow {row['slow']}  errors {row['errors']}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--hold", type=float, default=3.0)
    parser.add_argument("--user", default="supervisor.sofia")
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pristan.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    result = measure_audit_lock(
        clients=tuple(args.clients), seconds=args.seconds, processes=args.processes, hold=args.hold,
        username=args.user, modes=tuple(args.modes),
    )  # fmt: skip
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
