"""Hostile import files, built on demand, and a reader that reads one in a child process under a
memory ceiling, as the import's check job would: open_table, then every row.

Used by test_hostile_files.py; also runnable against another readers module (an older one) to
show how it fails: `reading(path, module)`.
"""

import csv
import io
import json
import multiprocessing
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import openpyxl

from pristan.interchange.tests import hostile_child
from pristan.interchange.tests.files import SPREADSHEET
from pristan.interchange.tests.hostile_child import CPU_SECONDS, MiB

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


@dataclass(frozen=True)
class Outcome:
    error: str  # the exception's class name, "" when the file was read to its end
    message: str  # str(error) in English
    bulgarian: str  # str(error) under translation.override("bg")
    lazy: bool  # the error's message is a lazy translation string
    rows: int  # rows read when there was no error
    exitcode: int | None  # the child's: negative when a signal killed it


def reading(path: Path, module: ModuleType) -> Outcome:
    """Read `path` with `module.open_table` in a child under the memory and CPU ceilings.

    The child comes from a fork server, a fresh interpreter, not from the test run: a process that
    has run DuckDB (the duplicate scan) holds its threads and memory maps, and a child forked from
    it crashed under the address-space ceiling before it read anything."""
    context = multiprocessing.get_context("forkserver")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=hostile_child.read, args=(path, module.__name__, send))
    child.start()
    send.close()
    outcome = None
    if receive.poll(CPU_SECONDS * 3):
        try:
            outcome = receive.recv()
        except EOFError:
            outcome = None
    child.join(10)
    if child.exitcode is None:
        child.kill()
        child.join()
    receive.close()
    if outcome is None:
        return Outcome("killed", "", "", False, 0, child.exitcode)
    error, message, bulgarian, lazy, rows = outcome
    return Outcome(error, message, bulgarian, lazy, rows, child.exitcode)


# Files ------------------------------------------------------------------------------------------


def _deep(depth: int) -> bytes:
    return b'{"cas_Id": "A-1", "prs_FirstName": "Elena", "group": ' + b'{"g": ' * depth + b"1" + b"}" * depth + b"}"


def deep_list(folder: Path, depth: int) -> Path:
    path = folder / f"deep-list-{depth}.json"
    path.write_bytes(b"[" + _deep(depth) + b"]")
    return path


def deep_records(folder: Path, depth: int) -> Path:
    path = folder / f"deep-records-{depth}.json"
    path.write_bytes(b'{"standard": "HTCDS 2.0", "records": [' + _deep(depth) + b"]}")
    return path


def long_json_string(folder: Path) -> Path:
    path = folder / "long-string.json"
    path.write_bytes(b'[{"cas_Id": "A-1", "prs_FirstName": "' + b"x" * (10 * MiB) + b'"}]')
    return path


def json_blanks(folder: Path) -> Path:
    path = folder / "blanks.json"
    with path.open("wb") as handle:
        handle.write(b'[{"cas_Id": "A-1", "prs_FirstName": "Elena"}')
        for _chunk in range(64):
            handle.write(b" " * MiB)
        handle.write(b"]")
    return path


def long_csv_row(folder: Path) -> Path:
    path = folder / "long-row.csv"
    path.write_bytes(b"cas_Id,prs_FirstName\nA-1," + b"x" * (10 * MiB) + b"\n")
    return path


def long_csv_cell(folder: Path) -> Path:
    """A quoted cell of 10 MB over many short lines: no line is long, the cell is."""
    path = folder / "long-cell.csv"
    path.write_bytes(b'cas_Id,prs_FirstName\nA-1,"' + (b"x" * 99 + b"\n") * (100 * 1024) + b'"\n')
    return path


def not_utf8_csv(folder: Path) -> Path:
    path = folder / "windows-1251.csv"
    path.write_bytes("cas_Id,prs_FirstName\nA-1,Elena\nA-2,Ана\n".encode("cp1251"))
    return path


def wide_csv(folder: Path) -> Path:
    path = folder / "wide.csv"
    path.write_text("cas_Id,prs_FirstName," + ",".join(f"c{index}" for index in range(100_000)) + "\nA-1,Elena\n")
    return path


def wide_json(folder: Path) -> Path:
    record = {"cas_Id": "A-1", "prs_FirstName": "Elena", **{f"c{index}": 1 for index in range(100_000)}}
    path = folder / "wide.json"
    path.write_text(json.dumps([record]))
    return path


