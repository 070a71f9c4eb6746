"""Real workers on a real installation (SQLite files, or fresh databases on the test PostgreSQL
server when DATABASE_URL names one): a job waits in the database for a worker, and a worker killed
with SIGKILL in the middle of an import leaves the database as it was and the import failed, with
its user's message, once the next worker starts.

Each step runs in a process of its own, as the web server and the workers do."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.utils import translation

from pristan.interchange.jobs import STOPPED

ROOT = Path(__file__).resolve().parents[3]
HEADER = ",".join([
    "cas_Id", "prs_FirstName", "prs_SecondName", "prs_Birthdate", "prs_Gender", "prs_CountryOfCitizenship",
    "vic_TypeOfExploitation", "vic_IsMinorAtExploitation", "cas_Status",
])  # fmt: skip
ROWS = 3000

SETUP = """
from django.contrib.auth.models import User
from pristan.core.models import Office, Organisation, Role
from pristan.core.services import membership_grant

office = Office.objects.create(organisation=Organisation.objects.create(name="Test"), code="SOF", name="Sofia")
membership_grant(actor=None, user=User.objects.create_user("ana"), office=office, role=Role.CASEWORKER)
"""

# As the web server does on an upload: the file sealed under a key of its own, then the import started.
UPLOAD = """
import uuid
from pathlib import Path
from django.contrib.auth.models import User
from pristan.core.models import Office
from pristan.core.sealed_file import SealedWriter
from pristan.interchange import jobs, uploads
from pristan.keystore.services import create_data_key, data_key, key_scope

content = Path(sys.argv[1]).read_bytes()
with key_scope():
    upload_id, key_id = uuid.uuid4(), create_data_key()
    with uploads.sealed_path(upload_id).open("wb") as target:
        writer = SealedWriter(target, key_id, data_key(key_id), uploads.upload_aad(upload_id))
        writer.write(content)
        writer.close()
    upload = uploads.SealedUpload(
        upload_id=upload_id, key_id=key_id, name="cases.csv", content_type="text/csv", size=len(content)
    )
    job = jobs.start(actor=User.objects.get(username="ana"), office=Office.objects.get(code="SOF"), upload=upload,
                     source="", language="bg")
print(job.pk)
"""

CONFIRM = """
from django.contrib.auth.models import User
from pristan.interchange import jobs
from pristan.interchange.models import ImportJob

job = ImportJob.objects.get(pk=sys.argv[1])
jobs.start_write(job, actor=User.objects.get(username="ana"))
"""

STATE = """
import json
from django_tasks_db.models import DBTaskResult
from pristan.cases.models import Case
from pristan.core.models import AuditEntry
from pristan.interchange.models import ImportJob
from pristan.people.models import Person

