"""Keyed blind indexes of names: find a person by name without a readable name in the database.

Each word of a person's names is folded (names.fold: one form for both scripts, any case, any
diacritics and the usual spelling variants) and stored only as keyed hashes (crypto.index_hash):

* every prefix of two letters or more (``p:``), so a query word finds the names it starts;
* for words of four letters or more, the word and each of its one-letter deletions (``d:``), so
  a query word one typo away (a letter wrong, missing, extra, or two swapped) still finds it.

A query word matches a person when one of its hashes is among the person's: its ``p:`` hash, and
for four letters or more the ``d:`` hashes of the word and its deletions. Every query word must
match. Without the index key the hashes say nothing; equal names do share hashes, which is what
makes them searchable (the README's security model says so).
"""

from __future__ import annotations

from pristan.core import crypto
from pristan.core.crypto import Keyring
from pristan.core.names import query_tokens, search_tokens

__all__ = ["MIN_QUERY", "MIN_TYPO", "name_hashes", "query_hashes", "query_words"]

MIN_QUERY = 2  # shorter query words (initials) are ignored
MIN_TYPO = 4  # shorter words must be typed right: one letter off would match too much


def _deletions(word: str) -> set[str]:
    return {word[:index] + word[index + 1 :] for index in range(len(word))}


def _word_entries(word: str) -> set[tuple[str, str]]:
    entries = {("p", word[:end]) for end in range(MIN_QUERY, len(word) + 1)}
    if len(word) >= MIN_TYPO:
        entries |= {("d", variant) for variant in {word} | _deletions(word)}
    return entries


def name_hashes(keyring: Keyring, *names: str) -> set[int]:
    """The blind-index entries of a person's names."""
    entries = {entry for word in search_tokens(*names) for entry in _word_entries(word)}
    return {crypto.index_hash(keyring, kind, text) for kind, text in entries}


def query_words(query: str, limit: int) -> list[str]:
    return [word for word in query_tokens(query) if len(word) >= MIN_QUERY][:limit]


def query_hashes(keyring: Keyring, word: str) -> set[int]:
    """The entries any of which, found among a person's, makes the query word match."""
    hashes = {crypto.index_hash(keyring, "p", word)}
    if len(word) >= MIN_TYPO:
        hashes |= {crypto.index_hash(keyring, "d", variant) for variant in {word} | _deletions(word)}
    return hashes
