# Name search asks, for each case it walks in the list's order, whether the person has one of a
# word's tokens: an index on (person, token) answers from the index alone. It replaces the foreign
# key's own index on person, dropped here without touching the foreign key's constraint (on a
# large table, re-adding the constraint would check every token again).

import django.db.models.deletion
from django.db import migrations, models


def _drop_person_index(apps, schema_editor):  # type: ignore[no-untyped-def]
    model = apps.get_model("people", "NameToken")
    table = model._meta.db_table
    with schema_editor.connection.cursor() as cursor:
        constraints = schema_editor.connection.introspection.get_constraints(cursor, table)
    for name, details in constraints.items():
        if details["index"] and details["columns"] == ["person_id"] and not (details["primary_key"] or details["unique"]):
            schema_editor.execute(schema_editor._delete_index_sql(model, name))


def _add_person_index(apps, schema_editor):  # type: ignore[no-untyped-def]
    model = apps.get_model("people", "NameToken")
    schema_editor.execute(schema_editor._create_index_sql(model, fields=[model._meta.get_field("person")]))


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0003_sealed"),
    ]

    operations = [
        migrations.AddIndex(  # the new index first: name search never goes without one
            model_name="nametoken",
            index=models.Index(fields=["person", "token"], name="people_nametoken_person"),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="nametoken",
                    name="person",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="name_tokens",
                        to="people.person",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(_drop_person_index, _add_person_index)],
        ),
    ]
