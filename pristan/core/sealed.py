"""Model fields whose values are stored sealed (AES-GCM) under the data key of their person.

On the instance a sealed field holds plain text (or a date) like any other field; in the
database it holds only the sealed bytes (see crypto.py for the format). Values are sealed when
saved (``pre_save``) with the key named by the instance's ``sealing_key_id()``, and opened
lazily the first time they are read, with keys cached for one request or command (see
keystore.services). A value read but not changed is written back exactly as it was.

Sealed columns cannot be filtered or ordered on: name search goes through the keyed blind
index (people.models.NameToken). ``values()`` and ``values_list()`` return the sealed bytes,
never the plain text. When the data key is gone (the person was erased) text reads as "" and
dates as None.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, ClassVar, Protocol
from uuid import UUID

from django import forms
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.query_utils import DeferredAttribute

from pristan.core import crypto

__all__ = ["Sealed", "SealedDateField", "SealedTextField", "sealed_key_ids"]


class SealedOwner(Protocol):
    def sealing_key_id(self) -> UUID: ...


class Sealed(bytes):
    """A sealed value as read from the database, not opened yet."""

    def __repr__(self) -> str:
        return f"<sealed {len(self)} bytes>"


class SealedAttribute(DeferredAttribute):
    """A data descriptor (it has ``__set__``), so reads always pass through it and are opened."""

    field: _SealedField

    def __set__(self, instance: Any, value: Any) -> None:
        instance.__dict__[self.field.attname] = value

    def __get__(self, instance: Any, cls: type | None = None) -> Any:
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if isinstance(value, Sealed):
            value = self.field.open(value)
            instance.__dict__[self.field.attname] = value
        return value


class _SealedField(models.BinaryField):  # type: ignore[type-arg]
    descriptor_class = SealedAttribute
    empty: ClassVar[Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("editable", True)
        super().__init__(*args, **kwargs)

    @property
    def aad(self) -> bytes:
        return f"{self.model._meta.label_lower}.{self.name}".encode()

    def to_text(self, value: Any) -> str:
        """The plain value as the text that is sealed (text by default; dates say otherwise)."""
        return str(value)

    def from_text(self, text: str) -> Any:
        return text

    def from_db_value(self, value: Any, expression: Any, connection: BaseDatabaseWrapper) -> Any:
        blob = b"" if value is None else bytes(value)
        return Sealed(blob) if blob else self.empty

    def open(self, blob: bytes) -> Any:
        from pristan.keystore.services import data_key

        key = data_key(crypto.blob_key_id(blob))
        if key is None:  # erased
            return self.empty
        return self.from_text(crypto.open_blob(blob, key, self.aad).decode())

    def seal(self, instance: SealedOwner, value: Any) -> bytes:
        from pristan.keystore.services import data_key

        if value is None or value == "":
            return b""
        key_id = instance.sealing_key_id()
        key = data_key(key_id)
        if key is None:
            raise crypto.SealError(f"The data key {key_id} was destroyed: nothing more can be written for this person.")
        return crypto.seal(key_id, key, self.to_text(value).encode(), self.aad)

    def pre_save(self, model_instance: Any, add: bool) -> Any:
        current = model_instance.__dict__.get(self.attname)
        if isinstance(current, Sealed):  # read from the database and not changed since
            return bytes(current)
        return self.seal(model_instance, getattr(model_instance, self.attname))

    def _check_str_default_value(self) -> list[Any]:
        return []  # the default is plain text ("" for text); it is sealed like any value

    def get_prep_value(self, value: Any) -> Any:
        if value == "":  # an empty value is stored empty (a column default, a search for blanks)
            return b""
        if value is not None and not isinstance(value, bytes | memoryview):
            raise TypeError(f"{self.model._meta.label}.{self.name} is sealed: it cannot be compared or searched.")
        return value

    def to_python(self, value: Any) -> Any:
        return value

    def value_to_string(self, obj: Any) -> str:
        return self.to_text(self.value_from_object(obj))


class SealedTextField(_SealedField):
    """Sealed text; ``max_length`` limits the plain text."""

    empty = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Any:
        return "" if value is None else str(value)

    def formfield(self, **kwargs: Any) -> Any:
        return forms.CharField(label=self.verbose_name, max_length=self.max_length, required=not self.blank, **kwargs)


class SealedDateField(_SealedField):
    empty = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("null", True)
        super().__init__(*args, **kwargs)

    def to_text(self, value: Any) -> str:
        return value.isoformat() if isinstance(value, date) else str(value)

    def from_text(self, text: str) -> date:
        return date.fromisoformat(text)

    def to_python(self, value: Any) -> Any:
        return models.DateField().to_python(value)

    def formfield(self, **kwargs: Any) -> Any:
        return forms.DateField(label=self.verbose_name, required=not self.blank, **kwargs)


def sealed_key_ids(instances: Iterable[models.Model]) -> set[UUID]:
    """The data keys that the unopened sealed values of ``instances``, and of the objects loaded
    with them by ``select_related``, need (for keystore.services.preload)."""
    key_ids: set[UUID] = set()
    seen: set[int] = set()
    stack: list[models.Model | None] = list(instances)
    while stack:
        instance = stack.pop()
        if instance is None or id(instance) in seen:
            continue
        seen.add(id(instance))
        key_ids.update(crypto.blob_key_id(value) for value in instance.__dict__.values() if isinstance(value, Sealed))
        stack.extend(instance._state.fields_cache.values())
    return key_ids
