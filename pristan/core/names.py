"""Transliteration and search folding for personal names.

Names are stored exactly as written, in their own script. This module derives two things
from them and never changes the stored name:

* ``to_latin`` -- a readable Latin form for people who cannot read Cyrillic. Serbian and
  Macedonian letters go to Gaj's Latin alphabet (Ђ→Đ, Ч→Č, Џ→Dž, Ѓ→Gj…); letters with no
  Serbian equivalent (Bulgarian, Russian, Ukrainian) follow the Bulgarian streamlined system
  (Щ→Sht, Ъ→A, Ю→Yu, Я→Ya, Й→Y). Latin text is returned unchanged; other scripts go
  through Unidecode.
* ``fold`` / ``search_tokens`` / ``search_key`` -- search tokens in which the usual spellings
  of one name collide, whatever the script and whichever transliteration was used: ``Ђорђе``,
  ``Đorđe``, ``Djordje`` and ``Dzordze`` all fold to ``dorde``; ``Жельо``, ``Zhelyo`` and
  ``Željo`` to ``zeljo``; ``Юлия``, ``Yuliya``, ``Iuliia`` (Unidecode and the national
  schemes), ``Ûliâ`` (ISO 9) and ``Julija`` to ``julia``; Ukrainian ``Ганна`` and ``Hanna``
  (the national scheme writes Г as H) to ``ganna``; Macedonian ``Ѓорѓи``, ``Gjorgji``, ``Ǵorǵi`` and
  ``Gorgi`` to ``gorgi``, apart from Serbian Ђ. Folding trades precision for recall on
  purpose: Ц/Ч/Ћ all become ``c``, Ђ/Џ/Ѕ all become ``d`` and Г/Х both ``g``, because people
  typing names without diacritics, or in another country's scheme, do the same.
* ``name_parts`` -- a name written with hyphens or apostrophes (``Ана-Марија``, ``O'Brien``)
  is one name and several: its joined form and each part.

The search layer stores ``search_key`` in a column and requires every query token to be a
prefix of one of its tokens (``matches`` is the reference implementation). Pure Python: no
Django imports, so it can be used and tested anywhere.

``MATCH_VERSION`` names the folding's rules: the blind index and the duplicate matcher's model
are built on folded names, so any change to what ``fold`` returns must raise it (and come with a
migration that rebuilds the blind index, as people 0006 does for versions 2 and 3).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache

from unidecode import unidecode

__all__ = ["MATCH_VERSION", "fold", "matches", "name_parts", "query_tokens", "search_key", "search_tokens", "to_latin"]

# 1: until issue 14; 2: Bulgarian glides, Macedonian Ѓ/Ќ, Latin x/q/w/th/ph/gh/xh; 3: H is G (Ukrainian
# Г), ISO 9's letters for Я, Ю, Є, Љ, Њ, Щ, Ѕ
MATCH_VERSION = 3
FOLDS_CACHED = 1 << 16  # distinct name words remembered: names follow a Zipf law, so few cover most

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

# Spelling variants folded to one form, longest first so "dzh" wins over "dz". Macedonian Ѓ/Ќ are
# written gj/kj (or ǵ/ḱ, which Unidecode makes g/k): they fold to g and k, apart from Serbian
# Ђ/Ћ (dj/đ and ć fold to d and c). In Latin, gj and kj occur practically only in Macedonian
# and in Albanian, whose Gj is the same sound (Gjon = Ѓон). The Latin letters that Cyrillic
# spells otherwise go to its spelling: x (Aleksandar), q (Kasim), w (Vladimir), th (Teodora),
# ph (Stefan), Romanian gh (Gheorghe = Георге) and Albanian xh (Xhafer = Џафер). H is G: Ukrainian
# Г is H in the national scheme (Ганна = Hanna, Гук = Huk), G everywhere else; Х (h, kh) meets it,
# at the cost of Хана meeting Гана.
_VARIANTS: dict[str, str] = {
    "shch": "st", "tsh": "c", "dzh": "d", "dj": "d", "dz": "d", "xh": "d", "gj": "g", "kj": "k", "gh": "g", "ch": "c",
    "ts": "c", "tz": "c", "sh": "s", "zh": "z", "kh": "h", "th": "t", "ph": "f", "ij": "i", "ii": "i",
    "x": "ks", "q": "k", "w": "v", "h": "g",
}  # fmt: skip
_VARIANT_RE = re.compile("|".join(sorted(_VARIANTS, key=len, reverse=True)))
_Y_GLIDE_RE = re.compile(r"(?<=[aeou])y|y(?=[aeou])")  # y next to a vowel is j, else i
# ... but a consonant's softening (below) before a, e or u is an i at once: a j there would make
# Ukrainian Худяк (Hudyak) a Serbian dj, and Лук'ян (Lukyan) a Macedonian kj.
_Y_SOFT_RE = re.compile(r"(?<=[bcdfghjklmnprstvz])y(?=[aeu])")
# The glide that Cyrillic writes Й, Я, Ю (and Serbian Ј) and Latin schemes write y, i or j:
# an i is a j at the start of a word before a vowel (Iordan, Iana, Iulia = Йордан, Яна, Юлия)
# and after a vowel (Maia = Мая, Nikolai = Николай, Stoian = Стоян). Between a consonant and
# a, e or u the glide is an i (Liubomir = Lyubomir = Ljubomir, Petia = Petya): the softening
# that Unidecode and the national schemes write with an i. Before o it stays a j: Bulgarian ЬО
# is written yo (Жельо = Zhelyo), and Unidecode drops the soft sign there anyway.
_I_GLIDE_RE = re.compile(r"^i(?=[aeou])|(?<=[aeou])i")
_SOFT_J_RE = re.compile(r"(?<=[bcdfghklmnprstvz])j(?=[aeu])")
_NOT_ALNUM_RE = re.compile(r"[^a-z0-9]+")
# ISO 9 writes one Latin letter for each Cyrillic one, with a circumflex where the others write two:
# Я â, Ю û, Є ê, Љ l̂, Њ n̂, Щ ŝ, Ѕ ẑ (Ûliâ = Юлия = Yuliya). Romanian â (Câmpeanu) follows a consonant
# inside a word: there it stays an a.
# Written as the glide before a vowel that the other schemes write (Iu, Ia, Ie), the rules below make
# it a j where a j is heard.
_ISO9 = {"û": "iu", "ê": "ie", "l\u0302": "lj", "n\u0302": "nj", "ŝ": "sht", "ẑ": "dz"}
_ISO9_RE = re.compile("|".join(_ISO9))
_ISO9_YA_RE = re.compile(r"â(?=$|[^a-z])|(?<![b-df-hj-np-tv-z])â")


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


@lru_cache(maxsize=FOLDS_CACHED)
def fold(token: str) -> str:
    """One search token: Latin, no diacritics, lower case, spelling variants collapsed.

    Only ``a-z`` and ``0-9`` survive. Idempotent: ``fold(fold(x)) == fold(x)``. Remembered for
    the words met most (``FOLDS_CACHED``): a scan folds the same names a million times.

    >>> fold("Đorđe"), fold("Djordje"), fold("Chedomir"), fold("Щерев"), fold("Юлия"), fold("Iuliia")
    ('dorde', 'dorde', 'cedomir', 'sterev', 'julia', 'julia')
    >>> fold("Ѓорѓи"), fold("Gjorgji"), fold("Ǵorǵi"), fold("Ђорђе"), fold("Ќосе"), fold("Ћосић")
    ('gorgi', 'gorgi', 'gorgi', 'dorde', 'kose', 'cosic')
    """
    text = unicodedata.normalize("NFKC", token).casefold()
    text = _ISO9_YA_RE.sub("ia", _ISO9_RE.sub(lambda match: _ISO9[match.group()], text))
    text = _NOT_ALNUM_RE.sub("", unidecode(to_latin(text)).lower())
    while True:  # to a fixed point (the rules never undo one another's output)
        folded = _Y_GLIDE_RE.sub("j", _Y_SOFT_RE.sub("i", text)).replace("y", "i")
        folded = _VARIANT_RE.sub(lambda match: _VARIANTS[match.group()], folded)
        folded = _SOFT_J_RE.sub("i", _I_GLIDE_RE.sub("j", folded))
        if folded == text:
            return text
        text = folded


# What joins the parts of one name (Ана-Марија, O'Brien, D’Angelo): hyphens and apostrophes
# between two letters. Between Cyrillic letters an apostrophe is a letter of the word itself
# before an iotated vowel (Ukrainian Мар'яна, Belarusian Вер'ін), not a boundary between names:
# Irish О'Нил still has two parts.
_APOSTROPHES = frozenset("'\u2018\u2019\u02bc\u02b9`")
_IOTATED = frozenset("яюєїёеіЯЮЄЇЁЕІ")
_ISO9_IOTATED = frozenset("âûêïÂÛÊÏ")  # the same letters in ISO 9 (Luk’ânenko = Лукʼяненко)


def _is_word_char(char: str) -> bool:
    return char.isalnum() or unicodedata.category(char).startswith("M")


def _is_cyrillic(char: str) -> bool:
    return "CYRILLIC" in unicodedata.name(char, "")


def _names(text: str) -> list[list[str]]:
    """The names written in ``text``, each as its parts: words split on everything that is neither a
    letter, a digit nor a combining mark, and a word's parts at its inner hyphens and apostrophes."""
    text = unicodedata.normalize("NFKC", text)
    names: list[list[str]] = []
    parts: list[str] = []
    part: list[str] = []
    for index, char in enumerate(text):
        joiner = char in _APOSTROPHES or unicodedata.category(char) == "Pd"
        if joiner and part and _is_word_char(text[index + 1 : index + 2] or " "):
            following = text[index + 1]
            if char in _APOSTROPHES and ((_is_cyrillic(part[-1]) and following in _IOTATED) or following in _ISO9_IOTATED):
                part.append(char)
            else:
                parts.append("".join(part))
                part = []
        elif _is_word_char(char) and not joiner:
            part.append(char)
        else:
            if part:
                parts.append("".join(part))
                part = []
            if parts:
                names.append(parts)
                parts = []
    if part:
        parts.append("".join(part))
    if parts:
        names.append(parts)
    return names


