"""The CTDC research export: the anonymised, k-anonymous rows of the cases whose persons consented
to research use, one per person (selectors.research_candidates), and the record of each file that leaves.

The file is not encrypted: it holds no identifier (ctdc.py) and every combination of
quasi-identifiers in it occurs at least k times (anonymity.py). Each file written is a
ResearchExport (counts, k, SHA-256) and one audit entry; neither names a case.

On the page the file is made by a worker (`ctdc_export_start`, then `ctdc_export_job_write`; see
exports/jobs.py) and downloaded once by the one who asked.

The file is made in memory bounded whatever the number of cases (`ctdc_export_stream`): the cases
are read a chunk at a time (`ctdc_rows`), each chunk's keys unwrapped in a key scope of its own;
a first pass counts the combinations of quasi-identifiers (a dict as large as the number of
distinct combinations) and spills the rows, sealed, to disk; k-anonymisation is decided from the
counts alone (anonymity.plan); a second pass generalises each row and sorts them on disk
(spill.ExternalSort) into the file's canonical order. The file is the one `ctdc_export` makes in
memory, byte for byte (tests/test_streaming.py).
"""

import csv
import io
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pristan.cases.models import Case
from pristan.core import access
from pristan.core.audit import audit_record
from pristan.core.models import AuditEntry
from pristan.core.replica import reporting_db
from pristan.exports import jobs
from pristan.exports.models import ExportJob
from pristan.exports.services import HashingWriter, TextSink, chunks, forget
from pristan.keystore.services import key_scope, preload_for
from pristan.research import ctdc
from pristan.research.anonymity import DEFAULT_K, AnonymityReport, Values, k_anonymise, plan, quasi_key
from pristan.research.models import ResearchExport
from pristan.research.selectors import research_candidates, research_sources
from pristan.research.spill import ExternalSort, spills

# Below this, groups are too small to protect anyone: 5 is the usual floor for published counts.
MIN_K = 5
MAX_K = 1000
CHUNK = 2000  # cases read and unsealed at a time
K_OUT_OF_RANGE = _("Choose a k between %(low)d and %(high)d.")


@dataclass(frozen=True)
class CtdcResult:
    rows: list[dict[str, str]]  # in ctdc.COLUMNS order, generalised, in a canonical order
    report: AnonymityReport

    def csv_bytes(self) -> bytes:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(ctdc.COLUMNS)
        writer.writerows([row[column] for column in ctdc.COLUMNS] for row in self.rows)
        return buffer.getvalue().encode("utf-8")


@dataclass(frozen=True)
class CtdcFile:
    report: AnonymityReport
    record: ResearchExport
    filename: str
    content: bytes


def check_k(k: int) -> None:
    if not MIN_K <= k <= MAX_K:
        raise ValidationError({"k": K_OUT_OF_RANGE % {"low": MIN_K, "high": MAX_K}}, code="k")


def ctdc_rows(*, actor: User | AnonymousUser) -> Iterator[dict[str, str]]:
    """The CTDC row of every case the actor's research draws on, before k-anonymisation, read a
    chunk at a time in the order of the cases' ids. To be consumed inside a transaction (the ids
    come through a server-side cursor on PostgreSQL, which needs one behind a PgBouncer in
    transaction mode)."""
    ids = research_candidates(user=actor).order_by("pk").values_list("pk", flat=True).iterator(chunk_size=CHUNK)
    for chunk in chunks(ids, CHUNK):  # CHUNK read now: the tests make it small
        # Dates of birth are opened here for the age band; the chunk's keys are forgotten with its scope.
        with key_scope():
            cases = list(research_sources(Case.objects.using(reporting_db()).filter(pk__in=chunk)))
            preload_for([case.person for case in cases])
            rows = [ctdc.ctdc_row(case) for case in cases]
            forget(cases)
        yield from rows


def ctdc_export(*, actor: User | AnonymousUser, k: int = DEFAULT_K) -> CtdcResult:
    """The CTDC rows the actor may publish, and what k-anonymisation did (counts only), in memory:
    for small sets and tests. Files are made by `ctdc_export_stream`."""
    access.require_research(actor)
    check_k(k)
    with transaction.atomic(using=reporting_db()):
        rows = list(ctdc_rows(actor=actor))
    anonymised = k_anonymise(rows, k=k)
    return CtdcResult(rows=anonymised.rows, report=anonymised.report)


def ctdc_counts(*, actor: User | AnonymousUser) -> Counter[Values]:
    """How many of the actor's CTDC rows share each combination of quasi-identifier values, counted
    as the rows are made: nothing else is kept. Reads every case of the actor's research: the page
    has a job do it (counts.py)."""
    access.require_research(actor)
    with transaction.atomic(using=reporting_db()):
        return Counter(quasi_key(row) for row in ctdc_rows(actor=actor))


