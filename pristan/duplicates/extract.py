"""Opening every person for the scan: Person rows and their documents read in batches, their data
keys preloaded in one query per batch (keystore.services.preload), and their compared values
turned into matching's in-memory Arrow table. Nothing is written anywhere: the plaintext lives in
this process's memory for the length of the scan."""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa  # type: ignore[import-untyped]

from pristan.duplicates.keys import persons_opened
from pristan.duplicates.matching import records_table
from pristan.duplicates.types import PersonData
from pristan.people.models import Person

__all__ = ["BATCH", "open_persons", "opened_persons"]

BATCH = 10_000
# Only what is compared is read; the other sealed columns stay unopened.
_COMPARED = (
    "id", "key_id", "given_name", "family_name", "other_names", "aliases", "date_of_birth", "date_of_birth_estimated",
    "gender", "citizenships",
)  # fmt: skip


def opened_persons(*, batch: int = BATCH) -> Iterator[tuple[int, PersonData]]:
    """Every person who may be proposed (neither erased nor merged into another), opened, in id
    order (call inside a key scope)."""
    last = 0
    live = Person.objects.filter(erased_at__isnull=True, merged_into__isnull=True).only(*_COMPARED).order_by("pk")
    while True:
        persons = list(live.filter(pk__gt=last)[:batch])
        if not persons:
            return
        last = persons[-1].pk
        for person, data in persons_opened(persons):
            yield person.pk, data


def open_persons(*, batch: int = BATCH) -> pa.Table:
    """Everyone who may be proposed, as matching's Arrow table (call inside a key scope)."""
    return records_table(opened_persons(batch=batch))
