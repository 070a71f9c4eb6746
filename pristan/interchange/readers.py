"""Reading import files row by row: the official HTCDS spreadsheet (both variants), Pristan's HTCDS
CSV, JSON and XLSX, and ODK Central / KoboToolbox submissions of the official XLSForm.

A `Table` knows which column holds which HTCDS field; `rows()` opens the file again on every call
and yields one row at a time, so that a large file is read twice (validate, then write) without
being held in memory. JSON too is read as a stream of records (with ijson), never whole.
"""

import csv
import hashlib
import io
import re
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO
from zipfile import BadZipFile

import ijson
import openpyxl
from django.utils.translation import gettext_lazy as _
from openpyxl.utils.exceptions import InvalidFileException

from pristan.interchange import mapping

UNREADABLE = _("This file cannot be read. Upload the HTCDS spreadsheet (.xlsx), a CSV file or a JSON file.")
NO_COLUMNS = _("No column of this file is an HTCDS field: is its first row the field names, such as prs_FirstName?")


Opener = Callable[[], BinaryIO]  # a fresh binary stream of the file at each call (each pass)
BOM = b"\xef\xbb\xbf"
BLANK = b" \t\r\n"  # JSON's whitespace
CHUNK = 64 * 1024


class UnreadableFile(ValueError):
    pass


class Layout:
    SPREADSHEET = "htcds-spreadsheet"  # the official Excel spreadsheet: names, labels, then rows
    PRISTAN = "pristan"  # Pristan's own export: cas_Id is the case reference
    SUBMISSIONS = "odk"  # ODK Central / KoboToolbox submissions: a submission id per row
    TABLE = "table"  # any other table of HTCDS columns


@dataclass
class Columns:
    single: dict[int, str] = field(default_factory=dict)  # column index -> field
    options: dict[int, tuple[str, str]] = field(default_factory=dict)  # index -> (field, option): one 0/1 column per value
    identifier: int | None = None
    ignored: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Row:
    number: int  # as the user sees it: the spreadsheet's row number, or the line of the CSV file
    cells: dict[str, Any]  # HTCDS field -> raw value
    external_id: str


SUBMISSION_META = {"start", "end", "today", "deviceid", "__version__", "_version_", "_submission_time", "_validation_status",
                   "_notes", "_status", "_submitted_by", "_tags", "_index", "_attachments", "_geolocation", "_xform_id_string",
                   "SubmissionDate", "SubmitterID", "SubmitterName", "AttachmentsPresent", "AttachmentsExpected", "Status",
                   "ReviewState", "DeviceID", "Edits", "FormVersion", "instanceName", "formhub/uuid", "uuid"}  # fmt: skip
SPLIT = re.compile(r"[/\-]")
TRUTHY = {"1", "1.0", "true", "yes"}


def _columns(headers: list[Any], labels: list[Any] | None) -> Columns:
    columns = Columns()
    for index, header in enumerate(headers):
        text = str(header).strip() if header is not None else ""
        if not text:
            if labels is not None and index == 0:
                columns.identifier = index  # the official spreadsheet numbers its rows in column A
            elif labels is not None and index < len(labels) and labels[index]:
                name = mapping.field_for_label(str(labels[index]))
                if name:
                    columns.single[index] = name
            continue
        parts = [part for part in SPLIT.split(text) if part]
        last = parts[-1] if parts else text
        if last in mapping.ID_COLUMNS:
            if columns.identifier is None or mapping.ID_COLUMNS.index(last) < mapping.ID_COLUMNS.index(
                str(headers[columns.identifier]).split("/")[-1]
            ):
                columns.identifier = index
            continue
        name = mapping.known_column(last)
        if name:
            columns.single[index] = name
            continue
        if len(parts) >= 2:
            parent = mapping.known_column(parts[-2])
            if parent and mapping.BY_NAME[parent].kind in (mapping.Kind.CHOICES, mapping.Kind.CHOICE, mapping.Kind.COUNTRIES):
                columns.options[index] = (parent, last)
                continue
        if text not in SUBMISSION_META and last not in SUBMISSION_META and not last.startswith("_"):
            columns.ignored.append(text)
    return columns


