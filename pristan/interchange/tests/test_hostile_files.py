"""Hostile import files never take the server down: each is read as the check job reads it (open_table,
then every row) in a child process under a memory ceiling, and refused with a clear, translated
message; a legitimate large file still reads under the same ceiling."""

import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import defusedxml  # type: ignore[import-untyped]
import openpyxl
import pytest
from django.utils import translation
from django.utils.functional import Promise

from pristan.interchange import readers
from pristan.interchange.readers import limits
from pristan.interchange.tests import hostile

Build = Callable[[Path], Path]
LIMITS = limits.LIMITS
ANY = object()  # a placeholder whose value depends on how the parser reads ahead (a byte offset)

REFUSED: dict[str, tuple[Build, Any, dict[str, Any]]] = {
    "json-list-20000-deep": (lambda f: hostile.deep_list(f, 20_000), limits.TOO_DEEP, {"record": 1, "limit": 16}),
    "json-list-100000-deep": (lambda f: hostile.deep_list(f, 100_000), limits.TOO_DEEP, {"record": 1, "limit": 16}),
    "json-records-20000-deep": (lambda f: hostile.deep_records(f, 20_000), limits.TOO_DEEP, {"record": 1, "limit": 16}),
    "json-records-100000-deep": (lambda f: hostile.deep_records(f, 100_000), limits.TOO_DEEP, {"record": 1, "limit": 16}),
    "json-10MB-string": (hostile.long_json_string, limits.TOO_LONG_TOKEN, {"limit": LIMITS.cell, "offset": ANY}),
    "json-64MB-blanks": (hostile.json_blanks, limits.TOO_LONG_TOKEN, {"limit": LIMITS.cell, "offset": ANY}),
    "json-100000-columns": (hostile.wide_json, limits.TOO_MANY_COLUMNS, {"row": 1, "limit": LIMITS.columns}),
    "csv-10MB-row": (hostile.long_csv_row, limits.TOO_LARGE_ROW, {"row": 2, "limit": LIMITS.row_chars}),
    "csv-10MB-quoted-cell": (hostile.long_csv_cell, limits.CSV_CELL_TOO_LONG, {"line": ANY, "limit": LIMITS.cell}),
    "csv-windows-1251": (hostile.not_utf8_csv, limits.NOT_UTF8, {"line": 3}),
    "csv-100000-columns": (hostile.wide_csv, limits.TOO_MANY_COLUMNS, {"row": 1, "limit": LIMITS.columns}),
    "xlsx-100000-columns": (hostile.wide_xlsx, limits.TOO_MANY_COLUMNS, {"row": 1, "limit": LIMITS.columns}),
    "xlsx-cell-in-column-XFD": (hostile.far_cell_xlsx, limits.TOO_MANY_COLUMNS, {"row": 2, "limit": LIMITS.columns}),
    "xlsx-row-100000000": (hostile.far_row_xlsx, limits.TOO_MANY_ROWS, {"limit": LIMITS.rows}),
    "pdf-renamed-xlsx": (hostile.pdf_as_xlsx, limits.NOT_XLSX, {}),
    "xlsx-zip-bomb-part": (hostile.zip_bomb, limits.XLSX_RATIO, {"part": "xl/media/image1.png", "ratio": ANY, "limit": 100}),
    "xlsx-shared-strings-200MB": (
        hostile.shared_strings_bomb, limits.XLSX_PART_TOO_LARGE, {"part": "xl/sharedStrings.xml", "size": 200, "limit": 64},
    ),
    "xlsx-lying-sizes": (hostile.lying_sizes, limits.XLSX_BROKEN, {"part": "xl/sharedStrings.xml"}),
    "xlsx-billion-laughs": (hostile.billion_laughs, limits.XLSX_DTD, {"part": "xl/sharedStrings.xml"}),
    "xlsx-external-entity": (hostile.external_entity, limits.XLSX_DTD, {"part": "xl/sharedStrings.xml"}),
}  # fmt: skip


def _pattern(message: Any, params: dict[str, Any]) -> str:
    """The English message, its placeholders filled in (ANY: any number)."""
    with translation.override("en"):
        template = str(message)
    pattern = re.escape(template)
    for name, value in params.items():
        pattern = pattern.replace(re.escape(f"%({name})s"), r"\d+" if value is ANY else re.escape(str(value)))
    assert "%(" not in pattern, pattern  # every placeholder named in the test
    return pattern


