"""The backup key: it seals the key store's part of every backup (AES-256-GCM, core/sealed_file.py).

It is never a master key. From PRISTAN_BACKUP_KEY (or PRISTAN_BACKUP_KEY_FILE), else from the
key file's `backup` entry, which `pristan keys init` writes. Its id, a keyed digest, is written in
the manifest and in the sealed part, so that a restore with the wrong key says so.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from django.conf import settings
from django.utils.translation import gettext as _

from pristan.backups.errors import BackupError
from pristan.core import crypto
from pristan.keystore.services import keyring

_KEY_BYTES = 32


@dataclass(frozen=True)
class BackupKey:
    key: bytes

    @property
    def id(self) -> UUID:
        return UUID(bytes=hmac.new(self.key, b"pristan-backup-key-id", hashlib.sha256).digest()[:16])


def _decoded(text: str, source: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != _KEY_BYTES:
        raise BackupError(_("The backup key in %(source)s must be 32 bytes in base64.") % {"source": source})
    return key


def backup_key(*, key_file: Path | None = None) -> BackupKey:
    """The backup key: from `key_file` when given (a key from an earlier period), else as configured."""
    if key_file is not None:
        try:
            text = key_file.read_text(encoding="utf-8")
        except OSError as error:
            names = {"file": key_file, "error": error}
            raise BackupError(_("The backup key file %(file)s cannot be read: %(error)s.") % names) from None
        key = _decoded(text, str(key_file))
    elif settings.PRISTAN_BACKUP_KEY:
        key = _decoded(settings.PRISTAN_BACKUP_KEY, "PRISTAN_BACKUP_KEY")
    else:
        try:
            found = crypto.backup_key_from_file(Path(settings.PRISTAN_KEY_FILE))
        except ValueError:
            found = None
        if found is None:
            raise BackupError(
                _(
                    "There is no backup key: set PRISTAN_BACKUP_KEY (or PRISTAN_BACKUP_KEY_FILE), "
                    "or run `pristan keys init` to add one to the key file."
                )
            )
        key = found
    ring = keyring()
    if key in ring.master_keys.values() or key == ring.index_key:
        raise BackupError(_("The backup key must be a key of its own, never a master key or the index key."))
    return BackupKey(key)