def _unique(tokens: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(token for token in tokens if token))


def _joined(folded: Sequence[str]) -> str:
    """The joined form of a name's folded parts: made of the folded parts, so that what starts a
    part is read as a start (Ionescu's I is a glide in Stefan-Ionescu too)."""
    return fold("".join(folded)) if len(folded) > 1 else "".join(folded)


@lru_cache(maxsize=FOLDS_CACHED)
def _folded_names(text: str) -> tuple[tuple[str, ...], ...]:
    """The folded parts of each name written in ``text``; remembered, as ``fold`` is."""
    return tuple(tuple(fold(part) for part in parts) for parts in _names(text))


def name_parts(text: str) -> list[str]:
    """The folded forms of a name as written, joined first, then each of its parts, without
    empties or repeats: ``O'Brien``, ``OBrien`` and ``O’Brien`` meet in ``obrien``, and
    ``Ана-Марија``, ``Ana-Marija`` and ``Ana Marija`` in ``anamaria``, ``ana`` and ``maria``.

    >>> name_parts("O'Brien"), name_parts("Ана-Марија"), name_parts("Ana Marija"), name_parts("Ivan")
    (['obrien', 'o', 'brien'], ['anamaria', 'ana', 'maria'], ['anamaria', 'ana', 'maria'], ['ivan'])
    """
    return list(_name_parts(text))


