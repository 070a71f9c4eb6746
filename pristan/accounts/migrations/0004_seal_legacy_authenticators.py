"""Seal the authenticators that django-otp's TOTP plugin kept in clear, then drop its table.

Until now every TOTP secret sat in hex in ``otp_totp_totpdevice.key``: a copy or a backup of the
case database held every second factor. Each secret moves to ``accounts.Authenticator``, sealed
under a data key of its own in the key store (created here, wrapped under the active master key),
with its drift, last accepted step and throttling; the sessions of the old devices must pass the
second step again. The old table is then dropped, and with it the record of its migrations (so
that the plugin, were it ever installed again, would make an empty table). On SQLite the dropped
pages are overwritten (``secure_delete``); on PostgreSQL DROP TABLE removes the table's files.

Batches of ``BATCH`` rows, in the migration's transaction: if it fails, the case database is as
it was (the keys already made in the key store are orphans that open nothing). A database made
without the plugin's table (a new installation) has nothing to seal. Not reversible: going back
would write every secret in clear again. Restore a backup taken before it instead.
"""

import uuid
from collections.abc import Iterator
from typing import Any

from django.db import connections, migrations
from django.db.migrations.exceptions import IrreversibleError
from django.db.migrations.recorder import MigrationRecorder

LEGACY_TABLE = "otp_totp_totpdevice"
LEGACY_APP = "otp_totp"
BATCH = 500
AAD = b"accounts.authenticator.secret"  # as SealedTextField binds Authenticator.secret
COLUMNS = (
    "id", "user_id", "name", "confirmed", "key", "step", "t0", "digits", "tolerance", "drift", "last_t",
    "throttling_failure_timestamp", "throttling_failure_count", "last_used_at",
)  # fmt: skip


def _legacy_batches(connection: Any) -> "Iterator[list[dict[str, Any]]]":
    """The old table's rows, ``BATCH`` at a time, by id."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        present = {column.name for column in connection.introspection.get_table_description(cursor, LEGACY_TABLE)}
    wanted = [column for column in COLUMNS if column in present]  # the last columns came in later versions
    last_id = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {', '.join(map(quote, wanted))} FROM {quote(LEGACY_TABLE)} WHERE id > %s ORDER BY id LIMIT %s",  # noqa: S608
                [last_id, BATCH],
            )
            batch = [dict(zip(wanted, row, strict=True)) for row in cursor.fetchall()]
        if not batch:
            return
        yield batch
        last_id = batch[-1]["id"]


def seal_legacy_authenticators(apps: Any, schema_editor: Any) -> None:
    from pristan.core import crypto
    from pristan.core.sealed import Sealed
    from pristan.keystore.router import KEYS_DB
    from pristan.keystore.services import keyring

    connection = schema_editor.connection
    if LEGACY_TABLE not in connection.introspection.table_names():
        return
    authenticator = apps.get_model("accounts", "Authenticator")
    data_key = apps.get_model("keystore", "DataKey")
    ring = None
    for batch in _legacy_batches(connection):
        if ring is None:
            if data_key._meta.db_table not in connections[KEYS_DB].introspection.table_names():
                raise RuntimeError(
                    "The key store has no table for data keys yet: run `pristan migrate --database keys` first, then "
                    "`pristan migrate` again."
                )
            ring = keyring()
        keys, devices = [], []
        for row in batch:
            key_id, key = uuid.uuid4(), crypto.new_data_key()
            master_id, wrapped = crypto.wrap(ring, key_id, key)
            keys.append(data_key(id=key_id, master_key_id=master_id, wrapped=wrapped))
            secret = bytes.fromhex(row["key"]).hex()  # refuses anything that is not hex
            device = authenticator(
                key_id=key_id, secret=Sealed(crypto.seal(key_id, key, secret.encode(), AAD)),
                **{column: row[column] for column in row if column not in {"id", "key"}},
            )  # fmt: skip
            devices.append(device)
        data_key.objects.using(KEYS_DB).bulk_create(keys)
        authenticator.objects.using(connection.alias).bulk_create(devices)

    quote = connection.ops.quote_name
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA secure_delete = ON")  # the dropped pages are zeroed, not left in the file
    schema_editor.execute(f"DROP TABLE {quote(LEGACY_TABLE)}")
    MigrationRecorder(connection).migration_qs.filter(app=LEGACY_APP).delete()


def refuse_to_unseal(apps: Any, schema_editor: Any) -> None:
    raise IrreversibleError(
        "accounts.0004 sealed every authenticator's secret and dropped django-otp's table of secrets in clear; "
        "going back would write them in clear again. Restore a backup taken before this migration instead."
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_authenticator"),
        ("keystore", "0001_initial"),
    ]

    operations = [migrations.RunPython(seal_legacy_authenticators, refuse_to_unseal)]
