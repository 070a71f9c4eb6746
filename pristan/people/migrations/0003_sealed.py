"""Identifying values sealed under each person's data key (core/sealed.py)."""

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models

import pristan.core.sealed
from pristan.core.sealing_migration import seal_columns


def create_data_keys(apps, schema_editor):
    from pristan.keystore.services import create_data_key

    Person = apps.get_model("people", "Person")
    for person in Person.objects.using(schema_editor.connection.alias).filter(key_id=None).only("pk").iterator():
        Person.objects.using(schema_editor.connection.alias).filter(pk=person.pk).update(key_id=create_data_key())


def index_names(apps, schema_editor):
    from pristan.core.blind_index import name_hashes
    from pristan.keystore.services import key_scope, keyring

    alias = schema_editor.connection.alias
    Person, NameToken = apps.get_model("people", "Person"), apps.get_model("people", "NameToken")
    with key_scope():
        for person in Person.objects.using(alias).iterator(chunk_size=500):
            names = (person.given_name, person.family_name, person.other_names, person.aliases)
            NameToken.objects.using(alias).bulk_create(
                NameToken(person_id=person.pk, token=token) for token in name_hashes(keyring(), *names)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0002_names_as_text"),
    ]

    operations = [
        migrations.AddField(
            model_name="person", name="key_id", field=models.UUIDField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="person", name="erased_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="erased on"),
        ),
        migrations.RunPython(create_data_keys, elidable=False),
        *seal_columns(
        "people", "Person",
        {
            'given_name': pristan.core.sealed.SealedTextField(default='', editable=True, max_length=150, verbose_name='given name'),
            'family_name': pristan.core.sealed.SealedTextField(blank=True, default='', editable=True, max_length=150, verbose_name='family name'),
            'other_names': pristan.core.sealed.SealedTextField(blank=True, default='', editable=True, max_length=300, verbose_name='other names'),
            'aliases': pristan.core.sealed.SealedTextField(blank=True, default='', editable=True, max_length=300, verbose_name='aliases'),
            'name_latin': pristan.core.sealed.SealedTextField(blank=True, default='', verbose_name='name in Latin script'),
            'date_of_birth': pristan.core.sealed.SealedDateField(blank=True, editable=True, null=True, verbose_name='date of birth'),
            'phone': pristan.core.sealed.SealedTextField(blank=True, default='', editable=True, max_length=50, verbose_name='phone'),
            'email': pristan.core.sealed.SealedTextField(blank=True, default='', editable=True, max_length=254, validators=[django.core.validators.EmailValidator()], verbose_name='email'),
            'city': pristan.core.sealed.SealedTextField(blank=True, default='', editable=True, max_length=100, verbose_name='city'),
            'guardian_name': pristan.core.sealed.SealedTextField(blank=True, default='', editable=True, max_length=300, verbose_name='guardian'),
            'guardian_contact': pristan.core.sealed.SealedTextField(blank=True, default='', editable=True, max_length=200, verbose_name="guardian's contact"),
        },
        "key_id",
    ),
        *seal_columns(
        "people", "IdentityDocument",
        {
            'number': pristan.core.sealed.SealedTextField(default='', editable=True, max_length=100, verbose_name='number'),
        },
        "person__key_id",
    ),
        migrations.RemoveField(model_name="person", name="search_key"),
        migrations.CreateModel(
            name="NameToken",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("token", models.BigIntegerField()),
                ("person", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="name_tokens", to="people.person")),
            ],
            options={"indexes": [models.Index(fields=["token", "person"], name="people_nametoken_token")]},
        ),
        migrations.RunPython(index_names, elidable=False),
    ]
