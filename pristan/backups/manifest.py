"""The manifest of a backup: what each part is, and how to know it is the file that was written.

`manifest.json` names Pristan's version, the time, and for each part (the case database, the key
store) its file, engine and server version, the tool that made it, the migrations applied, its size
and SHA-256. It is signed with an HMAC keyed from the secret key (as the audit trail is), so that a
manifest rewritten to match altered parts is refused too.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from pristan.backups.errors import BackupError

FORMAT = "pristan-backup/1"
MANIFEST = "manifest.json"
MAX_MANIFEST_BYTES = 1024 * 1024  # a real one is a few kilobytes
SIGNATURE_SALT = "pristan.backups.manifest.v1"


@dataclass(frozen=True)
class Part:
    file: str
    engine: str
    server_version: str
    tool: str  # what made it: "sqlite 3.40.1" (the backup API), "pg_dump 15.18"
    migrations: dict[str, list[str]]
    size: int
    sha256: str
    sealed_with: str | None = None  # the id of the backup key that seals it (the key store's part)


@dataclass(frozen=True)
class Manifest:
    backup_id: str
    created_at: str
    pristan_version: str
    cases: Part
    keys: Part

    def payload(self) -> dict[str, Any]:
        return {"format": FORMAT, **asdict(self)}


def _signature(payload: dict[str, Any], secret: str | bytes) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return salted_hmac(SIGNATURE_SALT, canonical, secret=secret, algorithm="sha256").hexdigest()


def file_digest(path: Path) -> tuple[int, str]:
    """Size and SHA-256 of a file, read a chunk at a time."""
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def manifest_write(directory: Path, manifest: Manifest) -> None:
    """Written last, and whole (a temporary file renamed): a directory with a manifest is a backup."""
    payload = manifest.payload()
    text = json.dumps({**payload, "signature": _signature(payload, settings.SECRET_KEY)}, indent=2, ensure_ascii=False)
    temporary = directory / f".{MANIFEST}.new"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text + "\n")
    temporary.replace(directory / MANIFEST)


def manifest_read(directory: Path) -> Manifest:
    path = directory / MANIFEST
    names = {"file": path}
    try:
        if path.stat().st_size > MAX_MANIFEST_BYTES:  # not read whole into memory: no manifest is this large
            raise BackupError(_("%(file)s is not the manifest of a Pristan backup this version can read.") % names)
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(_("%(file)s does not exist: this is not a Pristan backup, or not a whole one.") % names) from None
    except (OSError, ValueError) as error:
        raise BackupError(_("%(file)s cannot be read: %(error)s") % {**names, "error": error}) from None
    except RecursionError:  # lists or objects nested thousands deep: json.loads recurses once per level
        raise BackupError(_("%(file)s is not the manifest of a Pristan backup this version can read.") % names) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BackupError(_("%(file)s is not the manifest of a Pristan backup this version can read.") % names)
    signature = str(data.pop("signature", ""))
    secrets = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    if not any(hmac.compare_digest(_signature(data, secret), signature) for secret in secrets):
        raise BackupError(
            _(
                "%(file)s was altered, or written by a Pristan with another secret key: its signature does not match. "
                "Nothing was restored."
            )
            % names
        )
    try:
        return Manifest(
            backup_id=data["backup_id"],
            created_at=data["created_at"],
            pristan_version=data["pristan_version"],
            cases=Part(**data["cases"]),
            keys=Part(**data["keys"]),
        )
    except (KeyError, TypeError):
        raise BackupError(_("%(file)s is not the manifest of a Pristan backup this version can read.") % names) from None


def part_verify(directory: Path, part: Part) -> Path:
    """The part's file, once its size and SHA-256 are those the manifest records."""
    path = directory / Path(part.file).name
    names = {"file": path}
    if not path.is_file():
        raise BackupError(_("%(file)s, which the manifest lists, is missing.") % names)
    size, sha256 = file_digest(path)
    if size != part.size:
        raise BackupError(
            _("%(file)s holds %(size)d bytes, but the manifest records %(expected)d: it was altered or cut short.")
            % {**names, "size": size, "expected": part.size}
        )
    if not hmac.compare_digest(sha256, part.sha256):
        raise BackupError(_("The SHA-256 of %(file)s is not the one the manifest records: the file was altered.") % names)
    return path
