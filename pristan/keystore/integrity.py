"""Do the keyring, the key store and the case database belong together? Checked once at start.

A key file that is missing, garbage or another installation's, or a key store that is lost or
another one, leaves every person unreadable while Pristan seems to work. So:

* a key file is created by itself (the default profile) only while both databases are still
  empty (``databases_hold_sealed_data``), never beside data that an older key file sealed;
* what serves (the WSGI application: gunicorn under `pristan start`, `pristan runserver`) and
  `pristan worker` run ``keystore_verify`` once when they start, and stop with a message that
  says what is missing and what to do. `pristan migrate`, `keys`, `restore` and the tests do not,
  so that the keys can be put right. No request pays for it.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.translation import gettext as _

from pristan.core import crypto
from pristan.keystore.models import DataKey
from pristan.keystore.provisional import key_id_fields
from pristan.keystore.router import KEYS_DB

# How many of the newest persons' data keys are looked up in the key store. A key store that has
# none of them is lost or another one; one that lacks only some may be older than the case database
# (persons erased since its backup: `pristan restore` reports them) and is let through.
NEWEST_PERSONS = 20


def _database_name(alias: str) -> str:
    return str(settings.DATABASES[alias]["NAME"])


def _tables(alias: str) -> set[str]:
    connection = connections[alias]
    name = str(connection.settings_dict["NAME"])
    in_memory = name == ":memory:" or "mode=memory" in name
    if connection.vendor == "sqlite" and not in_memory and not Path(name).exists():
        return set()  # not made yet (opening it would make it, or fail where its directory is missing)
    return set(connection.introspection.table_names())


def databases_hold_sealed_data() -> bool:
    """True when the key store holds a data key or the case database a row that names one: then only the
    key file they were made with opens them. A database whose tables do not exist yet (before
    `pristan migrate`) holds nothing. One query per key-holding model; run only when the key file is missing."""
    if DataKey._meta.db_table in _tables(KEYS_DB) and DataKey.objects.using(KEYS_DB).exists():
        return True
    case_tables = _tables(DEFAULT_DB_ALIAS)
    return any(
        field.model._base_manager.using(DEFAULT_DB_ALIAS).filter(**{f"{field.name}__isnull": False}).exists()
        for field in key_id_fields()  # persons, uploads, export files, movements, authenticators …
        if field.model._meta.db_table in case_tables
    )


class KeyFileMissing(ImproperlyConfigured):
    """The key file is missing beside sealed data: the message says so, and what to do."""


def missing_key_file(key_file: str) -> KeyFileMissing:
    return KeyFileMissing(
        _(
            "The key file %(file)s is missing, and the databases already hold sealed data (case database %(cases)s, "
            "key store %(keys)s): a new key file would leave every person unreadable, so none was created. Restore the "
            "key file from its backup to %(file)s, or point PRISTAN_KEY_FILE at it (or set PRISTAN_MASTER_KEYS and "
            "PRISTAN_INDEX_KEY to its keys)."
        )
        % {"file": key_file, "cases": _database_name(DEFAULT_DB_ALIAS), "keys": _database_name(KEYS_DB)}
    )


def _keyring_source() -> str:
    if settings.PRISTAN_MASTER_KEYS or settings.PRISTAN_INDEX_KEY:
        return _("The keys in PRISTAN_MASTER_KEYS")
    return _("The key file %(file)s") % {"file": settings.PRISTAN_KEY_FILE}


def keystore_verify() -> None:
    """Raise ImproperlyConfigured, saying what is missing and what to do, unless the keyring opens the
    key store and the key store holds the keys of the case database's newest persons.

    Two small queries on each side: the newest data key is unwrapped (a wrong key file fails there),
    and the key ids of the newest persons are looked up (a lost or empty key store fails there).
    A key store whose table does not exist yet (not migrated) holds nothing to check.
    """
    from pristan.keystore.services import keyring
    from pristan.people.models import Person

    if DataKey._meta.db_table not in _tables(KEYS_DB):
        return  # not migrated yet: nothing sealed to open (`pristan start` refuses pending migrations)
    names = {"source": _keyring_source(), "keys": _database_name(KEYS_DB), "cases": _database_name(DEFAULT_DB_ALIAS)}
    try:
        ring = keyring()
    except KeyFileMissing:
        raise
    except ImproperlyConfigured as error:
        raise ImproperlyConfigured(
            _(
                "The keyring cannot be loaded: %(error)s Restore the key file from its backup, or point PRISTAN_KEY_FILE "
                "at the key file the key store %(keys)s was made with."
            )
            % {**names, "error": error}
        ) from None
    newest = DataKey.objects.using(KEYS_DB).order_by("-created_at", "-id").first()
    if newest is not None:
        try:
            crypto.unwrap(ring, newest.id, newest.master_key_id, bytes(newest.wrapped))
        except crypto.SealError:
            raise ImproperlyConfigured(
                _(
                    "%(source)s does not open the key store %(keys)s: its newest data key, wrapped under master key "
                    "%(master)s, does not unwrap with it. It is not the keyring this key store was made with. Restore "
                    "the key file from its backup, or point PRISTAN_KEY_FILE at the right one."
                )
                % {**names, "master": newest.master_key_id}
            ) from None
    wanted = {
        key_id
        for key_id in Person.objects.using(DEFAULT_DB_ALIAS)
        .filter(erased_at__isnull=True, key_id__isnull=False)
        .order_by("-created_at", "-pk")
        .values_list("key_id", flat=True)[:NEWEST_PERSONS]
        if key_id is not None
    }
    if wanted and not DataKey.objects.using(KEYS_DB).filter(id__in=wanted).exists():
        if newest is None:
            message = _(
                "The key store %(keys)s is empty, while the case database %(cases)s holds persons sealed with its keys: "
                "it is lost, or not this case database's key store. Restore the key store from its backup (`pristan "
                "restore`, README: Backups and restore), or point PRISTAN_KEYS_DATABASE_URL at it."
            )
        else:
            message = _(
                "The key store %(keys)s holds none of the data keys of the newest persons of the case database "
                "%(cases)s: it is lost, or not this case database's key store. Restore the key store from its backup "
                "(`pristan restore`, README: Backups and restore), or point PRISTAN_KEYS_DATABASE_URL at it."
            )
        raise ImproperlyConfigured(message % names)
