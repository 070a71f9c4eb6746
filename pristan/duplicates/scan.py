"""The scan over everyone: open every person who may be proposed, (re)train the model when it is
missing, trained under another folding or older than MODEL_DAYS, predict the pairs at or above
PRISTAN_DUPLICATES_PROPOSE, and put them in the review queue (CandidatePair, found by "scan").
Pairs a reviewer decided are never touched; open pairs the scan no longer finds become "stale".
Each stage's time and the process's peak memory are recorded (ScanResult.stages)."""

from __future__ import annotations

import resource
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from pristan.core import names
from pristan.core.audit import audit_record
from pristan.core.bulk import Table
from pristan.core.models import AuditEntry
from pristan.duplicates import extract, matching
from pristan.duplicates.models import CandidatePair, MatchModel
from pristan.duplicates.types import Pair, ScanResult, StageFigure
from pristan.keystore.services import key_scope

__all__ = ["MODEL_DAYS", "TRAINING_SAMPLE", "current_model", "match_version", "model_row", "scan_all", "training_sample"]

MODEL_DAYS = 30
# Persons the model is trained on at most: a larger register is sampled, each person kept or left
# by a hash of her id (the same sample every time). A sample keeps the share of pairs that are
# one person (both records of a pair are kept as often as any two records), so the prior, m and u
# come out as on the whole register, at a fraction of the time and memory (EM blocked on the
# date of birth over a million persons needs more than PRISTAN_DUPLICATES_MEMORY).
TRAINING_SAMPLE = 200_000
WRITE_BATCH = 1000
Status = CandidatePair.Status
# What the scan may change: a decision (same, not the same, unsure, merged) stays as the reviewer left it.
_UNDECIDED = (Status.OPEN, Status.STALE)


def match_version() -> int:
    """The folding the model and the match keys were made with (core.names.MATCH_VERSION)."""
    return names.MATCH_VERSION


def current_model() -> MatchModel | None:
    """The latest model trained under today's folding, if it is not older than MODEL_DAYS."""
    row = MatchModel.objects.filter(version=match_version()).order_by("-trained_at").first()
    if row is None or row.trained_at < timezone.now() - timedelta(days=MODEL_DAYS):
        return None
    return row


def model_row(model: matching.Model, *, persons: int) -> MatchModel:
    return MatchModel.objects.create(
        trained_at=timezone.now(), version=match_version(), settings_json=model.to_json(), persons=persons
    )


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


