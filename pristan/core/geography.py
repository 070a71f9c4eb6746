"""Countries (ISO 3166-1 alpha-2) and languages (ISO 639-1), named and sorted in the user's language.

The names are Pristan's own data: one file per language, `data/countries/<locale>.csv` and
`data/languages/<locale>.csv` (code,name). They were seeded from the iso-codes catalogues, which
leave many names in English for our languages (145 of 184 languages in Macedonian), outdated
("Czechia" in Macedonian) or in the ISO's inverted form ("Korea, Republic of"); those were
rewritten by hand, and the files, not iso-codes, are what Pristan shows. Serbian Latin is derived
from Serbian Cyrillic (`python -m pristan.core.geography`). `tests/test_geography.py` checks that
it is current and that no name is left in English.

Lists sort by each language's alphabet (`collation_key`): Cyrillic Ђ, Ј, Љ… and Latin Č, Ć, Dž,
Đ, Lj, Nj, Š, Ž have their own places, which neither code points nor casefold give. ICU would do
this too, but PyICU needs the ICU headers to build; the alphabets below are the few lines we need.
"""

import csv
import sys
import unicodedata
from functools import cache
from pathlib import Path
from typing import Literal

from django.utils.translation import get_language

from pristan.core.names import to_latin

DATA_DIR = Path(__file__).parent / "data"
Kind = Literal["countries", "languages"]

# Django language code -> the name of the data files.
LOCALES = {"en": "en", "bg": "bg", "mk": "mk", "bs": "bs", "hr": "hr", "sr": "sr", "sr-latn": "sr_Latn"}

# Gaj's alphabet, with q, w, x and y where the Latin alphabet has them (foreign names: Wallis).
_LATIN_SOUTH_SLAVIC = ("a", "b", "c", "č", "ć", "d", "dž", "đ", "e", "f", "g", "h", "i", "j", "k", "l", "lj", "m",
                       "n", "nj", "o", "p", "q", "r", "s", "š", "t", "u", "v", "w", "x", "y", "z", "ž")  # fmt: skip
# Each language's letters in its alphabetical order; a digraph (Lj, Nj, Dž) is one letter.
ALPHABETS: dict[str, tuple[str, ...]] = {
    "en": tuple("abcdefghijklmnopqrstuvwxyz"),
    "bg": tuple("абвгдежзийклмнопрстуфхцчшщъьюя"),
    "mk": tuple("абвгдѓежзѕијклљмнњопрстќуфхцчџш"),
    "sr": tuple("абвгдђежзијклљмнњопрстћуфхцчџш"),
    "bs": _LATIN_SOUTH_SLAVIC,
    "hr": _LATIN_SOUTH_SLAVIC,
    "sr_Latn": _LATIN_SOUTH_SLAVIC,
}


def _locale() -> str:
    return LOCALES.get((get_language() or "en").lower(), "en")


@cache
def _names(kind: Kind, locale: str) -> dict[str, str]:
    with (DATA_DIR / kind / f"{locale}.csv").open(encoding="utf-8", newline="") as handle:
        return {row["code"]: row["name"] for row in csv.DictReader(handle)}


def is_country(code: str) -> bool:
    return code in _names("countries", "en")


def is_language(code: str) -> bool:
    return code in _names("languages", "en")


def name(kind: Kind, code: str) -> str:
    """The name of a country or language in the active language; an unknown code as it is stored."""
    return _names(kind, _locale()).get(code, code)


def country_name(code: str) -> str:
    return name("countries", code)


def language_name(code: str) -> str:
    return name("languages", code)


@cache
def _order(locale: str) -> dict[str, int]:
    return {letter: index for index, letter in enumerate(ALPHABETS[locale])}


def collation_key(text: str, locale: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """A sort key that follows the alphabet of `locale`, like ICU's first two levels: letters by
    their place in it, and only where all of them tie, a letter with an accent the alphabet lacks
    (Å, é, ü) after its base letter. Spaces and punctuation come before every letter, letters of
    another script after all of ours."""
    order = _order(locale)
    folded = unicodedata.normalize("NFC", text.casefold())
    primary: list[int] = []
    secondary: list[int] = []
    index = 0
    while index < len(folded):
        if folded[index : index + 2] in order:  # a digraph that is one letter
            primary.append(order[folded[index : index + 2]])
            secondary.append(0)
            index += 2
            continue
        char = folded[index]
        base = unicodedata.normalize("NFD", char)[0]
        if char in order:
            primary.append(order[char])
            secondary.append(0)
        elif base in order:
            primary.append(order[base])
            secondary.append(ord(char))
        elif char.isalnum():
            primary.append(len(order) + ord(char))
            secondary.append(0)
        else:
            primary.append(-1)
            secondary.append(ord(char))
        index += 1
    return tuple(primary), tuple(secondary)


def _choices(kind: Kind) -> list[tuple[str, str]]:
    locale = _locale()
    names = _names(kind, locale)
    return sorted(names.items(), key=lambda pair: (collation_key(pair[1], locale), pair[1]))


def country_choices() -> list[tuple[str, str]]:
    """Every country, named and sorted in the active language."""
    return _choices("countries")


def language_choices() -> list[tuple[str, str]]:
    """Every language with a two-letter code (as HTCDS allows), named and sorted in the active language."""
    return _choices("languages")


def render_serbian_latin(kind: Kind) -> str:
    """The Serbian Latin file of `kind`, letter for letter from the Cyrillic one."""
    lines = ["code,name"]
    for code, cyrillic in _names(kind, "sr").items():
        lines.append(f"{code},{_csv_field(to_latin(cyrillic))}")
    return "\n".join(lines) + "\n"


def _csv_field(text: str) -> str:
    return f'"{text}"' if "," in text or '"' in text else text


if __name__ == "__main__":
    for kind in ("countries", "languages"):
        (DATA_DIR / kind / "sr_Latn.csv").write_text(render_serbian_latin(kind), encoding="utf-8")
    sys.stdout.write("Derived data/*/sr_Latn.csv from data/*/sr.csv\n")