job = ImportJob.objects.get(pk=sys.argv[1])
print(json.dumps({
    "status": job.status, "error": job.error, "to_create": job.to_create,
    "rows": [Case.objects.count(), Person.objects.count(), AuditEntry.objects.count()],
    "queue": sorted(DBTaskResult.objects.values_list("status", flat=True)),
}))
"""

ALIVE = """
from pristan.jobs import presence
print(json.dumps(sorted(presence.alive([sys.argv[1]]))))
"""


@dataclass
class Installation:
    root: Path
    env: dict[str, str]

    def python(self, code: str, *args: str) -> str:
        prelude = "import json, sys\nimport django\ndjango.setup()\n"
        result = subprocess.run(  # noqa: S603 - our own code, fixed arguments
            [sys.executable, "-c", prelude + textwrap.dedent(code), *args],
            env=self.env, cwd=ROOT, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    def pristan(self, *args: str) -> str:
        result = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "pristan.cli", *args], env=self.env, cwd=ROOT, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def worker(self) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "pristan.cli", "worker", "--interval", "0.2"],
            env=self.env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip

    def state(self, job_id: str) -> dict[str, object]:
        return json.loads(self.python(STATE, job_id))

    def upload(self, rows: int) -> str:
        batch = uuid.uuid4().hex[:6]  # records no earlier upload had
        lines = [HEADER] + [f"K-{batch}-{n},Name{n},Family,1990-01-01,Feminine,BG,ForcedLabour,TRUE,Active" for n in range(rows)]
        path = self.root / f"cases-{batch}.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return self.python(UPLOAD, str(path))


@pytest.fixture(scope="module")
def installation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installation]:
    """A Pristan of its own, migrated, with an office and a caseworker: on SQLite files, or on two new
    databases of the test PostgreSQL server."""
    root = tmp_path_factory.mktemp("installation")
    env = {**os.environ, "PRISTAN_VAR_DIR": str(root), "DJANGO_SETTINGS_MODULE": "pristan.settings", "PYTHONUNBUFFERED": "1"}
    for name in ("PRISTAN_MASTER_KEYS", "PRISTAN_INDEX_KEY", "PRISTAN_KEY_FILE", "PRISTAN_KEYS_DATABASE_URL"):
        env.pop(name, None)
    server = os.environ.get("DATABASE_URL", "")
    databases: list[str] = []
    if server.startswith("postgres"):
        name = f"pristan_jobs_{uuid.uuid4().hex[:8]}"
        databases = [name, f"{name}_keys"]
        _postgres(server, *[f'CREATE DATABASE "{database}"' for database in databases])
        env["DATABASE_URL"] = server.rsplit("/", 1)[0] + f"/{name}"
    else:
        env.pop("DATABASE_URL", None)
    installation = Installation(root=root, env=env)
    try:
        installation.pristan("migrate", "--database", "keys", "-v0")
        installation.pristan("migrate", "-v0")
        installation.python(SETUP)
        yield installation
    finally:
        if databases:
            _postgres(server, *[f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)' for database in databases])


def _postgres(url: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)


def _stop(process: subprocess.Popen[str]) -> str:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=60)
    return output


def test_a_job_waits_in_the_database_until_a_worker_starts(installation):
    job_id = installation.upload(rows=3)  # the process that enqueued it has ended, as a restarted web server
    before = installation.state(job_id)
    assert (before["status"], before["queue"].count("READY")) == ("validating", 1)
    output = installation.pristan("worker", "--batch")
    assert "Worker pristan-" in output
    assert installation.state(job_id)["status"] == "ready"
    installation.python(CONFIRM, job_id)
    assert installation.state(job_id)["status"] == "importing"
    installation.pristan("worker", "--batch")
    state = installation.state(job_id)
    assert state["status"] == "done"
    cases, persons, _entries = state["rows"]
    assert (cases, persons) == (before["rows"][0] + 3, before["rows"][1] + 3)


def test_a_worker_killed_mid_import_leaves_the_database_as_it_was_and_the_import_failed(installation):
    job_id = installation.upload(rows=ROWS)
    installation.pristan("worker", "--batch")
    assert installation.state(job_id)["to_create"] == ROWS
    installation.python(CONFIRM, job_id)
    before = installation.state(job_id)
    progress = installation.root / "imports" / f"{job_id}.progress"
    worker = installation.worker()
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:  # until the worker has written some rows and not all
            done = json.loads(progress.read_text(encoding="utf-8") or "{}").get("done", 0) if progress.exists() else 0
            if 0 < done < ROWS:
                break
            assert worker.poll() is None, worker.communicate()[0]
            time.sleep(0.05)
        else:
            pytest.fail("the import never reached the middle")
        worker.send_signal(signal.SIGKILL)
        output, _ = worker.communicate(timeout=60)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == -signal.SIGKILL
    killed = next(word for word in output.split() if word.startswith("pristan-")).rstrip(":")

    after_kill = installation.state(job_id)
    assert after_kill["rows"] == before["rows"]  # nothing of the import was committed
    assert after_kill["status"] == "importing"  # until a worker finds it lost
    deadline = time.monotonic() + 60
    while json.loads(installation.python(ALIVE, killed)) and time.monotonic() < deadline:  # the server notices the death
        time.sleep(0.2)

    installation.pristan("worker", "--batch")  # the next worker recovers it as it starts
    after = installation.state(job_id)
    with translation.override("bg"):
        message = str(STOPPED)
    assert message != str(STOPPED)  # (a real translation, in the language of the import's user)
    assert (after["status"], after["error"]) == ("failed", message)
    assert after["rows"] == before["rows"]
    assert "FAILED" in after["queue"]
    assert not (installation.root / "imports" / f"{job_id}.sealed").exists()