def pdf_as_xlsx(folder: Path) -> Path:
    path = folder / "report.xlsx"
    path.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + b"0" * 4096 + b"\n%%EOF\n")
    return path


def _workbook_parts() -> dict[str, bytes]:
    """The parts of a small workbook as openpyxl writes it (with shared strings)."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["cas_Id", "prs_FirstName"])
    sheet.append(["A-1", "Elena"])
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


Writer = Callable[[Any], None]
SHARED_STRINGS_TYPE = (
    b'<Override PartName="/xl/sharedStrings.xml"'
    b' ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml" />'
)


def _xlsx(path: Path, changes: dict[str, bytes | Writer]) -> Path:
    """A workbook whose parts are openpyxl's, some replaced or added: bytes, or a writer of a stream."""
    parts: dict[str, bytes | Writer] = {**_workbook_parts(), **changes}
    if "xl/sharedStrings.xml" in changes:  # openpyxl writes inline strings: declared, so that openpyxl reads them
        types = parts["[Content_Types].xml"]
        assert isinstance(types, bytes)
        parts["[Content_Types].xml"] = types.replace(b"</Types>", SHARED_STRINGS_TYPE + b"</Types>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            if isinstance(content, bytes):
                archive.writestr(name, content)
            else:
                with archive.open(name, "w", force_zip64=True) as part:
                    content(part)
    return path


def zip_bomb(folder: Path) -> Path:
    """A part of 12 MiB of zeros, packed a thousand times: under the size of a part, over the ratio."""

    def zeros(part: Any) -> None:
        for _chunk in range(12):
            part.write(b"\0" * MiB)

    return _xlsx(folder / "bomb.xlsx", {"xl/media/image1.png": zeros})


def shared_strings_bomb(folder: Path) -> Path:
    """Shared strings that inflate to 200 MB (some hundreds of KiB uploaded): openpyxl loads them whole."""

    def strings(part: Any) -> None:
        part.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="{MAIN}">'.encode())
        piece = b"<si><t>Elena</t></si>" * (MiB // 21)
        for _chunk in range(200):
            part.write(piece)
        part.write(b"</sst>")

    return _xlsx(folder / "strings-bomb.xlsx", {"xl/sharedStrings.xml": strings})


def _lying_sizes(path: Path, name: str, declared: int) -> Path:
    """The archive's central directory declares `declared` bytes for `name`, which inflates to more."""
    content = bytearray(path.read_bytes())
    at = content.find(b"PK\x01\x02")
    entry = name.encode()
    while at >= 0:
        length = int.from_bytes(content[at + 28 : at + 30], "little")
        if content[at + 46 : at + 46 + length] == entry:
            content[at + 24 : at + 28] = declared.to_bytes(4, "little")
            break
        at = content.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(content))
    return path


def lying_sizes(folder: Path) -> Path:
    """Shared strings of 200 MB whose declared size is 4 KiB: zipfile stops at the declared size."""
    path = shared_strings_bomb(folder)
    return _lying_sizes(path.rename(folder / "lying-sizes.xlsx"), "xl/sharedStrings.xml", 4096)


LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(f'<!ENTITY lol{level} "{("&lol" + str(level - 1 or "") + ";") * 10}">'.encode() for level in range(1, 10))
    + f'\n]>\n<sst xmlns="{MAIN}"><si><t>&lol9;</t></si></sst>'.encode()
)
EXTERNAL = (
    b'<?xml version="1.0"?>\n<!DOCTYPE sst [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
    + f'<sst xmlns="{MAIN}"><si><t>&secret;</t></si><si><t>Elena</t></si></sst>'.encode()
)


def billion_laughs(folder: Path) -> Path:
    return _xlsx(folder / "laughs.xlsx", {"xl/sharedStrings.xml": LAUGHS})


def external_entity(folder: Path) -> Path:
    return _xlsx(folder / "external.xlsx", {"xl/sharedStrings.xml": EXTERNAL})


def _sheet(rows: bytes, dimension: str = "A1:B2") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="{MAIN}"><dimension ref="{dimension}"/>'.encode()
        + b"<sheetData>"
        + rows
        + b"</sheetData></worksheet>"
    )


def _inline_row(number: int, *values: str) -> bytes:
    cells = "".join(
        f'<c r="{chr(65 + index)}{number}" t="inlineStr"><is><t>{value}</t></is></c>' for index, value in enumerate(values)
    )
    return f'<row r="{number}">{cells}</row>'.encode()


