"""Envelope encryption and keyed blind indexes: the primitives, without Django models.

Every person has a data key of their own (256-bit AES). Identifying values are sealed with
AES-GCM under that key; the data key itself is stored only *wrapped* (AES-GCM again) under a
master key that never touches the database. A sealed value names the data key it was sealed
with, so it can be opened without knowing which row or person it came from:

    version (1 byte) | data key id (16 bytes, a UUID) | nonce (12 bytes) | ciphertext and tag

The additional authenticated data binds each value to its column ("people.person.given_name"),
so a ciphertext copied into another column or table does not open.

The keyring holds the master keys by id (the first one wraps new keys, the others only unwrap,
which is what lets `pristan keys rotate` run while Pristan serves) and the blind-index key.
It comes from the environment (PRISTAN_MASTER_KEYS, PRISTAN_INDEX_KEY) or from a key file
(PRISTAN_KEY_FILE); see README "Keys".
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = [
    "VERSION",
    "Keyring",
    "SealError",
    "add_backup_key",
    "add_master_key",
    "backup_key_from_file",
    "blob_key_bytes",
    "blob_key_id",
    "index_hash",
    "keyring_from_sources",
    "new_data_key",
    "new_keyring_file",
    "new_master_key_line",
    "open_blob",
    "opener",
    "remove_master_key",
    "seal",
    "unwrap",
    "unwrapper",
    "wrap",
]

VERSION = 1
_HEADER = 1 + 16
_NONCE = 12
_KEY_BYTES = 32


class SealError(Exception):
    """A sealed value or a wrapped key that does not open: wrong key, altered bytes, bad format."""


@dataclass(frozen=True)
class Keyring:
    master_keys: dict[str, bytes]  # id → key; insertion order: the first is active
    index_key: bytes

    def __post_init__(self) -> None:
        if not self.master_keys:
            raise ValueError("A keyring needs at least one master key.")
        for key_id, key in self.master_keys.items():
            if len(key) != _KEY_BYTES:
                raise ValueError(f"Master key {key_id!r} must be 32 bytes, not {len(key)}.")
        if len(self.index_key) != _KEY_BYTES:
            raise ValueError(f"The index key must be 32 bytes, not {len(self.index_key)}.")

    @property
    def active_id(self) -> str:
        return next(iter(self.master_keys))


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


_WRAP_AAD = b"pristan-data-key:"


def _wrap_aad(data_key_id: UUID) -> bytes:
    return _WRAP_AAD + data_key_id.bytes


def wrap(keyring: Keyring, data_key_id: UUID, data_key: bytes) -> tuple[str, bytes]:
    """The data key wrapped under the active master key: (master key id, nonce + ciphertext)."""
    nonce = os.urandom(_NONCE)
    master_id = keyring.active_id
    return master_id, nonce + AESGCM(keyring.master_keys[master_id]).encrypt(nonce, data_key, _wrap_aad(data_key_id))


def unwrap(keyring: Keyring, data_key_id: UUID, master_id: str, wrapped: bytes) -> bytes:
    master = keyring.master_keys.get(master_id)
    if master is None:
        raise SealError(f"Master key {master_id!r} is not in the keyring.")
    try:
        return AESGCM(master).decrypt(wrapped[:_NONCE], wrapped[_NONCE:], _wrap_aad(data_key_id))
    except InvalidTag:
        raise SealError(f"Data key {data_key_id} does not open under master key {master_id!r}.") from None


def unwrapper(keyring: Keyring) -> Callable[[bytes, str, bytes], bytes]:
    """`unwrap` for many keys (a scan opening every person): each master key's cipher set up once,
    the data key id given as its 16 bytes."""
    ciphers = {master_id: AESGCM(master) for master_id, master in keyring.master_keys.items()}

    def unwrap_one(data_key_id: bytes, master_id: str, wrapped: bytes) -> bytes:
        cipher = ciphers.get(master_id)
        if cipher is None:
            raise SealError(f"Master key {master_id!r} is not in the keyring.")
        try:
            return cipher.decrypt(wrapped[:_NONCE], wrapped[_NONCE:], _WRAP_AAD + data_key_id)
        except InvalidTag:
            raise SealError(f"Data key {UUID(bytes=data_key_id)} does not open under master key {master_id!r}.") from None

    return unwrap_one


def seal(data_key_id: UUID, data_key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(_NONCE)
    return bytes([VERSION]) + data_key_id.bytes + nonce + AESGCM(data_key).encrypt(nonce, plaintext, aad)


def blob_key_id(blob: bytes) -> UUID:
    if len(blob) < _HEADER + _NONCE + 16 or blob[0] != VERSION:
        raise SealError("Not a sealed value.")
    return UUID(bytes=bytes(blob[1:_HEADER]))


def open_blob(blob: bytes, data_key: bytes, aad: bytes) -> bytes:
    body = blob[_HEADER:]
    try:
        return AESGCM(data_key).decrypt(body[:_NONCE], body[_NONCE:], aad)
    except InvalidTag:
        raise SealError("The sealed value was altered, moved or sealed with another key.") from None


def opener(data_key: bytes) -> Callable[[bytes, bytes], bytes]:
    """`open_blob` for many values sealed under one data key (a scan opening every person): the
    cipher is set up once. The blob's own key id is not checked: the caller found the key by it."""
    cipher = AESGCM(data_key)
    start, body = _HEADER, _HEADER + _NONCE

    def open_one(blob: bytes, aad: bytes) -> bytes:
        try:
            return cipher.decrypt(blob[start:body], blob[body:], aad)
        except InvalidTag:
            raise SealError("The sealed value was altered, moved or sealed with another key.") from None

    return open_one


