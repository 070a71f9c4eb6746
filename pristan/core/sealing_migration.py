"""Migration operations that move plain columns to sealed ones, sealing the values already there.

For each field: add the sealed column beside the plain one, seal every row's value under the
data key of its person (found through ``key_path``), drop the plain column and give the sealed
one its name. The key store must be migrated first (``pristan migrate --database keys``).
"""

from collections.abc import Callable
from datetime import date
from typing import Any

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from pristan.core import crypto

BATCH = 500


def _as_text(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _sealer(app_label: str, model_name: str, names: list[str], key_path: str) -> Callable[..., None]:
    label = f"{app_label}.{model_name.lower()}"

    def seal_rows(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        from pristan.keystore.services import data_key, key_scope

        model = apps.get_model(app_label, model_name)
        rows = model.objects.using(schema_editor.connection.alias).values_list("pk", key_path, *names)
        with key_scope():
            for pk, key_id, *values in rows.iterator(chunk_size=BATCH):
                key = data_key(key_id)
                if key is None:
                    raise crypto.SealError(f"{label} {pk}: its data key {key_id} is missing from the key store.")
                sealed = {
                    f"sealed_{name}": crypto.seal(key_id, key, _as_text(value).encode(), f"{label}.{name}".encode())
                    for name, value in zip(names, values, strict=True)
                    if value not in ("", None)
                }
                if sealed:
                    model.objects.using(schema_editor.connection.alias).filter(pk=pk).update(**sealed)

    return seal_rows


def seal_columns(app_label: str, model_name: str, fields: dict[str, models.Field[Any, Any]], key_path: str) -> list[Any]:
    """The operations that turn the plain ``fields`` of a model into the sealed fields given."""
    operations: list[Any] = [migrations.AddField(model_name, f"sealed_{name}", field.clone()) for name, field in fields.items()]
    operations.append(migrations.RunPython(_sealer(app_label, model_name, list(fields), key_path)))
    for name, field in fields.items():
        operations += [
            migrations.RemoveField(model_name, name),
            migrations.RenameField(model_name, f"sealed_{name}", name),
            migrations.AlterField(model_name, name, field.clone()),
        ]
    return operations
