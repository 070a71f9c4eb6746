"""HTCDS 2.0 files of cases: XLSX, CSV and JSON, one row (object) per case, one column per field.

They are layouts of the existing export (pristan.exports): the same consent rule, re-authentication,
AES-encrypted archive, ExportRecord and audit entry; only the file inside differs. The columns are
mapping.COLUMNS, which the import reads back: cas_Id carries the case reference.
"""

import csv
import io
import json
from collections.abc import Callable, Iterator
from typing import Any

import openpyxl
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from pristan.cases.models import Case, ConsentEvent
from pristan.core.replica import reporting_db
from pristan.exports import services as exports
from pristan.interchange import mapping
from pristan.interchange.registry import CommandFormat, ExportRequest
from pristan.interchange.registry import register as register_command
from pristan.keystore.services import preload_for

HTCDS_XLSX = "htcds-xlsx-aes-zip"
HTCDS_CSV = "htcds-csv-aes-zip"
HTCDS_JSON = "htcds-json-aes-zip"
BATCH = 500


def records(cases: list[Case]) -> Iterator[dict[str, Any]]:
    """The HTCDS record of each case, reading what every record needs in a few queries per batch."""
    for start in range(0, len(cases), BATCH):
        ids = [case.pk for case in cases[start : start + BATCH]]
        batch = list(
            Case.objects.using(reporting_db())
            .filter(pk__in=ids)
            .select_related("person", "owner", "experience", "referring_organisation", "referred_organisation")
            .prefetch_related("screenings", Prefetch("consent_events", queryset=ConsentEvent.objects.order_by("-on", "-id")))
            .order_by("reference")
        )
        preload_for(batch)
        for case in batch:
            yield mapping.record_of(case)


def _cell(value: Any) -> str:
    text = mapping.to_text(value)
    return f"'{text}" if text.startswith(exports.FORMULA_STARTS) else text


def csv_bytes(cases: list[Case]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(mapping.COLUMNS)
    for record in records(cases):
        writer.writerow([_cell(record[name]) for name in mapping.COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")


def json_bytes(cases: list[Case]) -> bytes:
    document = {
        "standard": "HTCDS 2.0",
        "records": [{name: mapping.to_json(record[name]) for name in mapping.COLUMNS} for record in records(cases)],
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def xlsx_bytes(cases: list[Case]) -> bytes:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("HTCDS")
    sheet.append(mapping.COLUMNS)
    for record in records(cases):
        sheet.append([_cell(record[name]) for name in mapping.COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def register() -> None:
    formats = {
        HTCDS_XLSX: exports.FileFormat(lambda: _("HTCDS 2.0 spreadsheet (XLSX)"), "xlsx", xlsx_bytes, lambda: mapping.COLUMNS),
        HTCDS_CSV: exports.FileFormat(lambda: _("HTCDS 2.0 table (CSV)"), "csv", csv_bytes, lambda: mapping.COLUMNS),
        HTCDS_JSON: exports.FileFormat(lambda: _("HTCDS 2.0 records (JSON)"), "json", json_bytes, lambda: mapping.COLUMNS),
    }
    exports.FILE_FORMATS.update(formats)
    register_commands()


def _command_run(file_format: str) -> Callable[[ExportRequest], str]:
    def run(request: ExportRequest) -> str:
        assert request.passphrase is not None
        result = exports.export_cases(
            actor=request.actor, cases=Case.objects.all(), purpose=request.purpose, passphrase=request.passphrase,
            ip=None, file_format=file_format,
        )  # fmt: skip
        request.output.write_bytes(result.content)
        return str(
            _("Wrote %(included)d cases to %(path)s (%(excluded)d left out without consent to export).")
            % {"included": result.included, "path": request.output, "excluded": result.excluded}
        )

    return run


def register_commands() -> None:
    register_command("htcds-xlsx", CommandFormat(help=_("HTCDS 2.0 spreadsheet"), run=_command_run(HTCDS_XLSX)))
    register_command("htcds-csv", CommandFormat(help=_("HTCDS 2.0 CSV"), run=_command_run(HTCDS_CSV)))
    register_command("htcds-json", CommandFormat(help=_("HTCDS 2.0 JSON"), run=_command_run(HTCDS_JSON)))
