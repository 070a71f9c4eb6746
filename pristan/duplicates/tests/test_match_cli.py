import csv
from pathlib import Path

import pytest
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError

HEADER = "record_id,prs_FirstName,prs_LastName,prs_Birthdate,prs_Gender,prs_Citizenship,prs_IdentityNumber\n"
ROWS = [
    "p1,Ђорђе,Јовановић,1990-03-04,Masculine,RS,",
    "p2,Djordje,Jovanovic,1990-04-03,Masculine,RS;BA,",
    "p3,Марко,Петровић,1975-11-20,Masculine,RS,",
    "p4,Yana,Stoyanova,2001-02-11,Feminine,BG,AB 123456",
    "p5,Стоянова,Яна,,Feminine,,ab123456",
    "p6,Elena,Popescu,2001-06-30,Feminine,RO,",
]


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _pairs(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.reader(file))


def test_a_file_in_gives_its_pairs_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source, target = _write(tmp_path / "PERSONS.csv", HEADER + "\n".join(ROWS) + "\n"), tmp_path / "PAIRS.csv"
    call_command("duplicates", "match", "--input", str(source), "--output", str(target))
    rows = _pairs(target)
    assert rows[0] == ["record_id_a", "record_id_b", "probability"]
    assert [row[:2] for row in rows[1:]] == [["p4", "p5"], ["p1", "p2"]]  # best first
    assert all(0.8 <= float(row[2]) <= 1 for row in rows[1:])
    assert "Wrote 2 pairs" in capsys.readouterr().out


def test_the_threshold_decides_which_pairs_are_written(tmp_path: Path) -> None:
    source, target = _write(tmp_path / "PERSONS.csv", HEADER + "\n".join(ROWS) + "\n"), tmp_path / "PAIRS.csv"
    call_command("duplicates", "match", "--input", str(source), "--output", str(target), "--threshold", "0.01")
    low = _pairs(target)[1:]
    call_command("duplicates", "match", "--input", str(source), "--output", str(target), "--threshold", "0.9999999")
    high = _pairs(target)[1:]
    assert len(high) < len(low)
    assert all(float(row[2]) >= 0.9999999 for row in high)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("record_id,prs_FirstName\np1,Ana\n", "lacks the columns prs_LastName, prs_Birthdate, prs_Gender"),
        (HEADER + "p1,Ana,Ilić,04.03.1990,Feminine,,\n", "Line 2: prs_Birthdate is 04.03.1990; write it as YYYY-MM-DD"),
        (HEADER + "p1,Ana,Ilić,,Female,,\n", "Line 2: prs_Gender is Female, which is not an HTCDS gender"),
        (HEADER + "p1,Ana,Ilić,,,,\np1,Ana,Ilić,,,,\n", "Line 3: the record_id p1 is used twice"),
        (HEADER + ",Ana,Ilić,,,,\n", "Line 2 has no record_id"),
    ],
)
def test_bad_input_says_what_and_where_and_writes_nothing(tmp_path: Path, text: str, message: str) -> None:
    source, target = _write(tmp_path / "PERSONS.csv", text), tmp_path / "PAIRS.csv"
    with pytest.raises(CommandError, match=message):
        call_command("duplicates", "match", "--input", str(source), "--output", str(target))
    assert not target.exists()


def test_a_file_not_in_utf8_or_missing_or_a_bad_threshold_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "PAIRS.csv"
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes((HEADER + "p1,Đorđe,Ilić,,,,\n").encode("cp1250"))
    with pytest.raises(CommandError, match="is not a UTF-8 text file"):
        call_command("duplicates", "match", "--input", str(latin1), "--output", str(target))
    with pytest.raises(CommandError, match="There is no file"):
        call_command("duplicates", "match", "--input", str(tmp_path / "none.csv"), "--output", str(target))
    with pytest.raises(CommandError, match="--threshold must be a number above 0 and at most 1, not 2"):
        call_command("duplicates", "match", "--input", str(latin1), "--output", str(target), "--threshold", "2")
    assert not target.exists()


def test_the_command_exits_with_status_1_on_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _write(tmp_path / "PERSONS.csv", "record_id\np1\n")
    with pytest.raises(SystemExit) as exit_:
        ManagementUtility(
            ["pristan", "duplicates", "match", "--input", str(source), "--output", str(tmp_path / "PAIRS.csv")]
        ).execute()
    assert exit_.value.code == 1
    assert "lacks the columns" in capsys.readouterr().err
