"""What the witness costs a read (pristan.core.audit_witness): 2,000 `audit_record_nowait` calls, each
in its own transaction as on a case page, in blocks of 200 that take turns: without the witness, with
it as configured (one a second per process), and with one per commit (the worst case). Prints the
median time per call of each. A measurement, not a check: it runs only when asked,

    pytest -q -s -p no:xdist -m bench bench/tests/test_audit_witness_timing.py
    python tools/with_postgres.py -- pytest -q -s -p no:xdist -m bench bench/tests/test_audit_witness_timing.py
"""

import statistics
import time
from typing import Any

import pytest
from django.db import connection, transaction

from pristan.core import audit, audit_witness
from pristan.core.models import AuditEntry, Office

pytestmark = [pytest.mark.bench, pytest.mark.django_db(transaction=True)]
ROUNDS, BLOCK = 10, 200


def microseconds_per_read(office: Office) -> float:
    start = time.perf_counter()
    for _ in range(BLOCK):
        with transaction.atomic():
            audit.audit_record_nowait(actor=None, action=AuditEntry.Action.VIEW, obj=office, office=office)
    return (time.perf_counter() - start) / BLOCK * 1e6


def test_what_the_witness_costs_a_read(sofia: Office, settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    with transaction.atomic():
        audit.audit_record(actor=None, action=AuditEntry.Action.CREATE, obj=sofia, office=sofia)  # the head
    witness = audit_witness.witness_after_commit
    results: dict[str, list[float]] = {"without": [], "one a second": [], "every commit": []}
    microseconds_per_read(sofia)  # warm up
    for _round in range(ROUNDS):
        for mode, times in results.items():
            monkeypatch.setattr(audit, "witness_after_commit", (lambda *args, **kwargs: None) if mode == "without" else witness)
            monkeypatch.setattr(audit_witness, "_coalescer", audit_witness._Coalescer())
            settings.PRISTAN_AUDIT_WITNESS_INTERVAL = 1.0 if mode == "one a second" else 0
            times.append(microseconds_per_read(sofia))
    for mode, times in results.items():
        print(
            f"\n{connection.vendor}, witness {mode}: median {statistics.median(times):.0f} µs a read ({ROUNDS} blocks of {BLOCK})"
        )
