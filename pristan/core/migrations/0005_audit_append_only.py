"""Every entry has its place in the chain, and the database refuses to change or remove entries.

SQLite: two triggers raise on UPDATE and DELETE. PostgreSQL: a plpgsql function raises from a
row trigger on UPDATE or DELETE and a statement trigger on TRUNCATE, and PUBLIC may not UPDATE,
DELETE or TRUNCATE the table. On SQLite, a later migration that alters core_auditentry rebuilds
the table and drops its triggers: re-install them (pristan.core.audit.install_append_only_guard).
"""

from django.db import migrations, models

MESSAGE = "audit entries are append-only"

SQLITE_INSTALL = [
    f"CREATE TRIGGER core_auditentry_no_update BEFORE UPDATE ON core_auditentry BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
    f"CREATE TRIGGER core_auditentry_no_delete BEFORE DELETE ON core_auditentry BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS core_auditentry_no_update;",
    "DROP TRIGGER IF EXISTS core_auditentry_no_delete;",
]
POSTGRESQL_INSTALL = [
    f"""CREATE OR REPLACE FUNCTION core_auditentry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation';
END;
$$;""",
    "CREATE TRIGGER core_auditentry_no_update_delete BEFORE UPDATE OR DELETE ON core_auditentry "
    "FOR EACH ROW EXECUTE FUNCTION core_auditentry_append_only();",
    "CREATE TRIGGER core_auditentry_no_truncate BEFORE TRUNCATE ON core_auditentry "
    "FOR EACH STATEMENT EXECUTE FUNCTION core_auditentry_append_only();",
    "REVOKE UPDATE, DELETE, TRUNCATE ON core_auditentry FROM PUBLIC;",
]
POSTGRESQL_REMOVE = [
    "DROP TRIGGER IF EXISTS core_auditentry_no_truncate ON core_auditentry;",
    "DROP TRIGGER IF EXISTS core_auditentry_no_update_delete ON core_auditentry;",
    "DROP FUNCTION IF EXISTS core_auditentry_append_only();",
    # PUBLIC holds no privileges on a new table, so there is nothing to grant back.
]


def _run(schema_editor, statements):
    for sql in statements:
        schema_editor.execute(sql, params=None)


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, {"sqlite": SQLITE_INSTALL, "postgresql": POSTGRESQL_INSTALL}.get(vendor, []))


def remove(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, {"sqlite": SQLITE_REMOVE, "postgresql": POSTGRESQL_REMOVE}.get(vendor, []))


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0004_audit_chain"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditentry",
            name="sequence",
            field=models.PositiveBigIntegerField(editable=False, unique=True),
        ),
        migrations.RunPython(install, remove),
    ]