@contextmanager
def _stage(result: ScanResult, name: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    result.stages[name] = StageFigure(seconds=round(time.perf_counter() - started, 3), peak_rss_mb=round(_peak_rss_mb(), 1))


def scan_all(*, actor: User | None = None) -> ScanResult:
    """Find the possible duplicates among everyone and put them in the review queue."""
    result = ScanResult()
    with key_scope(), _stage(result, "extract"):
        table = extract.open_persons()
    result.persons = table.num_rows
    row = current_model()
    if row is None:
        with _stage(result, "train"):
            row = model_row(matching.train(training_sample(table), population=table.num_rows), persons=table.num_rows)
    model = matching.Model.from_json(row.settings_json)
    with _stage(result, "predict"):
        pairs = list(matching.predict(table, model, threshold=settings.PRISTAN_DUPLICATES_PROPOSE))
    del table
    with _stage(result, "persist"):
        _persist(pairs, row, result, actor)
    return result


_GOLDEN = 0x9E3779B97F4A7C15 - (1 << 64)  # Fibonacci hashing's multiplier, as a signed 64-bit integer
_HASH_BITS = (1 << 62) - 1


def training_sample(table: pa.Table, *, at_most: int = TRAINING_SAMPLE) -> pa.Table:
    """``table``, or at most about ``at_most`` of its records chosen by a hash of their id."""
    if table.num_rows <= at_most:
        return table
    hashed = pc.bit_wise_and(pc.multiply(table.column("unique_id"), _GOLDEN), _HASH_BITS)  # wraps, unchecked
    return table.filter(pc.less(hashed, int(_HASH_BITS * at_most / table.num_rows)))


def _persist(pairs: list[Pair], row: MatchModel, result: ScanResult, actor: User | None) -> None:
    """The pairs into the queue: new ones inserted in bulk (core/bulk.py), known undecided ones
    updated only where something changed (a nightly scan with the same model changes few), open
    ones no longer found marked stale."""
    result.pairs = len(pairs)
    now = timezone.now()
    connection = connections[CandidatePair.objects.db]
    with transaction.atomic():
        known = {
            (a, b): (pk, status, probability, weight, model_id, reasons)
            for pk, a, b, status, probability, weight, model_id, reasons in CandidatePair.objects.values_list(
                "pk", "person_a", "person_b", "status", "probability", "match_weight", "model", "reasons"
            ).iterator(chunk_size=WRITE_BATCH)
        }
        found: set[int] = set()
        new = Table(CandidatePair, connection, with_id=False)
        changed: list[tuple[Any, ...]] = []
        reasons_field = CandidatePair._meta.get_field("reasons")
        for pair in pairs:
            reasons = [reason.as_json() for reason in pair.reasons]
            existing = known.get((pair.a, pair.b))
            if existing is None:
                new.add(
                    None, person_a_id=pair.a, person_b_id=pair.b, probability=pair.probability, match_weight=pair.match_weight,
                    reasons=reasons, found_by=CandidatePair.FoundBy.SCAN, model_id=row.pk, status=Status.OPEN,
                    created_at=now, updated_at=now,
                )  # fmt: skip
                continue
            pk, status, probability, weight, model_id, stored_reasons = existing
            found.add(pk)
            if status in _UNDECIDED and (status, probability, weight, model_id, stored_reasons) != (
                Status.OPEN, pair.probability, pair.match_weight, row.pk, reasons
            ):  # fmt: skip
                prepared = reasons_field.get_db_prep_save(reasons, connection)
                changed.append((pair.probability, pair.match_weight, prepared, row.pk, Status.OPEN, now, pk))
        result.new_pairs = len(new.rows)
        new.write()
        _update(connection, changed)
        # Only the scan's own pairs go stale: one found at registration or import waits for a reviewer.
        lost = [pk for pk, status, *_rest in known.values() if status == Status.OPEN and pk not in found]
        for start in range(0, len(lost), WRITE_BATCH):
            result.stale_pairs += CandidatePair.objects.filter(
                pk__in=lost[start : start + WRITE_BATCH], found_by=CandidatePair.FoundBy.SCAN
            ).update(status=Status.STALE, updated_at=now)
        audit_record(
            actor=actor,
            action=AuditEntry.Action.GENERATE,
            obj=row,
            fields=["possible_duplicates"],
            detail=f"duplicates scan: {result.persons} persons, {result.pairs} pairs, {result.new_pairs} new",
        )


_UPDATED = ("probability", "match_weight", "reasons", "model", "status", "updated_at")


def _update(connection: BaseDatabaseWrapper, rows: list[tuple[Any, ...]]) -> None:
    """Known pairs found again with other values: one prepared UPDATE for all (bulk_update would
    build a CASE expression per column and batch)."""
    if not rows:
        return
    quote, meta = connection.ops.quote_name, CandidatePair._meta
    column = {field.name: quote(field.column or field.name) for field in meta.concrete_fields}
    assignments = ", ".join(f"{column[name]} = %s" for name in _UPDATED)
    # Table and column names from the model, never from data.
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {column['id']} = %s"  # noqa: S608 # nosec B608
    moment = connection.ops.adapt_datetimefield_value(rows[0][5])  # one moment for the whole scan
    with connection.cursor() as cursor:
        for start in range(0, len(rows), WRITE_BATCH):
            cursor.executemany(sql, [(*values[:5], moment, values[6]) for values in rows[start : start + WRITE_BATCH]])
