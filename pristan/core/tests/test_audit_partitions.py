"""The audit trail partitioned by year on PostgreSQL: entries land in their year's partition, every
partition refuses UPDATE, DELETE and TRUNCATE, `pristan audit verify` still passes, the periodic job
makes next year's partition, and the migration converts a table that already holds entries."""

from datetime import UTC, date, datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from pristan.core import audit_partitions
from pristan.core.audit import append_only_guard_installed, audit_record
from pristan.core.models import AuditEntry
from pristan.core.tasks import audit_partitions_run

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="partitioning is PostgreSQL's; SQLite keeps one table"),
]


def _record(actor, detail: str = "partitioned") -> AuditEntry:
    with transaction.atomic():
        return audit_record(actor=actor, action=AuditEntry.Action.VIEW, obj=actor, detail=detail)


def _partition_of(entry: AuditEntry) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM core_auditentry WHERE id = %s", [entry.pk])
        return cursor.fetchone()[0]


def test_the_table_is_partitioned_by_year_with_a_default_partition(ana):
    assert audit_partitions.is_partitioned(connection)
    names = audit_partitions.partitions(connection)
    this_year = datetime.now(UTC).year
    assert audit_partitions.partition_name(this_year) in names
    assert audit_partitions.partition_name(this_year + 1) in names
    assert audit_partitions.DEFAULT_PARTITION in names
    entry = _record(ana)
    assert _partition_of(entry) == audit_partitions.partition_name(entry.at.astimezone(UTC).year)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE {table} SET detail = 'altered' WHERE id = %s",
        "DELETE FROM {table} WHERE id = %s",
        "TRUNCATE {table}",
    ],
)
def test_every_partition_refuses_changes(ana, statement):
    entry = _record(ana)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's own pending foreign-key checks would stop a TRUNCATE
        for table in ("core_auditentry", _partition_of(entry)):  # through the table and naming the partition
            sql = statement.format(table=table)
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
                cursor.execute(sql, [entry.pk] if "%s" in sql else None)
    entry.refresh_from_db()
    assert entry.detail == "partitioned"
    assert append_only_guard_installed(connection)


def test_a_new_partition_is_guarded_too_and_verify_sees_it(ana):
    made = audit_partitions.ensure_partitions(connection, today=date(2100, 6, 1))
    assert made == ["core_auditentry_y2100", "core_auditentry_y2101"]
    assert audit_partitions.ensure_partitions(connection, today=date(2100, 6, 1)) == []  # once
    assert append_only_guard_installed(connection)
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER core_auditentry_y2101_no_truncate ON core_auditentry_y2101")
    assert not append_only_guard_installed(connection)  # verify would say so
    call_command("audit", "guard", stdout=StringIO())
    assert append_only_guard_installed(connection)


def test_the_periodic_job_makes_the_coming_years_partitions(db):
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {audit_partitions.partition_name(datetime.now(UTC).year + 1)}")
    assert audit_partitions_run.call() == {"made": [audit_partitions.partition_name(datetime.now(UTC).year + 1)]}


def test_verify_passes_over_several_partitions(ana):
    _record(ana, "first")
    audit_partitions.ensure_partitions(connection, today=date(2100, 1, 1))
    _record(ana, "second")
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert "Audit trail intact" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_the_migration_converts_a_table_that_holds_entries_and_back(ana):
    """Back to one table and forward again: the entries, their chain and the guard survive both ways."""
    _record(ana, "before")
    before = list(AuditEntry.objects.order_by("sequence").values_list("id", "sequence", "hash"))
    executor = MigrationExecutor(connection)
    executor.migrate([("core", "0009_office_time_zone")])
    assert not audit_partitions.is_partitioned(connection)
    assert append_only_guard_installed(connection)
    assert list(AuditEntry.objects.order_by("sequence").values_list("id", "sequence", "hash")) == before
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert audit_partitions.is_partitioned(connection)
    assert append_only_guard_installed(connection)
    assert list(AuditEntry.objects.order_by("sequence").values_list("id", "sequence", "hash")) == before
    entry = _record(ana, "after")
    assert entry.pk > before[-1][0]  # ids go on from the copied entries
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert "Audit trail intact" in out.getvalue()
