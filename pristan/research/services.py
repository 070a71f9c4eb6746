"""The CTDC research export: the anonymised, k-anonymous rows of the cases whose persons consented
to research use (selectors.research_candidates), and the record of each file that leaves.

The file is not encrypted: it holds no identifier (ctdc.py) and every combination of
quasi-identifiers in it occurs at least k times (anonymity.py). Each file written is a
ResearchExport (counts, k, SHA-256) and one audit entry; neither names a case.

On the page the file is made by a worker (`ctdc_export_start`, then `ctdc_export_job_write`; see
exports/jobs.py) and downloaded once by the one who asked.
"""

import csv
import hashlib
import io
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pristan.core import access
from pristan.core.audit import audit_record
from pristan.core.models import AuditEntry
from pristan.exports import jobs
from pristan.exports.models import ExportJob
from pristan.keystore.services import key_scope, preload_for
from pristan.research import ctdc
from pristan.research.anonymity import DEFAULT_K, AnonymityReport, k_anonymise
from pristan.research.models import ResearchExport
from pristan.research.selectors import research_candidates, research_sources

# Below this, groups are too small to protect anyone: 5 is the usual floor for published counts.
MIN_K = 5
MAX_K = 1000
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
    result: CtdcResult
    record: ResearchExport
    filename: str
    content: bytes


def check_k(k: int) -> None:
    if not MIN_K <= k <= MAX_K:
        raise ValidationError({"k": K_OUT_OF_RANGE % {"low": MIN_K, "high": MAX_K}}, code="k")


def ctdc_export(*, actor: User | AnonymousUser, k: int = DEFAULT_K) -> CtdcResult:
    """The CTDC rows the actor may publish, and what k-anonymisation did (counts only)."""
    access.require_research(actor)
    check_k(k)
    cases = list(research_sources(research_candidates(user=actor)))
    with key_scope():  # dates of birth are opened here for the age band, and forgotten with the scope
        preload_for([case.person for case in cases])
        rows = [ctdc.ctdc_row(case) for case in cases]
    anonymised = k_anonymise(rows, k=k)
    return CtdcResult(rows=anonymised.rows, report=anonymised.report)


def ctdc_export_write(*, actor: User, k: int = DEFAULT_K, ip: str | None = None) -> CtdcFile:
    """`ctdc_export`, as a CSV file that leaves Pristan at once (`pristan research-export`; the page
    uses a job, `ctdc_export_start`): recorded and audited, by counts only."""
    result = ctdc_export(actor=actor, k=k)
    content = result.csv_bytes()
    with transaction.atomic():
        record = _record(actor=actor, k=k, report=result.report, sha256=hashlib.sha256(content).hexdigest(), ip=ip)
    return CtdcFile(result=result, record=record, filename=_filename(k), content=content)


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
    result = ctdc_export(actor=job.actor, k=job.k)
    content = result.csv_bytes()
    sha256 = jobs.seal_result(job, content, _filename(job.k))
    with transaction.atomic():
        record = _record(actor=job.actor, k=job.k, report=result.report, sha256=sha256, ip=job.ip)
        jobs.mark_ready(job, research_record=record)
