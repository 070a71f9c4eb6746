"""The primitives: sealing opens only with the right key and column; blind indexes find names."""

import uuid
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pristan.core import crypto
from pristan.core.blind_index import name_hashes, query_hashes, query_words
from pristan.core.crypto import Keyring
from pristan.core.names import fold

RING = Keyring({"k1": bytes(range(32))}, bytes(range(32, 64)))
OTHER_RING = Keyring({"k1": bytes(range(32))}, bytes(range(64, 96)))


@given(st.text(), st.binary(max_size=40))
def test_a_sealed_value_opens_to_what_was_sealed(text, aad):
    key_id, key = uuid.uuid4(), crypto.new_data_key()
    blob = crypto.seal(key_id, key, text.encode(), aad)
    assert crypto.blob_key_id(blob) == key_id
    assert crypto.open_blob(blob, key, aad).decode() == text
    if len(text.encode()) >= 8:  # shorter byte strings turn up in random bytes by chance
        assert text.encode() not in blob


@given(st.text(min_size=1), st.integers(min_value=0))
def test_a_sealed_value_altered_anywhere_does_not_open(text, where):
    key_id, key = uuid.uuid4(), crypto.new_data_key()
    blob = bytearray(crypto.seal(key_id, key, text.encode(), b"people.person.given_name"))
    index = 17 + where % (len(blob) - 17)  # past the header: nonce, ciphertext or tag
    blob[index] ^= 0x01
    with pytest.raises(crypto.SealError):
        crypto.open_blob(bytes(blob), key, b"people.person.given_name")


def test_a_sealed_value_opens_only_in_its_own_column_and_with_its_own_key():
    key_id, key = uuid.uuid4(), crypto.new_data_key()
    blob = crypto.seal(key_id, key, "Иван".encode(), b"people.person.given_name")
    with pytest.raises(crypto.SealError):
        crypto.open_blob(blob, key, b"people.person.family_name")
    with pytest.raises(crypto.SealError):
        crypto.open_blob(blob, crypto.new_data_key(), b"people.person.given_name")
    with pytest.raises(crypto.SealError, match="Not a sealed value"):
        crypto.blob_key_id(b"Ivan")


def test_a_wrapped_key_opens_only_under_its_master_key_and_for_its_own_id():
    key_id, key = uuid.uuid4(), crypto.new_data_key()
    master_id, wrapped = crypto.wrap(RING, key_id, key)
    assert master_id == "k1"
    assert crypto.unwrap(RING, key_id, master_id, wrapped) == key
    with pytest.raises(crypto.SealError):
        crypto.unwrap(RING, uuid.uuid4(), master_id, wrapped)  # a wrapped key moved to another id
    with pytest.raises(crypto.SealError, match="not in the keyring"):
        crypto.unwrap(RING, key_id, "k0", wrapped)


def test_the_keyring_reads_the_environment_or_a_key_file(tmp_path: Path):
    line = crypto.new_master_key_line("k2")
    ring = crypto.keyring_from_sources(master_keys=f"{line},k1:{'A' * 43}=", index_key="B" * 43 + "=", key_file=tmp_path)
    assert list(ring.master_keys) == ["k2", "k1"]
    assert ring.active_id == "k2"
    with pytest.raises(ValueError, match="both"):
        crypto.keyring_from_sources(master_keys=line, index_key=None, key_file=tmp_path)
    with pytest.raises(ValueError, match="32 bytes"):
        crypto.keyring_from_sources(master_keys="k1:AAAA", index_key="B" * 43 + "=", key_file=tmp_path)
    key_file = tmp_path / "keyring.toml"
    assert crypto.new_keyring_file(key_file, "k1")
    assert not crypto.new_keyring_file(key_file, "k1")  # an existing file is never replaced
    assert key_file.stat().st_mode & 0o777 == 0o600
    crypto.add_master_key(key_file, "k2")
    ring = crypto.keyring_from_sources(master_keys=None, index_key=None, key_file=key_file)
    assert (ring.active_id, set(ring.master_keys)) == ("k2", {"k1", "k2"})
    with pytest.raises(ValueError, match="active"):
        crypto.remove_master_key(key_file, "k2")
    crypto.remove_master_key(key_file, "k1")
    assert set(crypto.keyring_from_sources(master_keys=None, index_key=None, key_file=key_file).master_keys) == {"k2"}
    with pytest.raises(ValueError, match="cannot be read"):
        crypto.keyring_from_sources(master_keys=None, index_key=None, key_file=tmp_path / "missing.toml")


NAME_WORD = st.text(alphabet="абвгдежзиклмнопрстуфхцчшђјљњћџabcdefghijklmnoprstuvzčćšžđ", min_size=4, max_size=12)


def _finds(ring: Keyring, stored: str, query: str) -> bool:
    have = name_hashes(ring, stored)
    words = query_words(query, 8)
    return bool(words) and all(query_hashes(ring, word) & have for word in words)


@settings(max_examples=200)
@given(NAME_WORD, NAME_WORD)
def test_a_name_is_found_by_itself_its_prefixes_and_its_other_script(given_name, family_name):
    from pristan.core.names import to_latin

    stored = f"{given_name} {family_name}"
    assert _finds(RING, stored, stored)
    assert _finds(RING, stored, to_latin(stored))
    for word in (given_name, family_name):
        folded = fold(word)
        if len(folded) >= 2:
            assert _finds(RING, stored, folded[:2])


@settings(max_examples=200)
@given(NAME_WORD, st.integers(min_value=0), st.sampled_from("aeiouxyz"))
def test_one_typo_still_finds_the_name(word, where, letter):
    folded = fold(word)
    if len(folded) < 5:
        return
    index = where % len(folded)
    missing = folded[:index] + folded[index + 1 :]
    wrong = folded[:index] + letter + folded[index + 1 :]
    swapped = folded[:index] + folded[index + 1 : index + 2] + folded[index] + folded[index + 2 :]
    for typo in (missing, wrong, swapped, folded + letter):
        if fold(typo) == typo:  # a typo that folds into something else is another spelling, not a typo
            assert _finds(RING, word, typo), typo


def test_the_index_says_nothing_without_its_key():
    assert name_hashes(RING, "Ivan Petrov").isdisjoint(name_hashes(OTHER_RING, "Ivan Petrov"))
    assert not _finds(RING, "Ivan Petrov", "Marko")
    assert not _finds(RING, "Ivan Petrov", "Ivan Marković")  # every word must match
    assert not _finds(RING, "Ivan Petrov", "i")  # one letter is not a query