HEADER_ROW = _inline_row(1, "cas_Id", "prs_FirstName")


def wide_xlsx(folder: Path) -> Path:
    """A header row of 100,000 cells (cells without a reference: Excel's 16,384 columns do not stop them)."""
    numbers = "".join(f"<c><v>{index * 7919 % 1_000_003}</v></c>" for index in range(100_000))  # not a bomb: varied
    cells = b'<c t="inlineStr"><is><t>cas_Id</t></is></c>' + numbers.encode()
    return _xlsx(folder / "wide.xlsx", {"xl/worksheets/sheet1.xml": _sheet(b'<row r="1">' + cells + b"</row>")})


def far_cell_xlsx(folder: Path) -> Path:
    """One cell in the last of Excel's columns: openpyxl pads the row to 16,384 values."""
    far = b'<row r="2"><c r="A2" t="inlineStr"><is><t>A-1</t></is></c><c r="XFD2"><v>1</v></c></row>'
    return _xlsx(folder / "far-cell.xlsx", {"xl/worksheets/sheet1.xml": _sheet(HEADER_ROW + far)})


def lying_dimension(folder: Path) -> Path:
    """Two real rows in a sheet that declares itself A1:XFD1048576: read as the two rows."""
    rows = HEADER_ROW + _inline_row(2, "A-1", "Elena")
    return _xlsx(folder / "lying-dimension.xlsx", {"xl/worksheets/sheet1.xml": _sheet(rows, "A1:XFD1048576")})


def far_row_xlsx(folder: Path) -> Path:
    """A row numbered 100,000,000: openpyxl yields every empty row before it."""
    rows = HEADER_ROW + b'<row r="100000000"><c r="A100000000"><v>1</v></c></row>'
    return _xlsx(folder / "far-row.xlsx", {"xl/worksheets/sheet1.xml": _sheet(rows)})


# Legitimate large files -------------------------------------------------------------------------

FIRST = ["Ана", "Elena", "Марко", "Ivana", "Бисер", "Amra", "Petra", "Јован"]
SECOND = ["Ристова", "Popa", "Петров", "Kovač", "Стоянова", "Hadžić", "Novak", "Илиев"]


def htcds_record(index: int) -> dict[str, Any]:
    born = date(1980, 1, 1) + timedelta(days=index % 9000)
    return {
        "cas_Id": f"SOF-{index:06d}",
        "prs_FirstName": FIRST[index % len(FIRST)],
        "prs_SecondName": SECOND[index % len(SECOND)],
        "prs_Birthdate": born.isoformat(),
        "prs_Gender": ["Female", "Male"][index % 2],
        "prs_Citizenship": ["BG", "MK", "BA", "RS"][index % 4],
        "vic_AgeWhenTrafficked": 14 + index % 30,
        "vic_TraffickingStatus": "Actual",
        "vic_TypeOfExploitation": ["ForcedLabour", "SexualExploitation"][index % 2],
        "vic_DetailsOfVulnerabilities": f"Left school at {12 + index % 5}; debt to the recruiter of {index % 900} EUR.",
        "cas_Status": "Active",
        "cas_IncomingReferralDate": (born + timedelta(days=7000)).isoformat(),
    }


def large_csv(folder: Path, count: int) -> Path:
    path = folder / f"large-{count}.csv"
    names = list(htcds_record(0))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(names)
        for index in range(count):
            writer.writerow(htcds_record(index).values())
    return path


def large_json(folder: Path, count: int) -> Path:
    path = folder / f"large-{count}.json"
    with path.open("w", encoding="utf-8") as handle:
        handle.write('{"standard": "HTCDS 2.0", "records": [\n')
        for index in range(count):
            handle.write(("," if index else "") + json.dumps(htcds_record(index), ensure_ascii=False) + "\n")
        handle.write("]}")
    return path


def large_xlsx(folder: Path, count: int) -> Path:
    """The official spreadsheet's two header rows (names, labels), then `count` rows under them."""
    template = openpyxl.load_workbook(SPREADSHEET, read_only=True)
    names, labels = (list(values) for values in template.worksheets[0].iter_rows(min_row=1, max_row=2, values_only=True))
    template.close()
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(names)
    sheet.append(labels)
    for index in range(count):
        record = htcds_record(index)
        sheet.append([index + 1, *(record.get(str(name)) for name in names[1:])])
    path = folder / f"large-{count}.xlsx"
    book.save(path)
    return path
