"""The audit hash chain: sequence, prev_hash and hash on every entry, where it came from (ip),
and the one-row chain head. Existing entries are chained in the order they were written."""

from django.db import migrations, models

GENESIS_HASH = "0" * 64
BATCH = 2000


def chain_existing_entries(apps, schema_editor):
    # The hash is computed by the application's own function, with the secret key of this
    # installation, so that `pristan audit verify` accepts the entries written before the chain.
    from pristan.core.audit import HASHED_FIELDS, entry_hash

    AuditEntry = apps.get_model("core", "AuditEntry")
    AuditChainHead = apps.get_model("core", "AuditChainHead")
    db = schema_editor.connection.alias
    entries = AuditEntry.objects.using(db)
    sequence, prev_hash, last_id = 0, GENESIS_HASH, 0
    while True:
        batch = list(entries.filter(id__gt=last_id).order_by("id")[:BATCH])
        if not batch:
            break
        for entry in batch:
            sequence += 1
            entry.sequence, entry.prev_hash = sequence, prev_hash
            entry.hash = prev_hash = entry_hash({name: getattr(entry, name) for name in HASHED_FIELDS})
        entries.bulk_update(batch, ["sequence", "prev_hash", "hash"])
        last_id = batch[-1].id
    AuditChainHead.objects.using(db).update_or_create(pk=1, defaults={"sequence": sequence, "hash": prev_hash})


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0003_roles_scopes_partners"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditentry",
            name="at",
            field=models.DateTimeField(db_index=True, verbose_name="when"),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="ip",
            field=models.GenericIPAddressField(blank=True, null=True, verbose_name="from where"),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="sequence",
            field=models.PositiveBigIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="prev_hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditentry",
            name="hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                ("id", models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                ("sequence", models.PositiveBigIntegerField(default=0)),
                ("hash", models.CharField(default=GENESIS_HASH, max_length=64)),
            ],
            options={
                "constraints": [models.CheckConstraint(condition=models.Q(("id", 1)), name="audit_chain_head_is_one_row")],
            },
        ),
        migrations.RunPython(chain_existing_entries, migrations.RunPython.noop),
    ]
