"""Files sealed chunk by chunk: what is written reads back, from anywhere, and nothing else opens."""

import io
import os
from pathlib import Path
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pristan.core.crypto import SealError
from pristan.core.sealed_file import _HEADER, SealedWriter, open_sealed, sealed_key_id
from pristan.core.tests.memory import traced_peak

KEY, KEY_ID, AAD = os.urandom(32), uuid4(), b"pristan.test:upload"


def seal(path: Path, data: bytes, *, chunk: int, pieces: int = 7000) -> Path:
    with path.open("wb") as target:
        writer = SealedWriter(target, KEY_ID, KEY, AAD, chunk=chunk)
        for start in range(0, len(data), pieces):
            writer.write(data[start : start + pieces])
        writer.close()
    return path


@settings(max_examples=60, deadline=None)
@given(
    data=st.binary(max_size=5000),
    chunk=st.integers(min_value=1, max_value=700),
    pieces=st.integers(min_value=1, max_value=900),
    seeks=st.lists(st.tuples(st.integers(min_value=0, max_value=5200), st.integers(min_value=0, max_value=800)), max_size=8),
)
def test_what_is_sealed_reads_back_from_anywhere(tmp_path_factory, data, chunk, pieces, seeks):
    path = seal(tmp_path_factory.mktemp("sealed") / "file", data, chunk=chunk, pieces=pieces)
    assert sealed_key_id(path) == KEY_ID
    with open_sealed(path, KEY, AAD) as stream:
        assert stream.read() == data
        for position, count in seeks:
            stream.seek(position)
            assert stream.read(count) == data[position : position + count]
        tail = min(10, len(data))
        stream.seek(-tail, io.SEEK_END)
        assert stream.read() == data[len(data) - tail :]


@pytest.mark.parametrize("chunk", [16, 100])
def test_the_size_is_the_plaintexts_even_on_a_chunk_boundary(tmp_path, chunk):
    for size in (0, chunk - 1, chunk, chunk + 1, 3 * chunk):
        path = seal(tmp_path / f"{size}", os.urandom(size), chunk=chunk)
        with open_sealed(path, KEY, AAD) as stream:
            assert stream.seek(0, io.SEEK_END) == size


def test_no_plaintext_is_in_the_file(tmp_path):
    data = "Марија Петровска, born 1990-01-01 in Kumanovo. ".encode() * 200
    assert b"Kumanovo" not in seal(tmp_path / "file", data, chunk=64).read_bytes()


def read_all(path: Path) -> bytes:
    with open_sealed(path, KEY, AAD) as stream:
        return stream.read()


def altered(path: Path, change) -> Path:
    content = bytearray(path.read_bytes())
    change(content)
    path.write_bytes(bytes(content))
    return path


def flip(position: int):
    def change(content: bytearray) -> None:
        content[position] ^= 1

    return change


@pytest.mark.parametrize(
    "change",
    [
        flip(_HEADER + 5),  # in the first chunk
        flip(-1),  # in the last chunk's tag
        flip(len(b"PSF1") + 17),  # the chunk size in the header
        flip(_HEADER - 1),  # the nonce prefix
        lambda content: content.__delitem__(slice(-116, None)),  # the last chunk cut off
        lambda content: content.__delitem__(slice(_HEADER, _HEADER + 116)),  # the first chunk left out
        lambda content: content.__setitem__(
            slice(_HEADER, _HEADER + 232), content[_HEADER + 116 : _HEADER + 232] + content[_HEADER : _HEADER + 116]
        ),  # two chunks swapped
    ],
    ids=["body", "tag", "chunk-size", "nonce", "cut-short", "chunk-dropped", "chunks-swapped"],
)
def test_an_altered_file_does_not_read(tmp_path, change):
    path = altered(seal(tmp_path / "file", os.urandom(1000), chunk=100), change)
    with pytest.raises(SealError):  # when it is opened, or when the altered chunk is read
        read_all(path)


@pytest.mark.parametrize(("key", "aad"), [(os.urandom(32), AAD), (KEY, b"pristan.test:another-upload")], ids=["key", "aad"])
def test_another_key_or_another_place_does_not_open(tmp_path, key, aad):
    path = seal(tmp_path / "file", b"some rows", chunk=100)
    with pytest.raises(SealError):
        open_sealed(path, key, aad)


def test_a_file_that_is_not_sealed_is_refused(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_bytes(b"prs_FirstName\nMaria\n")
    with pytest.raises(SealError):
        open_sealed(path, KEY, AAD)
    with pytest.raises(SealError):
        sealed_key_id(path)


def test_reading_holds_one_chunk_not_the_file(tmp_path):
    data = os.urandom(16 * 1024 * 1024)
    path = seal(tmp_path / "big", data, chunk=64 * 1024, pieces=64 * 1024)
    del data

    def read_through() -> None:
        with open_sealed(path, KEY, AAD) as stream:
            while stream.read(8192):
                pass

    _nothing, peak = traced_peak(read_through)
    assert peak < 1024 * 1024, peak
