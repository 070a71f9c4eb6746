"""Writing the audit trail. Every service that changes a record calls `audit_record` inside
its own transaction, so the change and its entry are committed together or not at all."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.apps import apps
from django.contrib.auth.models import AnonymousUser, User
from django.db import models, transaction

from pristan.core.models import AuditEntry, Office


def audit_record(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    obj: models.Model,
    case: Any = None,
    office: Office | None = None,
    fields: Iterable[str] = (),
    detail: str = "",
) -> AuditEntry:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the change it records.")
    meta = obj._meta
    return AuditEntry.objects.create(
        actor=actor if isinstance(actor, User) else None,
        action=action,
        object_type=f"{meta.app_label}.{meta.model_name}",
        object_id=str(obj.pk),
        case=case,
        office=office if office is not None else getattr(case, "office", None),
        fields=sorted(fields),
        detail=detail,
    )


def apply_changes(instance: models.Model, data: Mapping[str, Any]) -> list[str]:
    """Set the given attributes and return the names of those whose value really changed."""
    changed = []
    for name, value in data.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    return changed


def object_type_label(object_type: str) -> str:
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return object_type
    return str(model._meta.verbose_name)
