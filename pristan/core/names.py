"""Transliteration and search folding for personal names.

Names are stored exactly as written, in their own script. This module derives two things
from them and never changes the stored name:

* ``to_latin`` -- a readable Latin form for people who cannot read Cyrillic. Serbian and
  Macedonian letters go to Gaj's Latin alphabet (Ђ→Đ, Ч→Č, Џ→Dž, Ѓ→Gj…); letters with no
  Serbian equivalent (Bulgarian, Russian, Ukrainian) follow the Bulgarian streamlined system
  (Щ→Sht, Ъ→A, Ю→Yu, Я→Ya, Й→Y). Latin text is returned unchanged; other scripts go
  through Unidecode.
* ``fold`` / ``search_tokens`` / ``search_key`` -- search tokens in which the usual spellings
  of one name collide: ``Ђорђе``, ``Đorđe``, ``Djordje`` and ``Dorde`` all fold to ``dorde``;
  ``Жельо``, ``Zhelyo`` and ``Željo`` to ``zeljo``; ``Юлия``, ``Yuliya`` and ``Julija`` to
  ``julia``. Folding trades precision for recall on purpose: Ц/Ч/Ћ all become ``c`` and
  Ђ/Џ/Ѓ/Ѕ all become ``d``, because people typing names without diacritics do the same.

The search layer stores ``search_key`` in a column and requires every query token to be a
prefix of one of its tokens (``matches`` is the reference implementation). Pure Python: no
Django imports, so it can be used and tested anywhere.
"""

from __future__ import annotations

import re
import unicodedata

from unidecode import unidecode

__all__ = ["fold", "matches", "search_key", "search_tokens", "to_latin"]

# Lower-case Cyrillic → Latin. Upper case is derived (see _cased). Ь is contextual (_letter).
_CYRILLIC: dict[str, str] = {
    # Serbian, to Gaj's Latin
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "ђ": "đ", "е": "e", "ж": "ž",
    "з": "z", "и": "i", "ј": "j", "к": "k", "л": "l", "љ": "lj", "м": "m", "н": "n",
    "њ": "nj", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "ћ": "ć", "у": "u",
    "ф": "f", "х": "h", "ц": "c", "ч": "č", "џ": "dž", "ш": "š",
    # Macedonian
    "ѓ": "gj", "ќ": "kj", "ѕ": "dz",
    # Bulgarian, Russian, Ukrainian, Belarusian (Bulgarian streamlined system)
    "й": "y", "щ": "sht", "ъ": "a", "ю": "yu", "я": "ya", "ы": "y", "э": "e", "ё": "yo",
    "є": "ye", "і": "i", "ї": "yi", "ґ": "g", "ў": "u",
}  # fmt: skip

# Spelling variants folded to one form, longest first so "dzh" wins over "dz".
_VARIANTS: dict[str, str] = {
    "shch": "st", "dzh": "d", "dj": "d", "dz": "d", "gj": "d", "kj": "c", "ch": "c",
    "ts": "c", "tz": "c", "sh": "s", "zh": "z", "kh": "h", "ij": "i", "ii": "i",
}  # fmt: skip
_VARIANT_RE = re.compile("|".join(sorted(_VARIANTS, key=len, reverse=True)))
_Y_GLIDE_RE = re.compile(r"(?<=[aeou])y|y(?=[aeou])")  # y next to a vowel is j, else i
_NOT_ALNUM_RE = re.compile(r"[^a-z0-9]+")


def _is_latin(char: str) -> bool:
    return "LATIN" in unicodedata.name(char, "")


def _upper_context(text: str, index: int) -> bool:
    """Whether the capital at ``index`` sits in an all-capitals word (ЉУБА → LJUBA, not LjUBA)."""
    for neighbour in (
        text[index + 1 : index + 2],
        text[index - 1 : index] if index else "",
    ):
        if neighbour.isalpha():
            return neighbour.isupper()
    return False


def _letter(text: str, index: int) -> str:
    """The Latin spelling of the character at ``index``, in the case it is written in."""
    char = text[index]
    lower = char.lower()
    if lower == "ь":  # Bulgarian ЬО → YO; elsewhere the soft sign is dropped
        latin = "y" if text[index + 1 : index + 2].lower() == "о" else ""
    elif lower in _CYRILLIC:
        latin = _CYRILLIC[lower]
    elif char.isalpha() and not _is_latin(char):
        return unidecode(char)
    else:
        return char
    if char == lower:
        return latin
    return latin.upper() if _upper_context(text, index) else latin.capitalize()


def to_latin(text: str) -> str:
    """Readable Latin transliteration of ``text``, keeping case and spacing.

    >>> to_latin("Иван Петров"), to_latin("Ђорђе Џаковић"), to_latin("ЉУБИЦА")
    ('Ivan Petrov', 'Đorđe Džaković', 'LJUBICA')
    """
    return "".join(_letter(text, index) for index in range(len(text)))


def fold(token: str) -> str:
    """One search token: Latin, no diacritics, lower case, spelling variants collapsed.

    Only ``a-z`` and ``0-9`` survive. Idempotent: ``fold(fold(x)) == fold(x)``.

    >>> fold("Đorđe"), fold("Djordje"), fold("Chedomir"), fold("Щерев"), fold("Юлия")
    ('dorde', 'dorde', 'cedomir', 'sterev', 'julia')
    """
    text = _NOT_ALNUM_RE.sub("", unidecode(to_latin(unicodedata.normalize("NFKC", token).casefold())).lower())
    while True:  # to a fixed point: every rule shortens the text or removes a "y"
        folded = _Y_GLIDE_RE.sub("j", text).replace("y", "i")
        folded = _VARIANT_RE.sub(lambda match: _VARIANTS[match.group()], folded)
        if folded == text:
            return text
        text = folded


def _words(text: str) -> list[str]:
    """Split on everything that is neither a letter, a digit nor a combining mark."""
    return "".join(
        char if char.isalnum() or unicodedata.category(char).startswith("M") else " "
        for char in unicodedata.normalize("NFKC", text)
    ).split()


def search_tokens(*texts: str) -> list[str]:
    """The folded tokens of all ``texts``, without empties or repeats, in order of appearance.

    >>> search_tokens("Ана-Марија", "O'Brien", "ana")
    ['ana', 'maria', 'o', 'brien']
    """
    tokens = (fold(word) for text in texts for word in _words(text))
    return list(dict.fromkeys(token for token in tokens if token))


def search_key(*texts: str) -> str:
    """The space-separated search tokens of ``texts``, for storing in a search column."""
    return " ".join(search_tokens(*texts))


def matches(query: str, key: str) -> bool:
    """Whether every token of ``query`` is a prefix of a token of ``key`` (a ``search_key``).

    An empty query matches nothing.

    >>> matches("petr ив", search_key("Иван Петров")), matches("", "ivan")
    (True, False)
    """
    wanted = search_tokens(query)
    have = key.split()
    return bool(wanted) and all(any(token.startswith(w) for token in have) for w in wanted)
