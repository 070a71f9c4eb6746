"""Import files written the way their makers write them: the official HTCDS spreadsheets filled in
as an organisation would, and KoboToolbox / ODK exports built from the official XLSForm."""

import csv
import warnings
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl

from pristan.core import vocabularies
from pristan.interchange import mapping

TOOLKIT = Path(__file__).resolve().parent / "toolkit"  # the official files, copied unchanged (see its README)
SPREADSHEET = TOOLKIT / "HTCDS Excel Spreadsheet v2.0.xlsx"
SINGLE_SELECT = TOOLKIT / "HTCDS Excel Spreadsheet single select with validation v2.0.xlsx"
XLSFORM = TOOLKIT / "htcds_xlsform.xlsx"


def _cell(name: str, value: Any, *, labels: bool) -> Any:
    field = mapping.BY_NAME[name]
    if value in (None, "", []):
        return None
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if field.kind in (mapping.Kind.CHOICE, mapping.Kind.CHOICES) and labels:
        values = value if isinstance(value, list) else [value]
        return "; ".join(vocabularies.english_label(field.picklist, code) for code in values)
    if isinstance(value, list):
        return "; ".join(value)
    return value


def fill_spreadsheet(template: Path, rows: list[dict[str, Any]], path: Path, *, labels: bool = False) -> Path:
    """The official spreadsheet with `rows` (HTCDS records) typed into it from row 3 on, by its own
    header row; its unnamed column is the one its label row calls "Reason for Outgoing Referral"."""
    with warnings.catch_warnings():  # the single-select variant's list validations are dropped on saving: fine for a test
        warnings.filterwarnings("ignore", message="Data Validation extension is not supported")
        workbook = openpyxl.load_workbook(template)
    sheet = workbook.worksheets[0]
    columns: dict[str, int] = {}
    for index, (header, label) in enumerate(zip(sheet[1], sheet[2], strict=False), start=1):
        name: str | None = (
            mapping.known_column(str(header.value)) if header.value else mapping.field_for_label(str(label.value or ""))
        )
        if name:
            columns[name] = index
    for offset, record in enumerate(rows):
        for name, column in columns.items():
            sheet.cell(row=3 + offset, column=column, value=_cell(name, record.get(name), labels=labels))
    workbook.save(path)
    return path


def xlsform_survey() -> tuple[list[tuple[str, str]], dict[str, list[str]]]:
    """(type, name) of every question of the official XLSForm, and its choice lists."""
    workbook = openpyxl.load_workbook(XLSFORM, read_only=True)
    questions = [(str(row[0]), str(row[1])) for row in workbook["survey"].iter_rows(min_row=2, values_only=True) if row[0]]
    choices: dict[str, list[str]] = {}
    for row in workbook["choices"].iter_rows(min_row=2, values_only=True):
        if row[0]:
            choices.setdefault(str(row[0]), []).append(str(row[1]).strip())
    workbook.close()
    return questions, choices


def kobo_rows(records: list[dict[str, Any]], *, one_column_per_option: bool) -> tuple[list[str], list[list[Any]]]:
    """A KoboToolbox export of submissions of the official XLSForm: its questions in a group
    ("group_person/prs_First_Name"), multiple choices space-separated in one column, or one 0/1
    column per option ("group_person/vic_TypeOfExploitation/ForcedLabour"), then Kobo's metadata."""
    questions, choices = xlsform_survey()
    headers: list[str] = ["start", "end"]
    cells: list[Any] = []
    plan: list[tuple[str, str, str | None]] = []  # (header, question name, option)
    split: set[str] = set()  # questions exported one column per option: their own column left empty
    for kind, name in questions:
        if kind in ("start", "end", "calculate"):
            continue
        header = f"group_person/{name}"
        headers.append(header)
        plan.append((header, name, None))
        if kind.startswith("select_multiple") and one_column_per_option:
            split.add(name)
            for option in choices[kind.split()[1]]:
                headers.append(f"{header}/{option}")
                plan.append((f"{header}/{option}", name, option))
    headers += ["meta/instanceID", "_id", "_uuid", "_submission_time", "__version__"]
    rows = []
    for number, record in enumerate(records, start=1):
        cells = ["2026-01-01T10:00:00", "2026-01-01T10:20:00"]
        for _header, name, chosen in plan:
            field = mapping.known_column(name)
            value = record.get(field) if field else None
            if chosen is not None:
                cells.append(1 if chosen in (value if isinstance(value, list) else [value]) else 0)
            elif name in split:
                cells.append("")
            elif isinstance(value, list):
                cells.append(" ".join(value))
            elif isinstance(value, bool):
                cells.append("TRUE" if value else "FALSE")
            elif isinstance(value, date):
                cells.append(value.isoformat())
            else:
                cells.append(value if value is not None else "")
        cells += [f"uuid:{number:08d}-0000-4000-8000-000000000000", number, f"{number:08d}-0000-4000-8000-000000000000",
                  "2026-01-01T10:21:00", "vSmt4GQA3C9uBMLPEVfgND"]  # fmt: skip
        rows.append(cells)
    return headers, rows


def write_xlsx(path: Path, headers: list[str], rows: list[list[Any]]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def write_csv(path: Path, headers: list[str], rows: list[list[Any]], delimiter: str = ",") -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(headers)
        writer.writerows(rows)
    return path