@pytest.mark.parametrize("name", REFUSED)
def test_a_hostile_file_is_refused_with_a_clear_message_under_a_memory_ceiling(tmp_path, name):
    build, message, params = REFUSED[name]
    outcome = hostile.reading(build(tmp_path), readers)
    assert outcome.exitcode == 0, outcome  # the reader was not killed (by the CPU limit, or anything else)
    assert outcome.error == "UnreadableFile", outcome
    assert re.fullmatch(_pattern(message, params), outcome.message), outcome
    assert outcome.lazy, outcome  # translated when shown, in the job's language


def test_the_message_is_in_the_readers_language(tmp_path):
    outcome = hostile.reading(hostile.deep_list(tmp_path, 20_000), readers)
    with translation.override("bg"):
        expected = str(limits.TOO_DEEP) % {"record": 1, "limit": 16}  # the Bulgarian catalogue's, once translated
    assert outcome.bulgarian == expected
    assert (
        outcome.message == "Record 1 of this file nests more than 16 levels deep. Pristan reads records nested at most 16 levels."
    )


def test_a_lying_dimension_reads_the_rows_that_are_there(tmp_path):
    outcome = hostile.reading(hostile.lying_dimension(tmp_path), readers)
    assert (outcome.exitcode, outcome.error, outcome.rows) == (0, "", 1), outcome


@pytest.mark.parametrize("make", [hostile.large_csv, hostile.large_json, hostile.large_xlsx], ids=["csv", "json", "xlsx"])
def test_a_legitimate_large_file_reads_under_the_same_ceiling(tmp_path, make):
    outcome = hostile.reading(make(tmp_path, 20_000), readers)
    assert (outcome.exitcode, outcome.error, outcome.message, outcome.rows) == (0, "", "", 20_000), outcome


def test_openpyxl_parses_with_defusedxml(tmp_path):
    """Even without Pristan's own inspection, openpyxl refuses entity declarations (through defusedxml)."""
    assert openpyxl.DEFUSEDXML
    for build in (hostile.billion_laughs, hostile.external_entity):
        path = build(tmp_path)
        with pytest.raises(ValueError, match="could not read strings") as error:
            openpyxl.load_workbook(path, read_only=True)
        assert isinstance(error.value.__cause__, defusedxml.EntitiesForbidden)


def _json_nested(levels: int) -> bytes:
    """A record whose groups nest so that the record has `levels` levels in all."""
    inner: Any = "Elena"
    for _level in range(levels - 1):
        inner = {"g": inner}
    return json.dumps([{"cas_Id": "A-1", "prs_FirstName": "Elena", "group": inner}]).encode()


def _read(content: bytes, name: str) -> list[readers.Row]:
    return list(readers.open_table(lambda: io.BytesIO(content), name).rows())


def test_the_limits_are_where_they_say():
    assert len(_read(_json_nested(LIMITS.depth), "nested.json")) == 1
    with pytest.raises(readers.UnreadableFile) as error:
        _read(_json_nested(LIMITS.depth + 1), "nested.json")
    assert isinstance(error.value.message, Promise)
    cell = "x" * LIMITS.cell
    [row] = _read(f"cas_Id,prs_FirstName\nA-1,{cell}\n".encode(), "cells.csv")
    assert row.cells["prs_FirstName"] == cell
    with pytest.raises(readers.UnreadableFile, match="longer than 32767 characters"):
        _read(f'cas_Id,prs_FirstName\nA-1,"{cell}x"\n'.encode(), "cells.csv")
    [row] = _read(json.dumps([{"cas_Id": "A-1", "prs_FirstName": cell}]).encode(), "cells.json")
    with pytest.raises(readers.UnreadableFile, match="Row 1, column prs_FirstName has 32768 characters"):
        _read(json.dumps([{"cas_Id": "A-1", "prs_FirstName": cell + "x"}]).encode(), "cells.json")
    wide = ",".join(["cas_Id", "prs_FirstName", *(f"c{index}" for index in range(LIMITS.columns - 2))])
    assert len(_read(f"{wide}\nA-1,Elena\n".encode(), "wide.csv")) == 1
    with pytest.raises(readers.UnreadableFile, match="more than 2000 columns"):
        _read(f"{wide},one-more\nA-1,Elena\n".encode(), "wide.csv")