def blob_key_bytes(blob: bytes) -> bytes:
    """The 16 bytes of the data key id a sealed value names (`blob_key_id` without the UUID)."""
    if len(blob) < _HEADER + _NONCE + 16 or blob[0] != VERSION:
        raise SealError("Not a sealed value.")
    return bytes(blob[1:_HEADER])


def index_hash(keyring: Keyring, kind: str, token: str) -> int:
    """A keyed blind-index entry: 64 bits of HMAC-SHA256, as a signed integer for a BIGINT column."""
    digest = hmac.new(keyring.index_key, f"{kind}:{token}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


# --- Where the keyring comes from --------------------------------------------------------------


def _decode_key(text: str, what: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except ValueError:
        raise ValueError(f"{what} is not valid base64.") from None
    if len(key) != _KEY_BYTES:
        raise ValueError(f"{what} must decode to 32 bytes, not {len(key)}.")
    return key


def _parse_master_keys(text: str) -> dict[str, bytes]:
    """``id:base64[,id:base64…]``, the first one active."""
    keys: dict[str, bytes] = {}
    for item in text.split(","):
        key_id, separator, encoded = item.strip().partition(":")
        if not separator or not key_id:
            raise ValueError("PRISTAN_MASTER_KEYS must read id:base64key[,id:base64key…].")
        keys[key_id] = _decode_key(encoded, f"Master key {key_id!r}")
    return keys


def keyring_from_sources(*, master_keys: str | None, index_key: str | None, key_file: Path) -> Keyring:
    """The keyring from the environment's values when given, else from the key file."""
    if master_keys or index_key:
        if not (master_keys and index_key):
            raise ValueError("Set both PRISTAN_MASTER_KEYS and PRISTAN_INDEX_KEY, or neither and use a key file.")
        return Keyring(_parse_master_keys(master_keys), _decode_key(index_key, "PRISTAN_INDEX_KEY"))
    try:
        data = tomllib.loads(key_file.read_text(encoding="utf-8"))
    except OSError as error:
        raise ValueError(f"The key file {key_file} cannot be read: {error}.") from None
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"The key file {key_file} is not valid TOML: {error}.") from None
    masters = data.get("master", {})
    active = data.get("active")
    if active not in masters:
        raise ValueError(f"The key file {key_file} names no active master key among its [master] keys.")
    ordered = {active: masters[active], **{k: v for k, v in masters.items() if k != active}}
    return Keyring(
        {key_id: _decode_key(encoded, f"Master key {key_id!r}") for key_id, encoded in ordered.items()},
        _decode_key(data.get("index", ""), "The index key"),
    )


def _encoded_key() -> str:
    return base64.b64encode(secrets.token_bytes(_KEY_BYTES)).decode()


def new_master_key_line(key_id: str) -> str:
    return f"{key_id}:{_encoded_key()}"


def new_keyring_file(path: Path, master_id: str) -> bool:
    """Create a key file with a fresh master key and index key, readable by its owner only.

    It also holds the backup key, which seals the key store's backups (pristan/backups); never a
    master key. Returns False (and leaves the file alone) when it already exists, so that two
    processes starting together agree on one keyring.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    text = (
        f'active = "{master_id}"\nindex = "{_encoded_key()}"\nbackup = "{_encoded_key()}"\n\n'
        f'[master]\n{master_id} = "{_encoded_key()}"\n'
    )
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
    return True


def _write_key_file(path: Path, *, active: str, index: str, backup: str | None, masters: dict[str, str]) -> None:
    lines = [f'active = "{active}"', f'index = "{index}"', *([f'backup = "{backup}"'] if backup else []), "", "[master]"]
    lines += [f'{key_id} = "{encoded}"' for key_id, encoded in masters.items()]
    temporary = path.with_suffix(".new")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write("\n".join(lines) + "\n")
    temporary.replace(path)


def add_master_key(path: Path, master_id: str) -> None:
    """Add a new master key to a key file and make it the active one (the old ones stay, to unwrap)."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    masters = dict(data.get("master", {}))
    if master_id in masters:
        raise ValueError(f"The key file already has a master key {master_id!r}.")
    masters = {**masters, master_id: _encoded_key()}
    _write_key_file(path, active=master_id, index=data["index"], backup=data.get("backup"), masters=masters)


def remove_master_key(path: Path, master_id: str) -> None:
    """Drop a retired master key from a key file (never the active one)."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    if data.get("active") == master_id:
        raise ValueError(f"{master_id!r} is the active master key; add a new one before removing it.")
    masters = {k: v for k, v in data.get("master", {}).items() if k != master_id}
    _write_key_file(path, active=data["active"], index=data["index"], backup=data.get("backup"), masters=masters)


def backup_key_from_file(path: Path) -> bytes | None:
    """The backup key of a key file, or None when the file has none (written before backups were)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ValueError(f"The key file {path} cannot be read: {error}.") from None
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"The key file {path} is not valid TOML: {error}.") from None
    encoded = data.get("backup")
    return None if encoded is None else _decode_key(encoded, "The backup key")


def add_backup_key(path: Path) -> bool:
    """Give a key file written before backups existed a backup key; False if it has one already."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    if data.get("backup"):
        return False
    _write_key_file(path, active=data["active"], index=data["index"], backup=_encoded_key(), masters=dict(data.get("master", {})))
    return True
