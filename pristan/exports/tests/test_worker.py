"""An export job run by a real worker process: the request's side enqueues it, django_tasks_db's
`db_worker` (another process, as in production) writes the sealed file, and the download builds the
archive. On database files of their own, so that the processes share them."""

import csv
import io
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import pyzipper

ROOT = Path(__file__).resolve().parents[3]
PASSPHRASE = "Морски фар, северна кула"

SCRIPT = textwrap.dedent(
    """
    import sys
    from datetime import date

    import django

    django.setup()

    from django.contrib.auth.models import User

    from pristan.cases.models import Case
    from pristan.cases.services import case_open, consent_record
    from pristan.core.models import Office, Organisation, Role
    from pristan.core.services import membership_grant
    from pristan.exports import jobs
    from pristan.exports.models import ExportJob
    from pristan.exports.services import export_job_start
    from pristan.keystore.services import key_scope
    from pristan.people.services import person_register

    step = sys.argv[1]
    if step == "start":  # what the export page does once the form is valid
        with key_scope():
            organisation = Organisation.objects.create(name="Mission", is_operator=True, country="BG")
            office = Office.objects.create(organisation=organisation, code="SOF", name="Sofia", country="BG", city="Sofia")
            ana = User.objects.create_user("ana")
            membership_grant(actor=None, user=ana, office=office, role=Role.CASEWORKER, child_clearance=True)
            person = person_register(actor=ana, office=office, data={
                "given_name": "Иванка", "family_name": "Петрова", "date_of_birth": date(1996, 5, 4), "citizenships": ["BG"]})
            case = case_open(actor=ana, person=person, office=office)
            consent_record(actor=ana, case=case, purpose="export", given=True)
            job = export_job_start(actor=ana, cases=Case.objects.all(), purpose="authority", file_format="csv-aes-zip",
                                   ip=None, language="en")
        print(job.status, case.reference)
    elif step == "download":  # what the download does, with the passphrase typed then
        job = ExportJob.objects.get()
        print(job.status, job.done, job.total, job.record.cases_included)
        with key_scope():
            content = b"".join(jobs.encrypted_download(job, sys.argv[2]))
        open(sys.argv[3], "wb").write(content)
        job.refresh_from_db()
        print(job.status)
    """
)


@pytest.mark.django_db(transaction=False)
def test_a_worker_process_writes_the_export(tmp_path):
    env = {**os.environ, "PRISTAN_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "pristan.settings"}
    for name in ("PRISTAN_MASTER_KEYS", "PRISTAN_INDEX_KEY", "PRISTAN_KEY_FILE", "DATABASE_URL", "PRISTAN_KEYS_DATABASE_URL"):
        env.pop(name, None)
    script = tmp_path / "script.py"
    script.write_text(SCRIPT)

    def run(*args: str) -> str:
        result = subprocess.run(  # noqa: S603 - our own commands with fixed arguments
            [sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, check=False, timeout=300
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    run("-m", "pristan.cli", "migrate", "--database", "keys", "-v0")
    run("-m", "pristan.cli", "migrate", "-v0")
    status, reference = run(str(script), "start").split()
    assert status == "queued"  # the request only enqueued it
    run("-m", "pristan.cli", "db_worker", "--batch", "--no-startup-delay", "--no-reload", "-v0")
    archive_path = tmp_path / "export.zip"
    lines = run(str(script), "download", PASSPHRASE, str(archive_path)).splitlines()
    assert lines == ["ready 1 1 1", "downloaded"]
    with pyzipper.AESZipFile(archive_path) as archive:
        archive.setpassword(PASSPHRASE.encode("utf-8"))
        [name] = archive.namelist()
        rows = list(csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig"))))
    assert [(row[0], row[5], row[6]) for row in rows[1:]] == [(reference, "Иванка", "Петрова")]
    assert list((tmp_path / "exports").iterdir()) == []  # deleted once downloaded
    for database in tmp_path.glob("*.sqlite3*"):
        assert PASSPHRASE.encode() not in database.read_bytes()
        assert "Петрова".encode() not in database.read_bytes()
