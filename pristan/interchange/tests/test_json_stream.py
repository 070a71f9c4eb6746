"""JSON import files are read as a stream of records: the same rows as before, never the whole file in memory."""

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pristan.core.tests.memory import traced_peak
from pristan.interchange import mapping, readers

BOM = b"\xef\xbb\xbf"
RECORDS: list[dict[str, Any]] = [
    {"cas_Id": "A-1", "prs_FirstName": " Ана ", "prs_SecondName": "Ристова", "vic_AgeWhenTrafficked": 16.5},
    {"cas_Id": "A-2", "prs_FirstName": "Elena", "prs_SecondName": "Popa", "prs_Birthdate": "2001-11-30"},
]
EXPECTED = [
    ("A-1", {"prs_FirstName": "Ана", "prs_SecondName": "Ристова", "vic_AgeWhenTrafficked": 16.5, "prs_Birthdate": None}),
    ("A-2", {"prs_FirstName": "Elena", "prs_SecondName": "Popa", "vic_AgeWhenTrafficked": None, "prs_Birthdate": "2001-11-30"}),
]
SHAPES: dict[str, Callable[[list[dict[str, Any]]], Any]] = {
    "records": lambda records: {"standard": "HTCDS 2.0", "records": records},
    "value": lambda records: {"@odata.context": "https://central.example/v1/$metadata#Submissions", "value": records},
    "list": lambda records: records,
}


def _write(tmp_path: Path, content: bytes, name: str = "cases.json") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def _rows(path: Path) -> list[readers.Row]:
    return list(readers.open_table(path, path.name).rows())


@pytest.mark.parametrize("bom", [b"", BOM], ids=["plain", "bom"])
@pytest.mark.parametrize("shape", SHAPES)
def test_each_shape_gives_the_same_rows(tmp_path, shape, bom):
    path = _write(tmp_path, bom + b"\n  " + json.dumps(SHAPES[shape](RECORDS), ensure_ascii=False, indent=1).encode())
    table = readers.open_table(path, path.name)
    assert table.layout == readers.Layout.PRISTAN
    assert table.headers == ["cas_Id", "prs_FirstName", "prs_SecondName", "vic_AgeWhenTrafficked", "prs_Birthdate"]
    rows = list(table.rows())
    assert [(row.number, row.external_id, row.cells) for row in rows] == [(1, *EXPECTED[0]), (2, *EXPECTED[1])]
    assert type(rows[0].cells["vic_AgeWhenTrafficked"]) is float  # as json.loads gave, not a Decimal
    assert list(table.rows()) == rows  # every pass reads the file afresh


def test_an_opener_of_fresh_streams_and_nested_groups(tmp_path):
    submission = {
        "__id": "uuid:1",
        "group_person": {"prs_First_Name": "Ана", "prs_Citizenship": "MK"},
        "meta": {"instanceID": "uuid:0001"},
    }
    content = BOM + json.dumps({"value": [submission], "@odata.count": 1}, ensure_ascii=False).encode()
    table = readers.open_table(lambda: io.BytesIO(content), "submissions.json")
    assert table.layout == readers.Layout.SUBMISSIONS
    assert table.headers == ["__id", "group_person/prs_First_Name", "group_person/prs_Citizenship", "meta/instanceID"]
    [row] = table.rows()
    assert (row.external_id, row.cells["prs_FirstName"], row.cells["prs_Citizenship"]) == ("uuid:0001", "Ана", "MK")


def test_records_wins_over_value_wherever_it_is(tmp_path):
    path = _write(tmp_path, json.dumps({"value": [{"cas_Id": "V-1", "prs_FirstName": "V"}], "records": RECORDS}).encode())
    assert [row.external_id for row in _rows(path)] == ["A-1", "A-2"]


def _late_error(tmp_path: Path) -> Path:
    good = json.dumps({"records": [{"cas_Id": f"A-{index}", "prs_FirstName": "Elena"} for index in range(5000)]})
    return _write(tmp_path, good.removesuffix("]}").encode() + b', {"cas_Id": "A-bad", "prs_FirstName": }]}')


def test_a_malformed_record_late_in_the_file_is_unreadable(tmp_path):
    path = _late_error(tmp_path)
    assert path.stat().st_size > 3 * 64 * 1024  # well past what the parser reads at once
    with pytest.raises(readers.UnreadableFile) as error:
        _rows(path)
    assert str(error.value) == str(readers.UNREADABLE)


def test_a_file_spoilt_between_passes_is_unreadable_while_reading_rows(tmp_path):
    path = _write(tmp_path, json.dumps(SHAPES["records"](RECORDS)).encode())
    table = readers.open_table(path, path.name)
    path.write_bytes(_late_error(tmp_path).read_bytes())
    with pytest.raises(readers.UnreadableFile):
        list(table.rows())
    path.write_bytes(json.dumps({"records": [RECORDS[0], "not an object"]}).encode())
    with pytest.raises(readers.UnreadableFile):
        list(table.rows())


@pytest.mark.parametrize(
    "content",
    [
        b'{"standard": "HTCDS 2.0", "cases": []}',  # neither records nor value
        b'{"records": {"cas_Id": "A-1"}}',  # not a list
        b'{"records": "A-1", "value": [{"cas_Id": "A-1", "prs_FirstName": "Elena"}]}',  # records wins, and is not a list
        b"[1, 2, 3]",  # a list of non-objects
        b'[{"cas_Id": "A-1", "prs_FirstName": "Elena"}, ["A-2"]]',  # a non-object late in the list
        b'"cas_Id"',
        b"",
        BOM + b"   ",
        b'[{"cas_Id": "A-1", "prs_FirstName": "\xff"}]',  # not UTF-8
        b'[{"cas_Id": "A-1", "prs_FirstName": "Elena"}] [1]',  # trailing garbage
        BOM + BOM + b"[]",
    ],
)
def test_anything_else_is_unreadable(tmp_path, content):
    path = _write(tmp_path, content)
    with pytest.raises(readers.UnreadableFile) as error:
        _rows(path)
    assert str(error.value) == str(readers.UNREADABLE)


def test_a_large_file_is_never_held_in_memory(tmp_path):
    names = mapping.COLUMNS[:20]
    path = tmp_path / "large.json"
    with path.open("w", encoding="utf-8") as handle:
        handle.write('{"standard": "HTCDS 2.0", "records": [\n')
        for index in range(30_000):
            record: dict[str, Any] = {name: f"{name[-3:]}{index}" for name in names}
            handle.write(("," if index else "") + json.dumps(record) + "\n")
        handle.write("]}")
    size = path.stat().st_size
    count, peak = traced_peak(lambda: sum(1 for _row in readers.open_table(path, path.name).rows()))
    assert count == 30_000
    assert peak < size / 3, (peak, size)
