"""`pristan import` and `pristan export` from the command line, and an import killed mid-way."""

import csv
import io
import os
import select
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from pristan.cases.models import Case
from pristan.exports.models import ExportRecord
from pristan.interchange.tests.conftest import PASSPHRASE, unzip
from pristan.interchange.tests.test_services import HEADER, ROWS

ROOT = Path(__file__).resolve().parents[3]


def _csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def _run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import", *args, "--no-progress", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


BAD = ["A-4", "Bad", "Date", "1999-13-45", "Femnine", "BG", "ForcedLabour", "TRUE", "Active"]


def test_dry_run_prints_the_preview_and_writes_nothing(tmp_path, sofia, ana):
    out, _err = _run(str(_csv(tmp_path / "cases.csv", ROWS)), "--office", "SOF", "--as", "ana", "--dry-run")
    assert "To create: 3" in out
    assert "Dry run" in out
    assert Case.objects.count() == 0


def test_problems_stop_the_import_with_a_non_zero_exit(tmp_path, sofia, ana):
    path = _csv(tmp_path / "cases.csv", [*ROWS, BAD])
    out = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import", str(path), "--office", "SOF", "--as", "ana", "--no-progress", stdout=out)
    assert "Row 5, column prs_Birthdate, value “1999-13-45”" in out.getvalue()
    assert "The closest is “Feminine”" in out.getvalue()
    assert Case.objects.count() == 0


def test_skip_invalid_imports_the_rest_and_reports_it(tmp_path, sofia, ana):
    out, _err = _run(str(_csv(tmp_path / "cases.csv", [*ROWS, BAD])), "--office", "SOF", "--as", "ana", "--skip-invalid")
    assert "3 created" in out
    assert "1 left out" in out
    assert Case.objects.count() == 3
    again, _err = _run(str(_csv(tmp_path / "cases.csv", [*ROWS, BAD])), "--office", "SOF", "--as", "ana", "--skip-invalid")
    assert "0 created, 0 updated, 3 unchanged" in again


def test_messages_in_the_language_of_lang(tmp_path, sofia, ana):
    from django.utils import translation

    from pristan.core import vocabularies

    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import", str(_csv(tmp_path / "c.csv", [BAD])), "--office", "SOF", "--as", "ana", "--lang", "bg",
                     "--no-progress", stdout=out)  # fmt: skip
    with translation.override("bg"):
        assert vocabularies.label("prs_Gender", "Feminine") in out.getvalue()


def test_the_command_refuses_someone_who_cannot_register_there(tmp_path, sofia, marko):
    with pytest.raises(CommandError, match="cannot register"):
        _run(str(_csv(tmp_path / "cases.csv", ROWS)), "--office", "SOF", "--as", "marko")


def test_export_writes_an_encrypted_audited_htcds_file(tmp_path, sofia, ana, active_case):
    from pristan.cases.services import consent_record

    consent_record(actor=ana, case=active_case, purpose="export", given=True)
    (tmp_path / "pass").write_text(PASSPHRASE + "\n")
    output = tmp_path / "out.zip"
    out = io.StringIO()
    call_command("export", "--format", "htcds-json", "--output", str(output), "--as", "ana",
                 "--passphrase-file", str(tmp_path / "pass"), stdout=out)  # fmt: skip
    assert "Wrote 1 cases" in out.getvalue()
    assert active_case.reference.encode() not in output.read_bytes()  # encrypted
    assert active_case.reference in unzip(output.read_bytes()).decode()
    record = ExportRecord.objects.get()
    assert (record.file_format, record.cases_included) == ("htcds-json-aes-zip", 1)


def test_export_refuses_when_no_case_has_consent(tmp_path, sofia, ana, active_case):
    (tmp_path / "pass").write_text(PASSPHRASE)
    with pytest.raises(CommandError, match="consent"):
        call_command("export", "--format", "htcds-csv", "--output", str(tmp_path / "o.zip"), "--as", "ana",
                     "--passphrase-file", str(tmp_path / "pass"), stdout=io.StringIO())  # fmt: skip


SETUP = textwrap.dedent(
    """
    import django
    django.setup()
    from django.contrib.auth.models import User
    from pristan.core.models import Office, Organisation, Role
    from pristan.core.services import membership_grant

    office = Office.objects.create(organisation=Organisation.objects.create(name="Test"), code="SOF", name="Sofia")
    membership_grant(actor=None, user=User.objects.create_user("ana"), office=office, role=Role.CASEWORKER)
    """
)


def test_an_import_killed_midway_leaves_the_database_as_it_was(tmp_path):
    env = {**os.environ, "PRISTAN_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "pristan.settings"}
    for name in ("PRISTAN_MASTER_KEYS", "PRISTAN_INDEX_KEY", "PRISTAN_KEY_FILE", "DATABASE_URL", "PRISTAN_KEYS_DATABASE_URL"):
        env.pop(name, None)

    def run(*args: str) -> None:
        result = subprocess.run([sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
        assert result.returncode == 0, result.stderr

    run("-m", "pristan.cli", "migrate", "--database", "keys", "-v0")
    run("-m", "pristan.cli", "migrate", "-v0")
    (tmp_path / "setup.py").write_text(SETUP)
    run(str(tmp_path / "setup.py"))
    rows = [
        [f"K-{n}", f"Name{n}", "Family", "1990-01-01", "Feminine", "BG", "ForcedLabour", "TRUE", "Active"] for n in range(3000)
    ]
    path = _csv(tmp_path / "big.csv", rows)
    database = tmp_path / "pristan.sqlite3"

    def counts() -> tuple[int, ...]:
        with sqlite3.connect(database) as connection:  # opening it rolls back a transaction left behind
            return tuple(
                connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 - fixed names
                for table in ("cases_case", "people_person", "interchange_importedrecord", "core_auditentry")
            )

    before = counts()
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "pristan.cli", "import", str(path), "--office", "SOF", "--as", "ana"],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    seen = b""
    deadline = time.monotonic() + 120
    assert process.stderr is not None
    while time.monotonic() < deadline:  # wait until the progress bar shows rows being written
        ready, _w, _x = select.select([process.stderr], [], [], 1)
        if ready:
            seen += os.read(process.stderr.fileno(), 4096)
        if b"Importing" in seen and any(f"| {n}/3000".encode() in seen for n in range(500, 2500)):
            break
        assert process.poll() is None, seen.decode(errors="replace")
    else:
        pytest.fail(f"the import never reached the middle: {seen.decode(errors='replace')[-500:]}")
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    assert counts() == before


def test_a_limit_broken_past_the_header_is_a_message_not_a_traceback(tmp_path, sofia, ana):
    """The header reads well; the 2,001st column comes on row 3: refused while checking, exit status 1."""
    path = tmp_path / "wide.csv"
    path.write_text("cas_Id,prs_FirstName\nA-1,Elena\nA-2,Ivana" + ",x" * 2_000 + "\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Row 3 of this file has more than 2000 columns"):
        call_command("import", str(path), "--office", "SOF", "--as", "ana", "--no-progress", stdout=io.StringIO())