def _row(number: int, values: list[Any], columns: Columns) -> Row | None:
    cells: dict[str, Any] = {}
    chosen: dict[str, list[str]] = {}
    for index, name in columns.single.items():
        value = values[index] if index < len(values) else None
        cells[name] = value.strip() if isinstance(value, str) else value
    for index, (name, option) in columns.options.items():
        value = values[index] if index < len(values) else None
        chosen.setdefault(name, [])
        if value is not None and str(value).strip().casefold() in TRUTHY:
            chosen[name].append(option)
    for name, options in chosen.items():
        if not cells.get(name):  # the one space-separated column wins where both are exported
            cells[name] = options
    if all(value in (None, "", []) for value in cells.values()):
        return None  # an empty row (the official spreadsheet comes numbered down to row 1002)
    identifier = values[columns.identifier] if columns.identifier is not None and columns.identifier < len(values) else None
    if isinstance(identifier, float) and identifier.is_integer():
        identifier = int(identifier)
    external_id = str(identifier).strip() if identifier not in (None, "") else _fingerprint(cells)
    return Row(number=number, cells=cells, external_id=external_id)


def _fingerprint(cells: dict[str, Any]) -> str:
    """A row without an identifier is known by the person's names and date of birth."""
    key = "|".join(str(cells.get(name) or "").strip().casefold() for name in ("prs_FirstName", "prs_SecondName", "prs_Birthdate"))
    return "row:" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


@dataclass
class Table:
    opener: Opener
    kind: str  # "xlsx", "csv" or "json"
    layout: str
    columns: Columns
    first_row: int
    delimiter: str = ","
    headers: list[str] = field(default_factory=list)  # a JSON file's keys, in first-seen order
    records: str = "item"  # where a JSON file keeps its records, as an ijson prefix

    @property
    def fields(self) -> list[str]:
        return sorted({*self.columns.single.values(), *(name for name, _option in self.columns.options.values())})

    def rows(self) -> Iterator[Row]:
        if self.kind == "xlsx":
            yield from self._xlsx_rows()
        elif self.kind == "csv":
            yield from self._csv_rows()
        else:
            yield from self._json_rows()

    def _xlsx_rows(self) -> Iterator[Row]:
        with self.opener() as stream:
            yield from self._sheet_rows(stream)

    def _sheet_rows(self, stream: BinaryIO) -> Iterator[Row]:
        workbook = _workbook(stream)
        try:
            sheet = workbook.worksheets[0]
            for number, values in enumerate(sheet.iter_rows(min_row=self.first_row, values_only=True), start=self.first_row):
                row = _row(number, list(values), self.columns)
                if row is not None:
                    yield row
        finally:
            workbook.close()

    def _csv_rows(self) -> Iterator[Row]:
        with self.opener() as stream, io.TextIOWrapper(stream, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, delimiter=self.delimiter)
            for number, values in enumerate(reader, start=1):
                if number < self.first_row:
                    continue
                row = _row(number, list(values), self.columns)
                if row is not None:
                    yield row

    def _json_rows(self) -> Iterator[Row]:
        for number, record in enumerate(_json_records(self.opener, self.records), start=1):
            row = _row(number, [record.get(header) for header in self.headers], self.columns)
            if row is not None:
                yield row

    def count(self) -> int:
        return sum(1 for _row in self.rows())


def _workbook(stream: BinaryIO) -> openpyxl.Workbook:
    with warnings.catch_warnings():  # the single-select variant's list validations, which reading does not need
        warnings.filterwarnings("ignore", message="Data Validation extension is not supported")
        return openpyxl.load_workbook(stream, read_only=True, data_only=True)


def _delimiter(first: str) -> str:
    return ";" if first.count(";") > first.count(",") else ","


class _Resumed:
    """A binary stream whose first bytes, already read, are given back first."""

    def __init__(self, head: bytes, stream: BinaryIO) -> None:
        self.head, self.stream = head, stream

    def read(self, size: int = -1) -> bytes:
        if not self.head:
            return self.stream.read(size)
        if size < 0:
            data, self.head = self.head + self.stream.read(), b""
        else:
            data, self.head = self.head[:size], self.head[size:]
        return data


def _json_start(stream: BinaryIO) -> tuple[bytes, _Resumed]:
    """The first byte that is not blank, after an optional BOM, and the stream from that byte on."""
    head = stream.read(len(BOM))
    head = (b"" if head == BOM else head).lstrip(BLANK)
    while not head and (chunk := stream.read(CHUNK)):
        head = chunk.lstrip(BLANK)
    return head[:1], _Resumed(head, stream)


