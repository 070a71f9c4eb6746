"""A scan opens every name in memory: nothing of it may reach a file, neither in the working
directory nor in the temporary one (DuckDB runs in memory, without a temporary directory to spill
to, and Splink's Parquet mode is never used)."""

import os
import tempfile
from datetime import date
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from pristan.core.models import Office
from pristan.duplicates import extract
from pristan.duplicates.match_file import link
from pristan.duplicates.scan import scan_all
from pristan.duplicates.types import PersonData
from pristan.people.services import person_register


@pytest.fixture
def empty_directories(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    cwd, temporary = tmp_path / "cwd", tmp_path / "tmp"
    cwd.mkdir()
    temporary.mkdir()
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("TMPDIR", str(temporary))
    monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR again
    assert tempfile.gettempdir() == str(temporary)
    return cwd, temporary


def _files(directory: Path) -> list[str]:
    return [str(path.relative_to(directory)) for path in directory.rglob("*")]


@pytest.mark.parametrize("workers", [False, True])
def test_a_scan_writes_no_file(
    ana: User, sofia: Office, empty_directories: tuple[Path, Path], workers: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if workers:  # the persons opened in forked processes and passed back through pipes
        monkeypatch.setattr(extract, "PARALLEL_FROM", 1)
    for given, family in (("Јелена", "Петровић"), ("Jelena", "Petrovic"), ("Ана", "Илић"), ("Ivana", "Horvat")):
        person_register(
            actor=ana, office=sofia, data={"given_name": given, "family_name": family, "date_of_birth": date(1994, 5, 7)}
        )
    result = scan_all()
    assert result.pairs == 1
    for directory in empty_directories:
        assert _files(directory) == []
    assert os.getcwd() == str(empty_directories[0])


def test_matching_a_file_in_memory_writes_no_file(empty_directories: tuple[Path, Path]) -> None:
    records = [
        (f"r{index}", PersonData(given_name=given, family_name="Јовановић", date_of_birth=date(1990, 1, 1)))
        for index, given in enumerate(("Марко", "Marko", "Петар", "Никола"))
    ]
    assert [(a, b) for a, b, _probability in link(records, threshold=0.5)] == [("r0", "r1")]
    for directory in empty_directories:
        assert _files(directory) == []
