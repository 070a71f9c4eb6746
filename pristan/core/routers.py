"""The read replica (pristan/core/replica.py) is the primary's copy: never migrated, never written.

Only querysets that ask for it (`.using(reporting_db())`) read from it. An object read from it and
then saved, or set on another object being written, is written to the primary: without this router
Django would write an object back to the database it came from.
"""

from typing import Any

from django.db import DEFAULT_DB_ALIAS
from django.db.models import Model

from pristan.core.replica import REPLICA

SAME_DATA = {DEFAULT_DB_ALIAS, REPLICA}


class ReplicaRouter:
    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        return None

    def db_for_write(self, model: type[Model], **hints: Any) -> str | None:
        instance = hints.get("instance")
        if instance is not None and instance._state.db == REPLICA:
            return DEFAULT_DB_ALIAS
        return None

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        if {obj1._state.db, obj2._state.db} <= SAME_DATA:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool | None:
        return False if db == REPLICA else None
