"""The CTDC research export: the anonymised, k-anonymous rows of the cases whose persons consented
to research use (selectors.research_candidates), and the record of each file that leaves.

The file is not encrypted: it holds no identifier (ctdc.py) and every combination of
quasi-identifiers in it occurs at least k times (anonymity.py). Each file written is a
ResearchExport (counts, k, SHA-256) and one audit entry; neither names a case.
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
    """`ctdc_export`, as a CSV file that leaves Pristan: recorded and audited, by counts only."""
    result = ctdc_export(actor=actor, k=k)
    content = result.csv_bytes()
    report = result.report
    with transaction.atomic():
        record = ResearchExport.objects.create(
            actor=actor, k=k, records_considered=report.considered, records_published=report.published,
            records_suppressed=report.suppressed, records_generalised=report.generalised_records,
            sha256=hashlib.sha256(content).hexdigest(), ip=ip or None,
        )  # fmt: skip
        # The counts stay in the record: readers of the trail without child clearance must not count children's cases.
        audit_record(actor=actor, action=AuditEntry.Action.EXPORT, obj=record, fields=ctdc.COLUMNS, detail=f"ctdc k={k}", ip=ip)
    filename = f"pristan-ctdc-k{k}-{timezone.localtime():%Y%m%d-%H%M%S}.csv"
    return CtdcFile(result=result, record=record, filename=filename, content=content)
