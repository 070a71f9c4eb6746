"""HTCDS 2.0 files of cases: XLSX, CSV and JSON, one row (object) per case, one column per field.

They are layouts of the existing export (pristan.exports): the same consent rule, re-authentication,
AES-encrypted archive, ExportRecord and audit entry; only the file inside differs. The columns are
mapping.COLUMNS, which the import reads back: cas_Id carries the case reference.
"""

import csv
import json
import textwrap
from collections.abc import Callable, Iterator, Sequence
from typing import Any, BinaryIO

import openpyxl
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _

from pristan.cases.models import Case, ConsentEvent
from pristan.core.replica import reporting_db
from pristan.exports import services as exports
from pristan.interchange import mapping
from pristan.interchange.registry import CommandFormat, ExportRequest
from pristan.interchange.registry import register as register_command
from pristan.keystore.services import key_scope, preload_for

HTCDS_XLSX = "htcds-xlsx-aes-zip"
HTCDS_CSV = "htcds-csv-aes-zip"
HTCDS_JSON = "htcds-json-aes-zip"


def with_record_sources(cases: QuerySet[Case]) -> QuerySet[Case]:
    """What every record reads, in a few queries per batch of cases (exports.services.stream_cases)."""
    return cases.select_related(
        "person", "office", "owner", "experience", "referring_organisation", "referred_organisation"
    ).prefetch_related("screenings", Prefetch("consent_events", queryset=ConsentEvent.objects.order_by("-on", "-id")))


def records(cases: Sequence[Case]) -> Iterator[dict[str, Any]]:
    """The HTCDS record of each of `cases`, read again a batch at a time with what the records need
    (for callers holding cases loaded otherwise: the benchmarks, the tests)."""
    for ids in exports.chunks(case.pk for case in cases):
        batch = list(with_record_sources(Case.objects.using(reporting_db()).filter(pk__in=ids)))
        by_id = {case.pk: case for case in batch}
        with key_scope():
            preload_for(batch)
            yield from (mapping.record_of(by_id[pk]) for pk in ids if pk in by_id)
        exports.forget(batch)


def _loaded(cases: Sequence[Case]) -> Iterator[dict[str, Any]]:
    """The HTCDS record of each case of a batch loaded by `with_record_sources` (the writers' case)."""
    for case in cases:
        yield mapping.record_of(case)


def _cell(value: Any) -> str:
    text = mapping.to_text(value)
    return f"'{text}" if text.startswith(exports.FORMULA_STARTS) else text


class CsvWriter:
    def __init__(self, target: BinaryIO) -> None:
        self._text = exports.TextSink(target, "utf-8-sig")
        self._csv = csv.writer(self._text)
        self._csv.writerow(mapping.COLUMNS)

    def write(self, cases: Sequence[Case]) -> None:
        self._csv.writerows([_cell(record[name]) for name in mapping.COLUMNS] for record in _loaded(cases))

    def close(self) -> None:
        self._text.close()


class JsonWriter:
    """One document, `{"standard": "HTCDS 2.0", "records": [...]}`, written a record at a time."""

    def __init__(self, target: BinaryIO) -> None:
        self._text = exports.TextSink(target)
        self._text.write('{\n "standard": "HTCDS 2.0",\n "records": [')
        self._first = True

    def write(self, cases: Sequence[Case]) -> None:
        for record in _loaded(cases):
            document = json.dumps({name: mapping.to_json(record[name]) for name in mapping.COLUMNS}, ensure_ascii=False, indent=1)
            self._text.write(("\n" if self._first else ",\n") + textwrap.indent(document, "  "))
            self._first = False

    def close(self) -> None:
        self._text.write("]\n}" if self._first else "\n ]\n}")
        self._text.close()


class XlsxWriter:
    """openpyxl's write-only workbook: the rows go to its temporary file as they come, the archive
    is made at the end."""

    def __init__(self, target: BinaryIO) -> None:
        self._target = target
        self._workbook = openpyxl.Workbook(write_only=True)
        self._sheet = self._workbook.create_sheet("HTCDS")
        self._sheet.append(mapping.COLUMNS)

    def write(self, cases: Sequence[Case]) -> None:
        for record in _loaded(cases):
            self._sheet.append([_cell(record[name]) for name in mapping.COLUMNS])

    def close(self) -> None:
        self._workbook.save(self._target)


def register() -> None:
    formats = {
        HTCDS_XLSX: exports.FileFormat(
            lambda: _("HTCDS 2.0 spreadsheet (XLSX)"), "xlsx", XlsxWriter, lambda: mapping.COLUMNS, with_record_sources
        ),
        HTCDS_CSV: exports.FileFormat(
            lambda: _("HTCDS 2.0 table (CSV)"), "csv", CsvWriter, lambda: mapping.COLUMNS, with_record_sources
        ),
        HTCDS_JSON: exports.FileFormat(
            lambda: _("HTCDS 2.0 records (JSON)"), "json", JsonWriter, lambda: mapping.COLUMNS, with_record_sources
        ),
    }
    exports.FILE_FORMATS.update(formats)
    register_commands()


def _command_run(file_format: str) -> Callable[[ExportRequest], str]:
    def run(request: ExportRequest) -> str:
        assert request.passphrase is not None
        try:
            with request.output.open("wb") as target:  # the archive is written as the cases are read
                result = exports.export_cases(
                    actor=request.actor, cases=Case.objects.all(), purpose=request.purpose, passphrase=request.passphrase,
                    ip=None, file_format=file_format, target=target,
                )  # fmt: skip
        except BaseException:
            request.output.unlink(missing_ok=True)  # half an archive is no file
            raise
        return str(
            _("Wrote %(included)d cases to %(path)s (%(excluded)d left out without consent to export).")
            % {"included": result.included, "path": request.output, "excluded": result.excluded}
        )

    return run


def register_commands() -> None:
    register_command("htcds-xlsx", CommandFormat(help=_("HTCDS 2.0 spreadsheet"), run=_command_run(HTCDS_XLSX)))
    register_command("htcds-csv", CommandFormat(help=_("HTCDS 2.0 CSV"), run=_command_run(HTCDS_CSV)))
    register_command("htcds-json", CommandFormat(help=_("HTCDS 2.0 JSON"), run=_command_run(HTCDS_JSON)))
