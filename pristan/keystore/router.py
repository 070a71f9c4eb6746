"""Send the key store to its own database, and nothing else there."""

from typing import Any

from django.db.models import Model

KEYS_DB = "keys"
APP_LABEL = "keystore"


class KeystoreRouter:
    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        return KEYS_DB if model._meta.app_label == APP_LABEL else None

    def db_for_write(self, model: type[Model], **hints: Any) -> str | None:
        return KEYS_DB if model._meta.app_label == APP_LABEL else None

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        return None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return (db == KEYS_DB) == (app_label == APP_LABEL)
