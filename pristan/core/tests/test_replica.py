"""Reports, research and exports read from the read replica when one is configured; every write goes
to the primary. The replica here is a second connection alias to the test database itself (as
PRISTAN_REPLICA_DATABASE_URL makes one, a mirror in Django's terms), so each connection's queries
show where each read and write went. On SQLite and on PostgreSQL."""

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pristan.cases.models import Case, ConsentPurpose
from pristan.cases.services import consent_record
from pristan.core.models import AuditEntry
from pristan.core.replica import REPLICA, reporting_db
from pristan.exports import jobs
from pristan.exports.models import ExportJob, ExportRecord
from pristan.exports.services import export_job_start, export_job_write
from pristan.research import services as research_services
from pristan.screening.services import screening_record

# The replica must see what the test wrote: committed rows, hence transactional tests.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def replica() -> Iterator[str]:
    """The alias `replica`, added once the test database exists, for this test only."""
    primary = connections[DEFAULT_DB_ALIAS].settings_dict
    connections.settings[REPLICA] = {**primary, "TEST": {**primary["TEST"], "MIRROR": DEFAULT_DB_ALIAS}}
    # Connected here: the test case's guard refuses to open a connection its class was not told of.
    connections[REPLICA].connect()
    yield REPLICA
    connections[REPLICA].close()
    close_pool = getattr(connections[REPLICA], "close_pool", None)  # PostgreSQL's, with PRISTAN_DB_POOL_MAX_SIZE
    if close_pool is not None:
        close_pool()
    del connections[REPLICA]
    del connections.settings[REPLICA]


def _sql(context: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in context.captured_queries]


def _reads_only(context: CaptureQueriesContext) -> bool:
    """Only reads, within transactions of their own (a server-side cursor needs one behind PgBouncer)."""
    control = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN", "COMMIT", "ROLLBACK")
    return all(
        sql.lstrip().upper().startswith(("SELECT", "WITH", "DECLARE", "FETCH", "CLOSE", *control)) for sql in _sql(context)
    )


def _mentions(context: CaptureQueriesContext, table: str) -> bool:
    return any(f'"{table}"' in sql for sql in _sql(context))


def test_without_a_replica_everything_reads_from_the_primary(db):
    assert reporting_db() == DEFAULT_DB_ALIAS


def test_inside_a_transaction_reports_read_from_the_primary(replica):
    assert reporting_db() == REPLICA
    with transaction.atomic():
        assert reporting_db() == DEFAULT_DB_ALIAS  # a read that belongs to a write sees that write's rows
    assert reporting_db() == REPLICA


def _screened_with_consent(case: Case, ana: User) -> Case:
    consent_record(actor=ana, case=case, purpose=ConsentPurpose.CASE_MANAGEMENT, given=True)
    consent_record(actor=ana, case=case, purpose=ConsentPurpose.RESEARCH, given=True)
    consent_record(actor=ana, case=case, purpose=ConsentPurpose.EXPORT, given=True)
    screening_record(
        actor=ana, case=case, indicator_list="adult_labour", indicators=[], decision="PossibleVictimOfTrafficking",
        reason="Credible account.",
    )  # fmt: skip
    return case


def test_the_overview_reads_its_figures_from_the_replica(boris, case, client_of, replica):
    client = client_of(boris)
    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary, CaptureQueriesContext(connections[replica]) as copy:
        response = client.get(reverse("supervisor_overview"))
    assert response.status_code == 200
    assert _reads_only(copy)
    for table in ("cases_case", "movements_movementtraveller", "reintegration_visit"):
        assert _mentions(copy, table), table
    assert not _mentions(primary, "movements_movementtraveller")
    assert not _mentions(primary, "reintegration_visit")


def test_research_counts_read_the_cases_from_the_replica(boris, ana, open_case, replica):
    """What the research page shows is counted by a worker (research/counts.py), as here: outside any
    transaction of the primary, so its reads go to the replica."""
    for _ in range(5):
        _screened_with_consent(open_case(), ana)
    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary, CaptureQueriesContext(connections[replica]) as copy:
        counts = research_services.ctdc_counts(actor=boris)
    assert sum(counts.values()) == 5  # the replica saw the committed cases
    assert _reads_only(copy)
    assert _mentions(copy, "cases_consentevent")
    assert not _mentions(primary, "cases_consentevent")
    assert not _mentions(primary, "cases_case")


def test_an_export_reads_from_the_replica_and_writes_its_job_record_and_audit_to_the_primary(
    ana, case, settings, tmp_path, replica
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # the worker is the test
    settings.VAR_DIR = tmp_path
    _screened_with_consent(case, ana)
    job = export_job_start(actor=ana, cases=Case.objects.all(), purpose="authority", file_format="csv-aes-zip",
                           ip=None, language="en")  # fmt: skip
    entries = AuditEntry.objects.count()
    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary, CaptureQueriesContext(connections[replica]) as copy:
        jobs.run(str(job.pk), export_job_write)  # what the worker runs, outside any transaction
    job.refresh_from_db()
    assert job.status == ExportJob.Status.READY
    record = ExportRecord.objects.get()
    assert list(record.cases.values_list("pk", flat=True)) == [case.pk]
    assert AuditEntry.objects.count() == entries + 1
    assert _reads_only(copy)
    assert _mentions(copy, "cases_case")
    assert _mentions(copy, "cases_consentevent")  # consent to export, read with the cases
    assert not _mentions(primary, "cases_consentevent")
    writes = [sql for sql in _sql(primary) if sql.lstrip().upper().startswith(("INSERT", "UPDATE"))]
    for table in ("exports_exportjob", "exports_exportrecord", "core_auditentry"):
        assert any(f'"{table}"' in sql for sql in writes), table
