"""Reads are written unchained first and chained soon after (pristan.core.audit, "the intake"):
`sequence` may be NULL until an entry is chained, a partial index finds the entries not yet
chained, and the append-only guard is installed again to let through the one update that chains
an entry (on SQLite, altering the field rebuilds the table and drops the triggers anyway).
"""

from django.db import migrations, models

from pristan.core import audit


def guard(apps, schema_editor):
    audit.install_append_only_guard(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0009_office_time_zone"),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, guard),  # reversed last: after the table is rebuilt
        migrations.AlterField(
            model_name="auditentry",
            name="sequence",
            field=models.PositiveBigIntegerField(editable=False, null=True, unique=True),
        ),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(condition=models.Q(("sequence__isnull", True)), fields=["id"], name="audit_unchained"),
        ),
        migrations.RunPython(guard, migrations.RunPython.noop),
    ]
