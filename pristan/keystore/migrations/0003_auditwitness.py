"""The audit chain's witness (pristan.core.audit_witness): the case database's chain head, recorded
in the key store's database, which the case database's users do not hold. Append-only."""

from django.db import migrations, models

from pristan.core import audit_witness


def guard(apps, schema_editor):
    audit_witness.install_witness_guard(schema_editor.connection)


def unguard(apps, schema_editor):
    audit_witness.remove_witness_guard(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("keystore", "0002_datakey_provisional"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditWitness",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(choices=[("head", "Head"), ("restore", "Restore")], default="head", max_length=10),
                ),
                ("sequence", models.PositiveBigIntegerField()),
                ("hash", models.CharField(max_length=64)),
                ("at", models.DateTimeField()),
            ],
            options={
                "db_table": "keystore_auditwitness",
            },
        ),
        migrations.RunPython(guard, unguard),
    ]
