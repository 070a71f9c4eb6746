"""Rebuild the blind index of names (NameToken) under the folding of issue 14 (names.MATCH_VERSION 3).

The blind index holds keyed hashes of folded names, and versions 2 and 3 fold names differently
(Bulgarian Й/Я/Ю as Unidecode and the national scheme write them, Macedonian Ѓ/Ќ apart from
Serbian Ђ/Ћ, a hyphenated or apostrophed name also as one): a hash made by the old folding finds
nothing the new one is asked for. Every person who is not erased gets the entries of the names
they carry, ``BATCH`` persons at a time in order of id: their names are opened in memory, inside a
key scope of their own with the batch's data keys fetched in one query, and the batch's old entries
are replaced in one transaction. Erased persons have no names left and no entries.

Not atomic as a whole: each batch commits on its own, so a large installation does not hold one
transaction over every token, and a run that stops is simply run again (each batch replaces its
range's entries, whatever was there). Going back rebuilds the entries again, with whatever folding
the code has then. The key store must be migrated first (``pristan migrate --database keys``).
"""

from typing import Any

from django.db import migrations, transaction

BATCH = 10_000  # persons a batch: their data keys are fetched in one query
INSERT_BATCH = 5_000  # tokens per INSERT
NAMES = ("given_name", "family_name", "other_names", "aliases")  # people.rules.NAME_FIELDS at 0006


def refold_names(apps: Any, schema_editor: Any) -> None:
    from pristan.core.blind_index import name_hashes
    from pristan.core.sealed import sealed_key_ids
    from pristan.keystore.services import key_scope, keyring, preload

    alias = schema_editor.connection.alias
    person_model, token_model = apps.get_model("people", "Person"), apps.get_model("people", "NameToken")
    persons = person_model.objects.using(alias).filter(erased_at=None).order_by("pk").only("pk", *NAMES)
    last = 0
    while True:
        batch = list(persons.filter(pk__gt=last)[:BATCH])
        if not batch:
            return
        with key_scope():
            preload(sealed_key_ids(batch))
            ring = keyring()
            entries = [
                (person.pk, token)
                for person in batch
                for token in name_hashes(ring, *(getattr(person, name) for name in NAMES))
            ]
        with transaction.atomic(using=alias):
            # A range of ids, not a list of them: one parameter pair whatever the batch's size, and
            # erased persons' stray entries in it go too.
            token_model.objects.using(alias).filter(person_id__gt=last, person_id__lte=batch[-1].pk).delete()
            for start in range(0, len(entries), INSERT_BATCH):  # model instances for one INSERT at a time
                token_model.objects.using(alias).bulk_create(
                    token_model(person_id=person_id, token=token) for person_id, token in entries[start : start + INSERT_BATCH]
                )
        last = batch[-1].pk


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("people", "0005_merged_into"),
    ]

    operations = [migrations.RunPython(refold_names, refold_names, elidable=False)]
