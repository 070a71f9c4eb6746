"""Files sealed chunk by chunk with AES-256-GCM, written and read as streams.

A sealed value (crypto.seal) is opened whole; a file of hundreds of megabytes must not be. Here the
plaintext is cut into chunks of a fixed size, each sealed on its own, so that a file is written as
it arrives and read (and sought in: a spreadsheet is a ZIP archive, read from its end) one chunk at
a time:

    header: magic "PSF1" | data key id (16 bytes) | chunk size (4 bytes) | nonce prefix (8 bytes)
    chunks: ciphertext and tag of each chunk of plaintext; all full but the last

Chunk i is sealed with the nonce prefix followed by i (4 bytes), and its additional authenticated
data is the caller's, the header, i, and whether it is the last chunk. So chunks cannot be
reordered, moved into another file or left out, and a file cut short does not open: its last
chunk is not marked as the last one (the construction of Hoang, Reyhanitabar, Rogaway and Vizár,
"Online authenticated-encryption and its nonce-reuse misuse-resistance", CRYPTO 2015).
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import BinaryIO
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from pristan.core.crypto import SealError

MAGIC = b"PSF1"
CHUNK = 64 * 1024
_TAG = 16
_PREFIX = 8
_HEADER = len(MAGIC) + 16 + 4 + _PREFIX


def _chunk_aad(aad: bytes, header: bytes, index: int, last: bool) -> bytes:
    return aad + header + index.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


class SealedWriter:
    """Seals what is written to `target`, chunk by chunk; `close()` seals the last chunk."""

    def __init__(self, target: BinaryIO, key_id: UUID, key: bytes, aad: bytes, chunk: int = CHUNK) -> None:
        self._target, self._aead, self._aad, self._chunk = target, AESGCM(key), aad, chunk
        self._prefix = os.urandom(_PREFIX)
        self._header = MAGIC + key_id.bytes + chunk.to_bytes(4, "big") + self._prefix
        self._buffer = bytearray()
        self._index = 0
        self.size = 0  # plaintext bytes written
        target.write(self._header)

    def write(self, data: bytes) -> None:
        self._buffer += data
        self.size += len(data)
        while len(self._buffer) > self._chunk:  # a full chunk is sealed once more data follows it
            self._seal(bytes(self._buffer[: self._chunk]), last=False)
            del self._buffer[: self._chunk]

    def close(self) -> None:
        self._seal(bytes(self._buffer), last=True)
        self._buffer.clear()

    def _seal(self, plaintext: bytes, *, last: bool) -> None:
        if self._index >= 2**32:
            raise ValueError("A sealed file holds at most 2**32 chunks.")
        nonce = self._prefix + self._index.to_bytes(4, "big")
        self._target.write(self._aead.encrypt(nonce, plaintext, _chunk_aad(self._aad, self._header, self._index, last)))
        self._index += 1


def sealed_key_id(path: Path) -> UUID:
    """The id of the data key a sealed file names (SealError if it is not one)."""
    with path.open("rb") as handle:
        header = handle.read(_HEADER)
    if len(header) != _HEADER or not header.startswith(MAGIC):
        raise SealError("Not a sealed file.")
    return UUID(bytes=header[len(MAGIC) : len(MAGIC) + 16])


class SealedReader(io.RawIOBase):
    """The plaintext of a sealed file, readable and seekable; each chunk is checked as it is read."""

    def __init__(self, path: Path, key: bytes, aad: bytes) -> None:
        super().__init__()
        self._file = path.open("rb")
        try:
            self._header = self._file.read(_HEADER)
            if len(self._header) != _HEADER or not self._header.startswith(MAGIC):
                raise SealError("Not a sealed file.")
            self._chunk = int.from_bytes(self._header[len(MAGIC) + 16 : len(MAGIC) + 20], "big")
            self._prefix = self._header[-_PREFIX:]
            body = os.fstat(self._file.fileno()).st_size - _HEADER
            self._chunks = max(1, -(-body // (self._chunk + _TAG)))
            last = body - (self._chunks - 1) * (self._chunk + _TAG)
            if self._chunk <= 0 or last < _TAG:
                raise SealError("The sealed file was cut short.")
            self._size = (self._chunks - 1) * self._chunk + last - _TAG
        except BaseException:
            self._file.close()
            raise
        self._aead, self._aad = AESGCM(key), aad
        self._position = 0
        self._cached: tuple[int, bytes] | None = None
        self._open_chunk(self._chunks - 1)  # the last chunk first: a file cut short is refused at once

    @property
    def size(self) -> int:
        return self._size

    def _open_chunk(self, index: int) -> bytes:
        if self._cached is not None and self._cached[0] == index:
            return self._cached[1]
        self._file.seek(_HEADER + index * (self._chunk + _TAG))
        sealed = self._file.read(self._chunk + _TAG)
        last = index == self._chunks - 1
        nonce = self._prefix + index.to_bytes(4, "big")
        try:
            plaintext = self._aead.decrypt(nonce, sealed, _chunk_aad(self._aad, self._header, index, last))
        except InvalidTag:
            raise SealError("The sealed file was altered, cut short or sealed with another key.") from None
        self._cached = (index, plaintext)
        return plaintext

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        start = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        if start + offset < 0:
            raise OSError("Negative seek position.")
        self._position = start + offset
        return self._position

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        if self._position >= self._size:
            return 0
        index, offset = divmod(self._position, self._chunk)
        plaintext = self._open_chunk(index)
        count = min(len(buffer), len(plaintext) - offset)
        buffer[:count] = plaintext[offset : offset + count]
        self._position += count
        return count

    def close(self) -> None:
        if not self.closed:
            self._file.close()
            self._cached = None
        super().close()


def open_sealed(path: Path, key: bytes, aad: bytes) -> BinaryIO:
    """The plaintext of a sealed file as a buffered binary stream."""
    return io.BufferedReader(SealedReader(path, key, aad), buffer_size=CHUNK)
