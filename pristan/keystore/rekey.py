"""Sealing stored values again under another data key (a merge moves a person's records under the
data key of the person they were merged into; unmerge moves them back under a new key of their own).

A model's `pre_save` writes back a sealed value read and not changed exactly as it was, under the
key it was sealed with, so saving the rows would change nothing: here each blob is read as stored,
opened with the key it names (`crypto.blob_key_id`), sealed again under the new key with the same
associated data (`_SealedField.aad`: the model and column), and the new bytes written directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from django.db import models

from pristan.core import crypto
from pristan.core.sealed import _SealedField
from pristan.keystore.services import data_key, preload

BATCH = 500  # rows written by one UPDATE


def _key(key_id: UUID) -> bytes:
    key = data_key(key_id)
    if key is None:
        raise crypto.SealError(f"The data key {key_id} was destroyed: its values cannot be sealed again.")
    return key


def reseal(*, rows: models.QuerySet[Any], columns: Sequence[str], key_id: UUID) -> int:
    """Seal every non-empty value of `columns` of `rows` again under the data key `key_id`; how
    many rows were written. One read, and one UPDATE per `BATCH` rows, however many keys the values
    were sealed with (they are fetched together, when a key scope is open)."""
    model = rows.model
    fields = [field for field in (model._meta.get_field(name) for name in columns) if isinstance(field, _SealedField)]
    if len(fields) != len(columns):
        raise ValueError(f"{model._meta.label}: not every one of {list(columns)} is a sealed column.")
    stored = list(rows.order_by("pk").values_list("pk", *columns))
    blobs = [bytes(value) for row in stored for value in row[1:] if value]
    preload({key_id, *(crypto.blob_key_id(blob) for blob in blobs)})
    new_key = _key(key_id)
    changed: list[models.Model] = []
    for pk, *values in stored:
        instance = model(pk=pk)
        written = False
        for field, value in zip(fields, values, strict=True):
            if not value:  # empty stays empty (every column of the row is written)
                instance.__dict__[field.attname] = field.get_prep_value(field.empty) if field.empty == "" else None
                continue
            blob = bytes(value)
            plaintext = crypto.open_blob(blob, _key(crypto.blob_key_id(blob)), field.aad)
            # Plain bytes, not `Sealed`: the attribute's descriptor would open a `Sealed` value.
            instance.__dict__[field.attname] = crypto.seal(key_id, new_key, plaintext, field.aad)
            written = True
        if written:
            changed.append(instance)
    for start in range(0, len(changed), BATCH):
        model._default_manager.bulk_update(changed[start : start + BATCH], [field.name for field in fields])
    return len(changed)