@lru_cache(maxsize=FOLDS_CACHED)
def _name_parts(text: str) -> tuple[str, ...]:
    parts = [part for name in _folded_names(text) for part in name]
    return tuple(_unique([_joined(parts), *parts]))


def search_tokens(*texts: str) -> list[str]:
    """The folded tokens of all ``texts`` for storing, without empties or repeats, in order of
    appearance: each word, and for a word joined by hyphens or apostrophes, its joined form and
    each part (``name_parts``), so that a search for any of them finds it.

    >>> search_tokens("Ана-Марија", "O'Brien", "ana")
    ['anamaria', 'ana', 'maria', 'obrien', 'o', 'brien']
    """
    return _unique(token for text in texts for name in _folded_names(text) for token in (_joined(name), *name))


def query_tokens(*texts: str) -> list[str]:
    """The folded tokens of a query: every part of every word, without empties or repeats. A query
    ``Ana-Marija`` asks for ``ana`` and ``maria``, which the tokens of ``Ана-Марија`` and of ``Ana
    Marija`` both hold.

    >>> query_tokens("Ана-Марија O'Brien")
    ['ana', 'maria', 'o', 'brien']
    """
    return _unique(part for text in texts for name in _folded_names(text) for part in name)


def search_key(*texts: str) -> str:
    """The space-separated search tokens of ``texts``, for storing in a search column."""
    return " ".join(search_tokens(*texts))


def matches(query: str, key: str) -> bool:
    """Whether every token of ``query`` is a prefix of a token of ``key`` (a ``search_key``).

    An empty query matches nothing.

    >>> matches("petr ив", search_key("Иван Петров")), matches("", "ivan")
    (True, False)
    """
    wanted = query_tokens(query)
    have = key.split()
    return bool(wanted) and all(any(token.startswith(w) for token in have) for w in wanted)