def ctdc_preview(*, actor: User | AnonymousUser, k: int = DEFAULT_K) -> AnonymityReport:
    """What k-anonymisation would do to the actor's file (counts only), from `ctdc_counts`."""
    access.require_research(actor)
    check_k(k)
    return plan(ctdc_counts(actor=actor), k=k).report


def ctdc_export_stream(*, actor: User | AnonymousUser, k: int, target: BinaryIO) -> AnonymityReport:
    """The CSV file of `ctdc_export`, written to `target` in memory bounded whatever the number of
    cases (see the module's docstring); what k-anonymisation did."""
    access.require_research(actor)
    check_k(k)
    with spills(jobs.directory()) as spilled:
        raw = spilled.new()
        counts: Counter[tuple[str, ...]] = Counter()
        with transaction.atomic(using=reporting_db()):  # the replica's, when there is one
            for row in ctdc_rows(actor=actor):
                counts[quasi_key(row)] += 1
                raw.write(row.values())
        decided = plan(counts, k=k)
        del counts
        ordered = ExternalSort(spilled)
        for values in raw.rows():
            published = decided.publish(dict(zip(ctdc.COLUMNS, values, strict=True)))
            if published is not None:
                ordered.add(tuple(published.values()))  # the canonical order: anonymity.sort_key
        text = TextSink(target)
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(ctdc.COLUMNS)
        writer.writerows(ordered.sorted())
        text.close()
    return decided.report


def ctdc_export_write(*, actor: User, k: int = DEFAULT_K, ip: str | None = None, target: BinaryIO | None = None) -> CtdcFile:
    """`ctdc_export_stream` to `target`, a file that leaves Pristan at once (`pristan research-export`;
    the page uses a job, `ctdc_export_start`): recorded and audited, by counts only. Without a
    target the file is returned in `content`."""
    buffer = io.BytesIO() if target is None else None
    hashed = HashingWriter((buffer or target).write)  # type: ignore[union-attr]
    report = ctdc_export_stream(actor=actor, k=k, target=hashed)  # type: ignore[arg-type]
    with transaction.atomic():
        record = _record(actor=actor, k=k, report=report, sha256=hashed.sha256.hexdigest(), ip=ip)
    content = buffer.getvalue() if buffer is not None else b""
    return CtdcFile(report=report, record=record, filename=_filename(k), content=content)


def _filename(k: int) -> str:
    return f"pristan-ctdc-k{k}-{timezone.localtime():%Y%m%d-%H%M%S}.csv"


def _record(*, actor: User, k: int, report: AnonymityReport, sha256: str, ip: str | None) -> ResearchExport:
    """The ResearchExport and its audit entry (inside the caller's transaction)."""
    record = ResearchExport.objects.create(
        actor=actor, k=k, records_considered=report.considered, records_published=report.published,
        records_suppressed=report.suppressed, records_generalised=report.generalised_records, sha256=sha256, ip=ip or None,
    )  # fmt: skip
    # The counts stay in the record: readers of the trail without child clearance must not count children's cases.
    audit_record(actor=actor, action=AuditEntry.Action.EXPORT, obj=record, fields=ctdc.COLUMNS, detail=f"ctdc k={k}", ip=ip)
    return record


def ctdc_export_start(*, actor: User, k: int, ip: str | None, language: str) -> ExportJob:
    """Ask a worker for the CTDC file (exports/jobs.py); access and k are checked now and again by the worker."""
    from pristan.research.tasks import ctdc_export_task  # the task runs this module's ctdc_export_job_write

    access.require_research(actor)
    check_k(k)
    job = ExportJob(kind=ExportJob.Kind.RESEARCH, actor=actor, k=k, ip=ip or None, language=language)
    return jobs.enqueue(job, ctdc_export_task)


def ctdc_export_job_write(job: ExportJob) -> None:
    """The worker's part: the rows made with the actor's access as it is now, the CSV written sealed,
    then, in one transaction, the ResearchExport, its audit entry and the job made ready."""
    assert job.k is not None
    with jobs.sealed_result(job, _filename(job.k)) as sealed:
        report = ctdc_export_stream(actor=job.actor, k=job.k, target=sealed)  # type: ignore[arg-type]
    with transaction.atomic():
        record = _record(actor=job.actor, k=job.k, report=report, sha256=sealed.sha256.hexdigest(), ip=job.ip)
        jobs.mark_ready(job, research_record=record)
