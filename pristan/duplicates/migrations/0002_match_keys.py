"""The match keys of the persons registered before duplicate finding (duplicates/keys.py), written
as `keys_rebuild` writes them: batch by batch, the names opened in memory inside a key scope. The
key store must be migrated first (``pristan migrate --database keys``)."""

from typing import Any

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

BATCH = 1000


def build_match_keys(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    from pristan.duplicates.keys import KeyMaker, data_of
    from pristan.keystore.services import key_scope, keyring, preload

    db = schema_editor.connection.alias
    person_model = apps.get_model("people", "Person")
    document_model = apps.get_model("people", "IdentityDocument")
    match_key_model = apps.get_model("duplicates", "MatchKey")
    live = person_model.objects.using(db).filter(erased_at__isnull=True, merged_into__isnull=True).order_by("pk")
    if not live.exists():  # a new installation: nothing to open, and no keyring needed
        return
    maker, last = KeyMaker(keyring()), 0
    with key_scope():
        while True:
            persons = list(live.filter(pk__gt=last)[:BATCH])
            if not persons:
                return
            last = persons[-1].pk
            preload({person.key_id for person in persons if person.key_id})  # documents seal under their person's key
            numbers: dict[int, list[Any]] = {}
            for person_id, number in document_model.objects.using(db).filter(person__in=persons).values_list("person", "number"):
                numbers.setdefault(person_id, []).append(number)
            match_key_model.objects.using(db).filter(person__in=persons).delete()
            match_key_model.objects.using(db).bulk_create(
                [
                    match_key_model(person_id=person.pk, key=key)
                    for person in persons
                    for key in maker.of(data_of(person, [_opened(document_model, number) for number in numbers.get(person.pk, [])]))
                ],
                batch_size=BATCH,
            )


def _opened(document_model: Any, blob: Any) -> str:
    """values_list gives the sealed bytes, not the opened number: open it as the field would."""
    field = document_model._meta.get_field("number")
    return str(field.open(bytes(blob))) if blob else ""


class Migration(migrations.Migration):
    dependencies = [
        ("duplicates", "0001_initial"),
        ("people", "0005_merged_into"),
    ]

    operations = [migrations.RunPython(build_match_keys, migrations.RunPython.noop, elidable=True)]
