"""Reading import files row by row: the official HTCDS spreadsheet (both variants), Pristan's HTCDS
CSV, JSON and XLSX, and ODK Central / KoboToolbox submissions of the official XLSForm.

A `Table` knows which column holds which HTCDS field; `rows()` opens the file again on every call
and yields one row at a time, so that a large file is read twice (validate, then write) without
being held in memory. JSON too is read as a stream of records, never whole.

Import files come from anyone allowed to import: every reader keeps to `limits.LIMITS` while it
reads, and every way a file can fail is an `UnreadableFile` whose message says what and where.
"""

import codecs
import csv
import hashlib
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from pristan.interchange import mapping
from pristan.interchange.readers import json_records, xlsx
from pristan.interchange.readers.limits import (
    CSV_BROKEN,
    CSV_CELL_TOO_LONG,
    LIMITS,
    NO_COLUMNS,
    NOT_UTF8,
    TOO_LARGE_ROW,
    TOO_MANY_COLUMNS,
    TOO_MANY_ROWS,
    UNREADABLE,
    UnreadableFile,
    refusal,
)

__all__ = ["LIMITS", "NO_COLUMNS", "UNREADABLE", "Layout", "Opener", "Row", "Table", "UnreadableFile", "open_table"]

# The csv module's bound on one field is process-wide: set once, here, at import (never per call,
# which would race between threads). Pristan's other CSV readers read short values only.
csv.field_size_limit(LIMITS.cell)

Opener = Callable[[], BinaryIO]  # a fresh binary stream of the file at each call (each pass)


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
    records: str = json_records.BARE  # where a JSON file keeps its records: BARE, "records" or "value"

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
            for number, values in xlsx.sheet_rows(stream, self.first_row):
                row = _row(number, values, self.columns)
                if row is not None:
                    yield row

    def _csv_rows(self) -> Iterator[Row]:
        for number, values in _csv_values(self.opener, self.delimiter):
            if number < self.first_row:
                continue
            row = _row(number, values, self.columns)
            if row is not None:
                yield row

    def _json_rows(self) -> Iterator[Row]:
        for number, record in enumerate(json_records.records(self.opener, self.records), start=1):
            row = _row(number, [record.get(header) for header in self.headers], self.columns)
            if row is not None:
                yield row

    def count(self) -> int:
        return sum(1 for _row in self.rows())


def _delimiter(first: str) -> str:
    return ";" if first.count(";") > first.count(",") else ","


class _Lines:
    """A CSV file's lines, none longer than a row may be: csv.reader reads a whole line before it
    looks at its fields, so a 1 GB line without a newline would be 1 GB of memory."""

    def __init__(self, handle: io.TextIOWrapper, opener: Opener) -> None:
        self.handle, self.opener, self.line, self.chars = handle, opener, 0, 0  # chars: of the row being read

    def __iter__(self) -> "_Lines":
        return self

    def __next__(self) -> str:
        try:
            text = self.handle.readline(LIMITS.row_chars + 1)
        except UnicodeDecodeError:
            raise refusal(NOT_UTF8, line=_undecodable_line(self.opener)) from None
        if not text:
            raise StopIteration
        self.line += 1
        self.chars += len(text)
        if self.chars > LIMITS.row_chars:
            raise refusal(TOO_LARGE_ROW, row=self.line, limit=LIMITS.row_chars)
        return text


def _undecodable_line(opener: Opener) -> int:
    """The line of the first byte that is not UTF-8 (the text reader decodes ahead of its lines)."""
    decoder, line = codecs.getincrementaldecoder("utf-8")(), 1
    with opener() as stream:
        while chunk := stream.read(64 * 1024):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                return line + bytes(error.object[: error.start]).count(b"\n")
            line += chunk.count(b"\n")
    return line


def _csv_values(opener: Opener, delimiter: str, last: int | None = None) -> Iterator[tuple[int, list[Any]]]:
    """(row number, values) of every row of a CSV file, up to row `last`, each row checked."""
    with opener() as stream, io.TextIOWrapper(stream, encoding="utf-8-sig", newline="") as handle:
        lines = _Lines(handle, opener)
        reader = csv.reader(lines, delimiter=delimiter)
        number = 0
        while last is None or number < last:
            try:
                values = next(reader, None)
            except csv.Error as error:
                line = reader.line_num or 1
                if "field larger than field limit" in str(error):
                    raise refusal(CSV_CELL_TOO_LONG, line=line, limit=LIMITS.cell) from None
                raise refusal(CSV_BROKEN, line=line) from None
            if values is None:
                return
            number += 1
            lines.chars = 0
            if number > LIMITS.rows:
                raise refusal(TOO_MANY_ROWS, limit=LIMITS.rows)
            if len(values) > LIMITS.columns:
                raise refusal(TOO_MANY_COLUMNS, row=number, limit=LIMITS.columns)
            yield number, list[Any](values)


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
    delimiter, json_headers, records = ",", list[str](), json_records.BARE
    try:
        if suffix in (".xlsx", ".xlsm"):
            with opener() as stream:
                head = [values for _number, values in xlsx.sheet_rows(stream, 1, 2)]
            kind = "xlsx"
        elif suffix == ".json":
            records = json_records.records_key(opener)
            json_headers = json_records.headers(json_records.records(opener, records))  # one pass that keeps only the keys
            head = [list[Any](json_headers)]
            kind = "json"
        elif suffix in (".csv", ".txt"):
            with opener() as stream, io.TextIOWrapper(stream, encoding="utf-8-sig", newline="") as handle:
                delimiter = _delimiter(handle.readline(LIMITS.row_chars + 1))
            head = [values for _number, values in _csv_values(opener, delimiter, last=2)]
            kind = "csv"
        else:
            raise UnreadableFile(UNREADABLE)
    except UnicodeDecodeError:
        raise refusal(NOT_UTF8, line=_undecodable_line(opener)) from None
    except OSError:
        raise UnreadableFile(UNREADABLE) from None
    headers = head[0] if head else []
    labels = head[1] if len(head) > 1 and kind != "json" and _looks_like_labels(head[1]) else None
    columns = _columns(headers, labels)
    if not columns.single and not columns.options:
        raise UnreadableFile(NO_COLUMNS)
    first_row = 1 if kind == "json" else (3 if labels is not None else 2)
    layout = _layout(columns, headers, labels is not None)
    return Table(
        opener=opener, kind=kind, layout=layout, columns=columns, first_row=first_row, delimiter=delimiter,
        headers=json_headers, records=records,
    )  # fmt: skip