def _json_prefix(opener: Opener) -> str:
    """Where the records are: a bare list, or the list under "records" (ours) or "value" (ODK Central's OData)."""
    with opener() as stream:
        first, rest = _json_start(stream)
        if first == b"[":
            return "item"
        if first != b"{":
            raise UnreadableFile(str(UNREADABLE))
        starts: dict[str, str] = {}
        try:
            for prefix, event, _value in ijson.parse(rest):
                if prefix in ("records", "value"):
                    starts.setdefault(prefix, event)  # the event that opens the key's value
                    if prefix == "records":
                        break  # "records" wins wherever it is
        except ijson.JSONError:
            raise UnreadableFile(str(UNREADABLE)) from None
    key = "records" if "records" in starts else "value"
    if starts.get(key) != "start_array":
        raise UnreadableFile(str(UNREADABLE))
    return f"{key}.item"


def _json_records(opener: Opener, prefix: str) -> Iterator[dict[str, Any]]:
    """The records one at a time, flattened; UnreadableFile wherever the file turns out not to be a list of objects."""
    with opener() as stream:
        _first, rest = _json_start(stream)
        try:
            for record in ijson.items(rest, prefix, use_float=True):
                if not isinstance(record, dict):
                    raise UnreadableFile(str(UNREADABLE))
                yield _flatten(record)
        except ijson.JSONError:
            raise UnreadableFile(str(UNREADABLE)) from None


def _flatten(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Submissions nest groups as objects; flattened to group/name like the CSV export."""
    flat: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}/"))
        else:
            flat[name] = value
    return flat


def _json_headers(records: Iterable[dict[str, Any]]) -> list[str]:
    return list(dict.fromkeys(key for record in records for key in record))


def _layout(columns: Columns, headers: list[Any], labels: bool) -> str:
    if labels:
        return Layout.SPREADSHEET
    name = str(headers[columns.identifier]).split("/")[-1] if columns.identifier is not None else ""
    if name == mapping.ID_FIELD:
        return Layout.PRISTAN
    if name:
        return Layout.SUBMISSIONS
    return Layout.TABLE


def _looks_like_labels(values: list[Any]) -> bool:
    texts = [str(value) for value in values if value not in (None, "")]
    return (
        bool(texts)
        and sum(1 for text in texts if mapping.field_for_label(text)) >= len(texts) // 2
        and not any(mapping.known_column(text) for text in texts)
    )


def open_table(source: Path | Opener, filename: str) -> Table:
    """Read the header of the file and decide how its columns map; raises UnreadableFile."""
    opener: Opener = (lambda: source.open("rb")) if isinstance(source, Path) else source
    suffix = Path(filename).suffix.lower()
    delimiter, json_headers, records = ",", list[str](), "item"
    try:
        if suffix in (".xlsx", ".xlsm"):
            with opener() as stream:
                workbook = _workbook(stream)
                try:
                    sheet = workbook.worksheets[0]
                    head = [list(values) for values in sheet.iter_rows(min_row=1, max_row=2, values_only=True)]
                finally:
                    workbook.close()
            kind = "xlsx"
        elif suffix == ".json":
            records = _json_prefix(opener)
            json_headers = _json_headers(_json_records(opener, records))  # one pass that keeps only the keys
            head = [list[Any](json_headers)]
            kind = "json"
        elif suffix in (".csv", ".txt"):
            with opener() as stream, io.TextIOWrapper(stream, encoding="utf-8-sig", newline="") as handle:
                delimiter = _delimiter(handle.readline())
                handle.seek(0)
                reader = csv.reader(handle, delimiter=delimiter)
                head = [list[Any](next(reader, [])), list[Any](next(reader, []))]
            kind = "csv"
        else:
            raise UnreadableFile(str(UNREADABLE))
    except (OSError, ValueError, KeyError, StopIteration, UnicodeDecodeError, InvalidFileException, BadZipFile) as error:
        if isinstance(error, UnreadableFile):
            raise
        raise UnreadableFile(str(UNREADABLE)) from None
    headers = head[0] if head else []
    labels = head[1] if len(head) > 1 and kind != "json" and _looks_like_labels(head[1]) else None
    columns = _columns(headers, labels)
    if not columns.single and not columns.options:
        raise UnreadableFile(str(NO_COLUMNS))
    first_row = 1 if kind == "json" else (3 if labels is not None else 2)
    layout = _layout(columns, headers, labels is not None)
    return Table(
        opener=opener, kind=kind, layout=layout, columns=columns, first_row=first_row, delimiter=delimiter,
        headers=json_headers, records=records,
    )  # fmt: skip
