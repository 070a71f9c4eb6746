"""Synthetic persons with duplicates planted the way offices make them, and the truth kept aside.

The measure for duplicate finding (``duplicates/tests/test_quality.py``, ``bench/duplicates.py``): persons of
the region are drawn from the demo's name pools in their own script, with Zipf-like frequencies so
that common names repeat as they do in reality; then a share of them is registered a second time
with one variation (or two) of the kinds listed in ``KINDS``, and the pairs that are one person are
kept in ``Synthetic.truth``. Hard negatives (siblings; unrelated persons with the same common name)
are planted too and kept in ``Synthetic.negatives``, never in the truth.

Pure and seedable: everything is drawn from one ``random.Random(seed)``; no database, no Django.
"""

from __future__ import annotations

import csv
import random
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from unidecode import unidecode

from pristan.demo.name_pools import build_name_pools, bulgarian_patronymic, feminine_bulgarian_surname
from pristan.duplicates.types import PersonData

__all__ = [
    "COMBINATIONS",
    "KINDS",
    "NEGATIVE_KINDS",
    "PERSONS_COLUMNS",
    "SINGLE_KINDS",
    "Score",
    "Synthetic",
    "evaluate",
    "generate",
    "read_persons_csv",
    "read_truth_csv",
    "script_of",
    "transliterate",
    "write_csv",
]

SINGLE_KINDS: tuple[str, ...] = (
    "cyr_to_lat",  # written in Cyrillic, then in the national Latin
    "lat_to_cyr",  # written in Latin, then in Cyrillic (a Serbian office writes Hadžić as Хаџић)
    "scheme",  # another transliteration: ISO 9, unidecode ("Iordan"), English/BGN, Dj/Dz/D for Đ, Gj/Ǵ/G for Ѓ
    "no_diacritics",  # Đorđević → Dorđevic → Dordevic
    "typo",  # one letter inserted, deleted, substituted or two transposed
    "swapped",  # given and family name in each other's place
    "compound",  # a second family name, a hyphenated given name, an apostrophe dropped
    "dob_missing",
    "dob_estimated",  # 1 January or 1 July of the year, marked estimated
    "dob_transposed",  # day and month swapped
    "dob_year_off",  # a year earlier or later
    "other_office",  # the same values, registered by another office
)
# Two variations at once, as they come together in practice (each "first+second", in SINGLE_KINDS order).
COMBINATIONS: tuple[str, ...] = (
    "cyr_to_lat+typo",
    "cyr_to_lat+swapped",
    "cyr_to_lat+dob_estimated",
    "cyr_to_lat+other_office",
    "lat_to_cyr+compound",
    "lat_to_cyr+dob_transposed",
    "scheme+typo",
    "scheme+dob_missing",
    "no_diacritics+swapped",
    "typo+dob_year_off",
    "swapped+dob_estimated",
    "compound+other_office",
)
KINDS: tuple[str, ...] = SINGLE_KINDS + COMBINATIONS
NEGATIVE_KINDS: tuple[str, ...] = ("sibling", "namesake")
_COMBINATION_WEIGHT = 0.25  # each combination is planted a quarter as often as a single kind
_NEGATIVE_SHARE = {"sibling": 0.02, "namesake": 0.02}  # of all persons

PERSONS_COLUMNS = (
    "record_id",
    "prs_FirstName",
    "prs_LastName",
    "prs_Birthdate",
    "prs_Gender",
    "prs_Citizenship",
    "prs_IdentityNumber",
)
TRUTH_COLUMNS = ("record_id_a", "record_id_b", "kind")

# The pools by language (pristan.demo.name_pools), their script, citizenship and offices (the
# demo world's codes: the first of each is the country office). Shares are rough for the region's
# caseloads.
_CYRILLIC_LANGUAGES = frozenset({"bg", "mk", "sr", "uk"})


@dataclass(frozen=True)
class _Country:
    language: str
    citizenship: str
    offices: tuple[str, ...]
    share: float
    gendered_surnames: bool  # whether the feminine surname is another word (Петров/Петрова)


_COUNTRIES: tuple[_Country, ...] = (
    _Country("bg", "BG", ("SOF", "VAR"), 0.17, True),
    _Country("mk", "MK", ("SKP", "OHD"), 0.12, True),
    _Country("sr", "RS", ("BEG", "INI"), 0.16, False),
    _Country("bs", "BA", ("SJJ", "TZL"), 0.10, False),
    _Country("hr", "HR", ("ZAG", "SPU"), 0.08, False),
    _Country("uk", "UA", ("KBP", "ODS"), 0.14, True),
    _Country("ro", "RO", ("BUH", "IAS"), 0.12, False),
    _Country("sq", "AL", ("TIA", "SHK"), 0.11, False),
)
_BY_LANGUAGE = {country.language: country for country in _COUNTRIES}
OFFICES: tuple[str, ...] = tuple(office for country in _COUNTRIES for office in country.offices)
_OFFICE_LANGUAGE = {office: country.language for country in _COUNTRIES for office in country.offices}

# Shares as in pristan.demo.distributions (not imported: that module needs Django).
_GENDERS = {
    "Feminine": 690,
    "Masculine": 280,
    "TransgenderFeminine": 8,
    "TransgenderMasculine": 5,
    "NonConforming": 5,
    "NonSpecifiedUnknown": 12,
}
_FEMININE = frozenset({"Feminine", "TransgenderFeminine"})
_MASCULINE = frozenset({"Masculine", "TransgenderMasculine"})
HOME_OFFICE_SHARE = 0.8
CHILD_SHARE = 1 / 3
ESTIMATED_SHARE = 0.15
UNKNOWN_BIRTH_SHARE = 0.02
SECOND_CITIZENSHIP_SHARE = 0.05
NO_CITIZENSHIP_SHARE = 0.03
PASSPORT_SHARE = 0.35
DUPLICATE_KEEPS_PASSPORT = 0.5  # the other office wrote the number down too
REFERENCE_DAY = date(2026, 6, 30)  # ages are counted to this day, not today: the same data every year
# Zipf exponents for given names and surnames, with the surname pools lengthened by names derived
# from given names the way each language derives them (_derived_surnames): the most common given
# name is then 5-7% of its gender and the most common surname 2-6% of its country, near the
# national statistics (Иванов, Јовановић, Hoxha), rather than the 16% a short list would give.
GIVEN_EXPONENT = 0.4
SURNAME_EXPONENT = 0.5


# -- Transliteration -----------------------------------------------------------------------------

# Serbian Gaj Latin (also the base of the other tables).
_GAJ = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "ђ": "đ", "е": "e", "ж": "ž", "з": "z", "и": "i",
    "ј": "j", "к": "k", "л": "l", "љ": "lj", "м": "m", "н": "n", "њ": "nj", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "ћ": "ć", "у": "u", "ф": "f", "х": "h", "ц": "c", "ч": "č", "џ": "dž", "ш": "š",
    "ѓ": "ǵ", "ќ": "ḱ", "ѕ": "dz",
}  # fmt: skip
# Macedonian official (passports): digraphs instead of diacritics.
_MACEDONIAN = _GAJ | {"ѓ": "gj", "ќ": "kj", "ж": "zh", "ч": "ch", "ш": "sh", "џ": "dzh", "ѕ": "dz"}
# Bulgarian streamlined system (the law of 2009); -ия at the end of a word is -ia.
_BULGARIAN = _GAJ | {
    "ж": "zh", "й": "y", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sht", "ъ": "a", "ь": "y", "ю": "yu", "я": "ya",
}  # fmt: skip
# Ukrainian national (2010): Г is H, И is Y; Є/Ї/Й/Ю/Я start a word as ye/yi/y/yu/ya, else ie/i/i/iu/ia.
_UKRAINIAN = _GAJ | {
    "г": "h", "ґ": "g", "е": "e", "є": "ie", "ж": "zh", "и": "y", "і": "i", "ї": "i", "й": "i", "х": "kh",
    "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ь": "", "ю": "iu", "я": "ia", "ʼ": "", "'": "", "’": "",
}  # fmt: skip
_UKRAINIAN_INITIAL = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}
# ISO 9:1995, one Latin letter (with diacritics) per Cyrillic letter.
_ISO9 = {
    "а": "a", "б": "b", "в": "v", "г": "g", "ґ": "g̀", "д": "d", "ѓ": "ǵ", "ђ": "đ", "е": "e", "ё": "ë", "є": "ê",
    "ж": "ž", "з": "z", "ѕ": "ẑ", "и": "i", "і": "ì", "ї": "ï", "й": "j", "ј": "ǰ", "к": "k", "л": "l", "љ": "l̂",
    "м": "m", "н": "n", "њ": "n̂", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "ќ": "ḱ", "ћ": "ć", "у": "u",
    "ф": "f", "х": "h", "ц": "c", "ч": "č", "џ": "d̂", "ш": "š", "щ": "ŝ", "ъ": "ʺ", "ь": "ʹ", "ю": "û", "я": "â",
    "ʼ": "’", "'": "’",
}  # fmt: skip
# English-speaking writers and BGN/PCGN-like tables: no diacritics, digraphs, Kh for Х.
_ENGLISH = _GAJ | {
    "ђ": "dj", "ћ": "c", "ж": "zh", "ч": "ch", "ш": "sh", "џ": "dzh", "ѓ": "gj", "ќ": "kj", "х": "kh", "й": "y",
    "щ": "shch", "ъ": "u", "ь": "", "ю": "yu", "я": "ya", "ц": "ts", "є": "ye", "і": "i", "ї": "yi", "ʼ": "", "'": "",
}  # fmt: skip
_ENGLISH_BY_LANGUAGE = {
    "sr": _ENGLISH | {"ц": "c", "х": "h", "џ": "dz"},
    "mk": _ENGLISH | {"ц": "c", "х": "h", "џ": "dj"},
    "bg": _ENGLISH | {"щ": "sht"},
    "uk": _ENGLISH | {"г": "h", "ґ": "g", "и": "y"},
}
# Gaj's Latin (and Albanian) back to Serbian Cyrillic, digraphs first.
_TO_SERBIAN_CYRILLIC = {
    "dž": "џ", "lj": "љ", "nj": "њ", "a": "а", "b": "б", "c": "ц", "č": "ч", "ć": "ћ", "d": "д", "đ": "ђ",
    "e": "е", "f": "ф", "g": "г", "h": "х", "i": "и", "j": "ј", "k": "к", "l": "л", "m": "м", "n": "н", "o": "о",
    "p": "п", "r": "р", "s": "с", "š": "ш", "t": "т", "u": "у", "v": "в", "z": "з", "ž": "ж",
}  # fmt: skip
_ALBANIAN_TO_SERBIAN_CYRILLIC = {
    "xh": "џ", "sh": "ш", "zh": "ж", "gj": "ђ", "dh": "д", "th": "т", "ll": "л", "rr": "р", "nj": "њ",
    "ç": "ч", "ë": "е", "q": "ћ", "x": "дз", "y": "и", "j": "ј",
} | {key: value for key, value in _TO_SERBIAN_CYRILLIC.items() if len(key) == 1}  # fmt: skip

# Latin schemes a Cyrillic name may be written in (besides its national one), and the written
# forms of Đ/Ѓ an office without the letter uses.
CYRILLIC_SCHEMES = ("iso9", "unidecode", "english", "d_variant")
_D_VARIANTS = {"đ": ("dj", "dz", "d"), "ǵ": ("gj", "g", "ǵ"), "ḱ": ("kj", "k", "ḱ")}


def _cased(word: str, latin: str) -> str:
    return latin[:1].upper() + latin[1:] if word[:1].isupper() else latin


def _map_word(word: str, table: Mapping[str, str], initial: Mapping[str, str] | None = None) -> str:
    lower = word.lower()
    out = []
    for index, char in enumerate(lower):
        if initial is not None and char in initial and (index == 0 or not lower[index - 1].isalpha()):
            out.append(initial[char])
        else:
            out.append(table.get(char, char))
    return _cased(word, "".join(out))


def _words(name: str, convert: Callable[[str], str]) -> str:
    """Apply ``convert`` to each word of ``name``, keeping spaces and hyphens."""
    out: list[str] = []
    word: list[str] = []
    for char in name + " ":
        if char in " -":
            if word:
                out.append(convert("".join(word)))
                word = []
            out.append(char)
        else:
            word.append(char)
    return "".join(out)[:-1]


def strip_diacritics(text: str) -> str:
    """Latin without diacritics, as typed on a keyboard without them: Đorđe → Dorde, Çela → Cela."""
    text = text.replace("đ", "d").replace("Đ", "D").replace("ł", "l").replace("ı", "i")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


@lru_cache(maxsize=200_000)
def transliterate(name: str, *, language: str, scheme: str, variant: int = 0) -> str:
    """``name`` written in ``scheme``: "national" (the country's official Latin), "iso9", "unidecode",
    "english", "d_variant" (Gaj with Đ/Ǵ/Ḱ as written without the letter, ``variant`` choosing which),
    "cyrillic" (Latin to Serbian Cyrillic), "cedilla" (Romanian ș/ț with the cedilla) or
    "no_diacritics". A Latin name in a Cyrillic scheme, and the reverse, is returned as it is."""
    cyrillic = _is_cyrillic(name)
    if scheme == "no_diacritics":
        return strip_diacritics(name)
    if scheme == "cedilla":
        return name.translate(str.maketrans("șțȘȚ", "şţŞŢ"))
    if scheme == "cyrillic":
        if cyrillic:
            return name
        table = _ALBANIAN_TO_SERBIAN_CYRILLIC if language == "sq" else _TO_SERBIAN_CYRILLIC
        return _words(name, lambda word: _cased(word, _digraphs(word.lower(), table)))
    if not cyrillic:
        if scheme == "d_variant":
            return _d_variant(name, variant)
        return name
    if scheme == "unidecode":
        return unidecode(name)
    if scheme == "iso9":
        return unicodedata.normalize("NFC", _words(name, lambda word: _map_word(word, _ISO9)))
    if scheme == "english":
        return _words(name, lambda word: _map_word(word, _ENGLISH_BY_LANGUAGE.get(language, _ENGLISH)))
    if scheme == "d_variant":
        return _d_variant(transliterate(name, language=language, scheme="gaj"), variant)
    if scheme == "gaj":  # Serbian and Macedonian in Gaj's letters (Ǵ, Ḱ); the others have no Đ
        if language in ("bg", "uk"):
            return transliterate(name, language=language, scheme="national")
        return _words(name, lambda word: _map_word(word, _GAJ))
    if scheme != "national":
        raise ValueError(f"unknown scheme {scheme!r}")
    if language == "uk":
        return _words(name, lambda word: _map_word(word, _UKRAINIAN, _UKRAINIAN_INITIAL))
    if language == "bg":
        return _words(name, _bulgarian_word)
    if language == "mk":
        return _words(name, lambda word: _map_word(word, _MACEDONIAN))
    return _words(name, lambda word: _map_word(word, _GAJ))


def _bulgarian_word(word: str) -> str:
    if word.lower().endswith("ия"):
        return _map_word(word[:-2], _BULGARIAN) + "ia" if len(word) > 2 else _map_word(word, _BULGARIAN)
    return _map_word(word, _BULGARIAN)


def _digraphs(word: str, table: Mapping[str, str]) -> str:
    out, index = [], 0
    while index < len(word):
        pair = word[index : index + 2]
        if len(pair) == 2 and pair in table:
            out.append(table[pair])
            index += 2
        else:
            out.append(table.get(word[index], word[index]))
            index += 1
    return "".join(out)


def _d_variant(name: str, variant: int) -> str:
    out = []
    for char in name:
        options = _D_VARIANTS.get(char.lower())
        if options is None:
            out.append(char)
        else:
            written = options[variant % len(options)]
            out.append(written.capitalize() if char.isupper() else written)
    return "".join(out)


def _is_cyrillic(text: str) -> bool:
    return any("CYRILLIC" in unicodedata.name(char, "") for char in text if char.isalpha())


def script_of(data: PersonData) -> str:
    """ "cyrillic" if a name of the record is written in Cyrillic, else "latin"."""
    return "cyrillic" if _is_cyrillic(data.given_name + data.family_name) else "latin"


# -- Persons -------------------------------------------------------------------------------------


@dataclass
class _Person:
    language: str
    gender: str
    given: str  # in the native script
    family: str
    family_rank: int  # index in the pool's surname list (siblings share it)
    date_of_birth: date | None
    estimated: bool
    citizenships: tuple[str, ...]
    passport: str
    office: str


@dataclass
class Synthetic:
    """Records as offices wrote them, and which pairs of them are one person."""

    records: list[tuple[str, PersonData, str]]  # record id, values, office code
    truth: list[tuple[str, str, str]]  # record id a < record id b, one person; the kind of variation
    negatives: list[tuple[str, str, str]] = field(default_factory=list)  # a < b, two persons; sibling/namesake

    def truth_kinds(self) -> dict[tuple[str, str], str]:
        return {(a, b): kind for a, b, kind in self.truth}


class _Zipf:
    """Names of a pool with Zipf-like weights: the first (most common) names repeat most."""

    def __init__(self, names: Sequence[str], exponent: float) -> None:
        self.names = tuple(dict.fromkeys(names))
        weights = [1 / (rank + 1) ** exponent for rank in range(len(self.names))]
        total = sum(weights)
        cumulative, running = [], 0.0
        for weight in weights:
            running += weight / total
            cumulative.append(running)
        self.cumulative = cumulative

    def draw(self, rng: random.Random) -> int:
        return min(_bisect(self.cumulative, rng.random()), len(self.names) - 1)


def _bisect(cumulative: Sequence[float], value: float) -> int:
    low, high = 0, len(cumulative)
    while low < high:
        middle = (low + high) // 2
        if cumulative[middle] < value:
            low = middle + 1
        else:
            high = middle
    return low


@dataclass(frozen=True)
class _Pools:
    female_given: _Zipf
    male_given: _Zipf
    surnames: _Zipf  # masculine (or common) form; the feminine comes from _feminine
    feminine: Mapping[str, str]


def _pools(seed: int) -> dict[str, _Pools]:
    out = {}
    for language, pool in build_name_pools(seed % 1000).items():
        if language not in _BY_LANGUAGE:
            continue
        surnames = _Zipf((*pool.male_family, *_derived_surnames(language, pool.male_given)), SURNAME_EXPONENT)
        out[language] = _Pools(
            female_given=_Zipf(pool.female_given, GIVEN_EXPONENT),
            male_given=_Zipf(pool.male_given, GIVEN_EXPONENT),
            surnames=surnames,
            feminine=_feminine_forms(language, surnames.names),
        )
    return out


_SOFT = "јшжчћђљњџцjšžčćđc"


def _derived(language: str, name: str) -> list[str]:
    """Surnames made from a (male) given name as the language makes them: Марко → Марковић,
    Hamza → Hamzić, Георги → Георгиев, Петро → Петренко, Rexhep → Rexhepi, Gjoka → Gjokaj, Ion → Ionescu."""
    last = name[-1:].lower()
    if language in ("sr", "bs"):
        if last in "аa":
            return [name[:-1] + ("ић" if language == "sr" else "ić")]
        if last in "оo":
            return [name[:-1] + ("овић" if language == "sr" else "ović")]
        if last in "еe" or last in _SOFT:
            stem = name[:-1] if last in "еe" else name
            return [stem + ("евић" if language == "sr" else "ević")]
        return [name + ("овић" if language == "sr" else "ović")]
    if language == "bg":
        return [bulgarian_patronymic(name, feminine=False)]
    if language == "mk":
        stem = name[:-1] if last in "аеоиу" else name
        return [stem + "ов", stem + "овски"]
    if language == "uk":
        stem = name[:-2] + "і" if name.endswith("ій") else name.rstrip("оаиьй")
        return [stem + "енко"]
    if language == "sq":
        if last == "i":
            return [name]
        return [name + ("j" if last in "aeouë" else "i")]
    if language == "ro":
        return [name.rstrip("aeiuă") + "escu"]
    return []


def _derived_surnames(language: str, male_given: Sequence[str]) -> list[str]:
    return [surname for name in dict.fromkeys(male_given) if len(name) > 2 for surname in _derived(language, name)]


def _feminine_forms(language: str, surnames: Sequence[str]) -> Mapping[str, str]:
    """The feminine surname of each masculine one where the language changes it (Петров/Петрова,
    Јовановски/Јовановска, Коваленко/Коваленко, Шевчук/Шевчук, Литвиненко; Зарудний/Зарудна)."""
    forms: dict[str, str] = {}
    for name in surnames:
        if language == "bg":
            forms[name] = feminine_bulgarian_surname(name)
        elif language == "mk":
            if name.endswith("ски"):
                forms[name] = name[:-1] + "а"
            elif name.endswith(("ов", "ев", "ин")):
                forms[name] = name + "а"
        elif language == "uk":
            if name.endswith(("ський", "цький", "зький")) or name.endswith("ий"):
                forms[name] = name[:-2] + "а"
            elif name.endswith(("ов", "ев", "ін", "ин")):
                forms[name] = name + "а"
    return forms


def _weighted(rng: random.Random, weights: Mapping[str, float]) -> str:
    return rng.choices(tuple(weights), tuple(weights.values()))[0]


def _birth(rng: random.Random) -> tuple[date | None, bool]:
    if rng.random() < CHILD_SHARE:
        age = rng.randint(8, 17)
    else:
        if rng.random() < UNKNOWN_BIRTH_SHARE:
            return None, False
        age = rng.choice((rng.randint(18, 24), rng.randint(25, 34), rng.randint(25, 34), rng.randint(35, 60)))
    born = REFERENCE_DAY - timedelta(days=age * 365 + rng.randint(0, 364))
    if rng.random() < ESTIMATED_SHARE:
        return date(born.year, rng.choice((1, 7)), 1), True
    return born, False


def _passport(rng: random.Random, citizenship: str) -> str:
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    return citizenship + rng.choice(letters) + "".join(rng.choice("0123456789") for _ in range(7))


def _person(rng: random.Random, pools: Mapping[str, _Pools], country: _Country) -> _Person:
    pool = pools[country.language]
    gender = _weighted(rng, _GENDERS)
    feminine = gender in _FEMININE or (gender not in _MASCULINE and rng.random() < 0.5)
    given_pool = pool.female_given if feminine else pool.male_given
    given = given_pool.names[given_pool.draw(rng)]
    rank = pool.surnames.draw(rng)
    family = _surname(pool, rank, feminine=feminine)
    born, estimated = _birth(rng)
    citizenships: tuple[str, ...] = (country.citizenship,)
    chance = rng.random()
    if chance < NO_CITIZENSHIP_SHARE:
        citizenships = ()
    elif chance < NO_CITIZENSHIP_SHARE + SECOND_CITIZENSHIP_SHARE:
        other = rng.choice([c.citizenship for c in _COUNTRIES if c is not country])
        citizenships = (country.citizenship, other)
    passport = _passport(rng, country.citizenship) if rng.random() < PASSPORT_SHARE else ""
    office = rng.choice(country.offices) if rng.random() < HOME_OFFICE_SHARE else rng.choice(OFFICES)
    return _Person(country.language, gender, given, family, rank, born, estimated, citizenships, passport, office)


def _surname(pool: _Pools, rank: int, *, feminine: bool) -> str:
    name = pool.surnames.names[rank]
    return pool.feminine.get(name, name) if feminine else name


def _is_feminine_name(person: _Person, pools: Mapping[str, _Pools]) -> bool:
    return person.given in pools[person.language].female_given.names


# -- Records -------------------------------------------------------------------------------------


@dataclass
class _Draft:
    """One record being written: names in some form, the date, the office."""

    given: str
    family: str
    date_of_birth: date | None
    estimated: bool
    gender: str
    citizenships: tuple[str, ...]
    documents: tuple[str, ...]
    office: str

    def data(self) -> PersonData:
        return PersonData(
            given_name=self.given,
            family_name=self.family,
            date_of_birth=self.date_of_birth,
            date_of_birth_estimated=self.estimated,
            gender=self.gender,
            citizenships=self.citizenships,
            document_numbers=self.documents,
        )


def _written(person: _Person, scheme: str, variant: int = 0) -> tuple[str, str]:
    if scheme == "native":
        return person.given, person.family
    return (
        transliterate(person.given, language=person.language, scheme=scheme, variant=variant),
        transliterate(person.family, language=person.language, scheme=scheme, variant=variant),
    )


def _default_scheme(person: _Person) -> str:
    """How the person's own office writes her name: in her script where the office writes it."""
    if person.language in _CYRILLIC_LANGUAGES and _OFFICE_LANGUAGE[person.office] not in _CYRILLIC_LANGUAGES:
        return "national"
    return "native"


def _draft(person: _Person, scheme: str, variant: int = 0) -> _Draft:
    given, family = _written(person, scheme, variant)
    return _Draft(
        given,
        family,
        person.date_of_birth,
        person.estimated,
        person.gender,
        person.citizenships,
        (person.passport,) if person.passport else (),
        person.office,
    )


def _has_diacritics(text: str) -> bool:
    return strip_diacritics(text) != text


def _forms(person: _Person, kind: str, rng: random.Random) -> tuple[_Draft, _Draft] | None:
    """The two drafts of a script kind (or of none): how the first and the second office wrote the name.
    None if the kind does not fit the person."""
    cyrillic = person.language in _CYRILLIC_LANGUAGES
    if kind == "cyr_to_lat":
        if not cyrillic:
            return None
        return _draft(person, "native"), _draft(person, "national")
    if kind == "lat_to_cyr":
        if cyrillic:
            return _draft(person, "national"), _draft(person, "native")
        if person.language in ("bs", "hr", "sq"):
            return _draft(person, "native"), _draft(person, "cyrillic")
        return None
    if kind == "scheme":
        first_scheme = rng.choice(("native", "national")) if cyrillic else "native"
        first = _draft(person, first_scheme)
        schemes = CYRILLIC_SCHEMES if cyrillic else ("d_variant", "cedilla")
        options = []
        for scheme in schemes:
            for variant in range(3 if scheme == "d_variant" else 1):
                second = _draft(person, scheme, variant)
                if (second.given, second.family) != (first.given, first.family) and (second.given, second.family) != (
                    _written(person, "national") if cyrillic else (person.given, person.family)
                ):
                    options.append(second)
        if not options:
            return None
        return first, rng.choice(options)
    if kind == "no_diacritics":
        scheme = "national" if cyrillic else "native"
        first = _draft(person, scheme)
        if not _has_diacritics(first.given + first.family):
            return None
        return first, _stripped(first)
    scheme = _default_scheme(person)
    return _draft(person, scheme), _draft(person, scheme)


def _stripped(draft: _Draft) -> _Draft:
    return _Draft(
        strip_diacritics(draft.given),
        strip_diacritics(draft.family),
        draft.date_of_birth,
        draft.estimated,
        draft.gender,
        draft.citizenships,
        draft.documents,
        draft.office,
    )


_LATIN_LETTERS = "abcdefghijklmnoprstuvz"
_CYRILLIC_LETTERS = "абвгдежзиклмнопрстуфхцчш"
# Keys next to each other on a QWERTY (and on the Serbian/Bulgarian phonetic) keyboard, for substitutions.
_NEIGHBOURS = {
    "a": "sq", "b": "vn", "c": "xv", "d": "sf", "e": "wr", "f": "dg", "g": "fh", "h": "gj", "i": "uo", "j": "hk",
    "k": "jl", "l": "k", "m": "n", "n": "bm", "o": "ip", "p": "o", "r": "et", "s": "ad", "t": "ry", "u": "yi",
    "v": "cb", "z": "s", "а": "ос", "е": "иа", "и": "ен", "о": "а", "н": "мт", "т": "нр", "р": "п", "с": "з",
    "в": "б", "к": "г", "л": "д", "м": "н",
}  # fmt: skip


def _typo(name: str, rng: random.Random) -> str:
    """One keyboard slip in ``name``, never in the first letter (people rarely mistype it)."""
    if len(name) < 3:
        return name + name[-1:]
    letters = _CYRILLIC_LETTERS if _is_cyrillic(name) else _LATIN_LETTERS
    for _ in range(10):
        index = rng.randint(1, len(name) - 1)
        operation = rng.choice(("insert", "delete", "substitute", "transpose"))
        if operation == "insert":
            typed = name[:index] + rng.choice(name[index - 1].lower() + letters) + name[index:]
        elif operation == "delete":
            typed = name[:index] + name[index + 1 :]
        elif operation == "substitute":
            current = name[index].lower()
            typed = name[:index] + rng.choice(_NEIGHBOURS.get(current, letters)) + name[index + 1 :]
        else:
            if index == len(name) - 1:
                index -= 1
            if index < 1:
                continue
            typed = name[:index] + name[index + 1] + name[index] + name[index + 2 :]
        if typed != name and name[index : index + 1].isalpha():
            return typed
    return name[:1] + name[2:] + name[1]


def _compound(draft: _Draft, person: _Person, pools: Mapping[str, _Pools], rng: random.Random) -> None:
    apostrophes = "ʼ'’"
    if any(mark in draft.given + draft.family for mark in apostrophes) and rng.random() < 0.7:
        replacement = rng.choice(("", "'", "’", "ь" if _is_cyrillic(draft.family) else ""))
        for mark in apostrophes:
            draft.given = draft.given.replace(mark, replacement)
            draft.family = draft.family.replace(mark, replacement)
        return
    if "-" in draft.family or " " in draft.family:  # a compound written without its second part
        draft.family = draft.family.replace("-", " ").split()[0]
        return
    pool = pools[person.language]
    other = person.family
    while other == person.family:
        other = _surname(pool, pool.surnames.draw(rng), feminine=_is_feminine_name(person, pools))
    _, second = _written(_Person(**{**person.__dict__, "family": other}), _scheme_of(draft, person))
    if rng.random() < 0.7:
        draft.family = draft.family + rng.choice(("-", " ")) + second
    else:
        given_pool = pool.female_given if _is_feminine_name(person, pools) else pool.male_given
        extra = given_pool.names[given_pool.draw(rng)]
        extra_written, _ = _written(_Person(**{**person.__dict__, "given": extra}), _scheme_of(draft, person))
        if extra_written != draft.given:
            draft.given = draft.given + "-" + extra_written
        else:
            draft.family = draft.family + "-" + second


def _scheme_of(draft: _Draft, person: _Person) -> str:
    return (
        "native"
        if _is_cyrillic(draft.family) == (person.language in _CYRILLIC_LANGUAGES)
        else ("cyrillic" if _is_cyrillic(draft.family) else "national")
    )


def _other_office(office: str, rng: random.Random) -> str:
    language = _OFFICE_LANGUAGE[office]
    if rng.random() < 0.5:
        same_country = [o for o in _BY_LANGUAGE[language].offices if o != office]
        if same_country:
            return rng.choice(same_country)
    return rng.choice([o for o in OFFICES if _OFFICE_LANGUAGE[o] != language])


def _fits(person: _Person, parts: Collection[str]) -> bool:
    born = person.date_of_birth
    if any(part.startswith("dob_") for part in parts) and (born is None or person.estimated):
        return False
    if "dob_transposed" in parts and born is not None and (born.day > 12 or born.day == born.month):
        return False
    return not ("swapped" in parts and person.given == person.family)


def _vary(person: _Person, kind: str, pools: Mapping[str, _Pools], rng: random.Random) -> tuple[_Draft, _Draft] | None:
    parts = kind.split("+")
    if not _fits(person, parts):
        return None
    script_kinds = [part for part in parts if part in ("cyr_to_lat", "lat_to_cyr", "scheme", "no_diacritics")]
    forms = _forms(person, script_kinds[0] if script_kinds else "", rng)
    if forms is None:
        return None
    first, second = forms
    for part in parts:
        if part == "typo":
            if rng.random() < 0.5:
                second.family = _typo(second.family, rng)
            else:
                second.given = _typo(second.given, rng)
        elif part == "swapped":
            second.given, second.family = second.family, second.given
        elif part == "compound":
            _compound(second, person, pools, rng)
        elif part == "dob_missing":
            second.date_of_birth, second.estimated = None, False
        elif part == "dob_estimated" and second.date_of_birth is not None:
            second.date_of_birth, second.estimated = date(second.date_of_birth.year, rng.choice((1, 7)), 1), True
        elif part == "dob_transposed" and second.date_of_birth is not None:
            born = second.date_of_birth
            second.date_of_birth = date(born.year, born.day, born.month)
        elif part == "dob_year_off" and second.date_of_birth is not None:
            born = second.date_of_birth
            year = born.year + rng.choice((-1, 1))
            second.date_of_birth = date(year, born.month, min(born.day, 28 if born.month == 2 else 31))
        elif part == "other_office":
            second.office = _other_office(first.office, rng)
    if second.documents and rng.random() >= DUPLICATE_KEEPS_PASSPORT:
        second.documents = ()
    if rng.random() < 0.2:  # the second office did not ask, or wrote no citizenship
        second.citizenships = ()
    if (second.given, second.family, second.date_of_birth, second.office) == (
        first.given,
        first.family,
        first.date_of_birth,
        first.office,
    ):
        return None  # the variation changed nothing this person has (a typo cannot fail, but be safe)
    return first, second


def _sibling(person: _Person, pools: Mapping[str, _Pools], rng: random.Random) -> _Person:
    """A brother or sister: the same family (surname, citizenship, often the office), another given
    name and birth date."""
    pool = pools[person.language]
    country = _BY_LANGUAGE[person.language]
    # Another gender only where the feminine surname is known (Bulgarian) or does not change.
    other_gender_known = person.language == "bg" or not country.gendered_surnames
    gender = _weighted(rng, _GENDERS) if other_gender_known and rng.random() < 0.4 else person.gender
    feminine = gender in _FEMININE or (gender not in _MASCULINE and _is_feminine_name(person, pools))
    given_pool = pool.female_given if feminine else pool.male_given
    given = person.given
    for _ in range(20):
        given = given_pool.names[given_pool.draw(rng)]
        if given != person.given:
            break
    born = person.date_of_birth or _birth(rng)[0] or REFERENCE_DAY - timedelta(days=20 * 365)
    born = born + timedelta(days=rng.choice((-1, 1)) * rng.randint(300, 12 * 365))
    if born > REFERENCE_DAY:
        born = REFERENCE_DAY - timedelta(days=rng.randint(100, 2000))
    family = _surname(pool, person.family_rank, feminine=feminine) if person.language == "bg" else person.family
    return _Person(
        person.language,
        gender,
        given,
        family,
        person.family_rank,
        born,
        False,
        person.citizenships,
        "",
        person.office if rng.random() < 0.7 else rng.choice(country.offices),
    )


def _namesake(person: _Person, rng: random.Random) -> _Person:
    """An unrelated person with the same (common) name: another birth date, often another office."""
    # Born at least two years apart, on a known day: a reviewer could tell them apart too.
    born = person.date_of_birth or REFERENCE_DAY - timedelta(days=25 * 365)
    born += timedelta(days=rng.choice((-1, 1)) * rng.randint(2 * 366, 15 * 365))
    if born > REFERENCE_DAY - timedelta(days=8 * 365):
        born -= timedelta(days=20 * 365)
    estimated = False
    country = _BY_LANGUAGE[person.language]
    return _Person(
        person.language,
        person.gender,
        person.given,
        person.family,
        person.family_rank,
        born,
        estimated,
        (country.citizenship,),
        _passport(rng, country.citizenship) if rng.random() < PASSPORT_SHARE else "",
        rng.choice(country.offices) if rng.random() < 0.7 else rng.choice(OFFICES),
    )


def generate(*, persons: int, seed: int, duplicate_share: float = 0.1, kinds: Collection[str] | None = None) -> Synthetic:
    """``persons`` distinct persons (hard negatives among them), of whom ``duplicate_share`` are
    registered a second time with a variation of one of ``kinds`` (default: all of ``KINDS``).

    The records come in a shuffled order with ids ``r0000001``... (as wide as needed, so that the
    ids sort as numbers), so neither the order nor the ids tell which records belong together."""
    chosen = tuple(KINDS if kinds is None else kinds)
    unknown = sorted(set(chosen) - set(KINDS))
    if unknown:
        raise ValueError(f"unknown kinds: {', '.join(unknown)}")
    rng = random.Random(seed)  # reproducible synthetic data, not secrets # nosec B311
    pools = _pools(seed)
    countries = _COUNTRIES
    shares = [country.share for country in countries]

    negatives_wanted = {kind: round(persons * share) for kind, share in _NEGATIVE_SHARE.items()}
    regular_count = max(persons - sum(negatives_wanted.values()), 0)
    people = [_person(rng, pools, rng.choices(countries, shares)[0]) for _ in range(regular_count)]

    # Each record: (the person's index, the draft); pairs by index into `drafts`.
    drafts: list[_Draft] = []
    planted: list[tuple[int, int, str]] = []
    negative_pairs: list[tuple[int, int, str]] = []
    written: dict[int, int] = {}  # person -> index of her first record, for those written already

    duplicates_wanted = round(regular_count * duplicate_share) if chosen else 0
    weights = [1.0 if "+" not in kind else _COMBINATION_WEIGHT for kind in chosen]
    taken: set[int] = set()
    for _ in range(duplicates_wanted):
        kind = rng.choices(chosen, weights)[0]
        for _attempt in range(200):
            index = rng.randrange(regular_count)
            if index in taken:
                continue
            pair = _vary(people[index], kind, pools, rng)
            if pair is None:
                continue
            taken.add(index)
            first, second = pair
            written[index] = len(drafts)
            drafts.extend((first, second))
            planted.append((len(drafts) - 2, len(drafts) - 1, kind))
            break
    for index, person in enumerate(people):
        if index not in written:
            written[index] = len(drafts)
            drafts.append(_draft(person, _default_scheme(person)))

    if regular_count:
        for kind, count in negatives_wanted.items():
            for _ in range(count):
                if kind == "sibling":
                    index = rng.randrange(regular_count)
                    other = _sibling(people[index], pools, rng)
                else:
                    index = _common_name_person(people, pools, rng)
                    other = _namesake(people[index], rng)
                base = drafts[written[index]]
                twin = _draft(other, _scheme_of(base, people[index]))
                if kind == "sibling" and (twin.given, twin.date_of_birth) == (base.given, base.date_of_birth):
                    continue
                drafts.append(twin)
                negative_pairs.append((written[index], len(drafts) - 1, kind))

    order = list(range(len(drafts)))
    rng.shuffle(order)
    width = max(len(str(len(drafts))), 7)
    ids = [""] * len(drafts)
    for position, draft_index in enumerate(order, start=1):
        ids[draft_index] = f"r{position:0{width}d}"
    records = [(ids[index], drafts[index].data(), drafts[index].office) for index in order]
    return Synthetic(records=records, truth=_named(planted, ids), negatives=_named(negative_pairs, ids))


def _named(pairs: Iterable[tuple[int, int, str]], ids: Sequence[str]) -> list[tuple[str, str, str]]:
    named = [(min(ids[a], ids[b]), max(ids[a], ids[b]), kind) for a, b, kind in pairs]
    return sorted(named)


def _common_name_person(people: Sequence[_Person], pools: Mapping[str, _Pools], rng: random.Random) -> int:
    """A person whose given and family names are both among the five most common of her pool."""
    for _ in range(200):
        index = rng.randrange(len(people))
        person = people[index]
        pool = pools[person.language]
        given_pool = pool.female_given if _is_feminine_name(person, pools) else pool.male_given
        if person.family_rank < 5 and person.given in given_pool.names[:5]:
            return index
    return rng.randrange(len(people))


# -- Files ---------------------------------------------------------------------------------------


def write_csv(synthetic: Synthetic, persons_path: Path, truth_path: Path) -> None:
    """The issue's PERSONS.csv (HTCDS columns; several citizenships joined by ";") and the truth
    (record_id_a,record_id_b,kind)."""
    with persons_path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(PERSONS_COLUMNS)
        for record_id, data, _office in synthetic.records:
            writer.writerow(
                (
                    record_id,
                    data.given_name,
                    data.family_name,
                    data.date_of_birth.isoformat() if data.date_of_birth else "",
                    data.gender,
                    ";".join(data.citizenships),
                    data.document_numbers[0] if data.document_numbers else "",
                )
            )
    with truth_path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(TRUTH_COLUMNS)
        writer.writerows(synthetic.truth)


def read_persons_csv(path: Path) -> list[tuple[str, PersonData]]:
    """A PERSONS.csv back as (record id, values); the estimated flag has no column and reads False."""
    rows = []
    with path.open(newline="", encoding="utf-8") as source:
        for row in csv.DictReader(source):
            born = row["prs_Birthdate"]
            rows.append(
                (
                    row["record_id"],
                    PersonData(
                        given_name=row["prs_FirstName"],
                        family_name=row["prs_LastName"],
                        date_of_birth=date.fromisoformat(born) if born else None,
                        gender=row["prs_Gender"],
                        citizenships=tuple(code for code in row["prs_Citizenship"].split(";") if code),
                        document_numbers=(row["prs_IdentityNumber"],) if row["prs_IdentityNumber"] else (),
                    ),
                )
            )
    return rows


def read_truth_csv(path: Path) -> list[tuple[str, str, str]]:
    with path.open(newline="", encoding="utf-8") as source:
        return [(row["record_id_a"], row["record_id_b"], row["kind"]) for row in csv.DictReader(source)]


# -- Scoring -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Score:
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positives + self.false_negatives
        return self.true_positives / wanted if wanted else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def evaluate(synthetic: Synthetic, found: Iterable[tuple[str, str]]) -> dict[str, Score]:
    """Pairwise scores of ``found`` pairs: "overall", "cross_script" (the two records in different
    scripts), one row per kind planted, and one per hard-negative kind (its false positives: planted
    negatives judged the same person).

    A kind's false positives are the wrongly found pairs that touch a record of that kind's true
    pairs, so that its precision says whether the variation also makes wrong links."""
    truth = synthetic.truth_kinds()
    found_set = {(min(a, b), max(a, b)) for a, b in found}
    scripts = {record_id: script_of(data) for record_id, data, _office in synthetic.records}
    kind_of_record: dict[str, str] = {}
    for a, b, kind in synthetic.truth:
        kind_of_record[a] = kind_of_record[b] = kind

    def cross(pair: tuple[str, str]) -> bool:
        return scripts[pair[0]] != scripts[pair[1]]

    rows: dict[str, list[int]] = {"overall": [0, 0, 0], "cross_script": [0, 0, 0]}
    for kind in dict.fromkeys(kind for _a, _b, kind in synthetic.truth):
        rows[kind] = [0, 0, 0]
    for pair, kind in truth.items():
        hit = 0 if pair in found_set else 2
        rows["overall"][hit] += 1
        rows[kind][hit] += 1
        if cross(pair):
            rows["cross_script"][hit] += 1
    for pair in found_set - truth.keys():
        rows["overall"][1] += 1
        if cross(pair):
            rows["cross_script"][1] += 1
        for kind in {kind_of_record[record] for record in pair if record in kind_of_record}:
            rows[kind][1] += 1
    for kind in NEGATIVE_KINDS:
        planted = [(a, b) for a, b, negative in synthetic.negatives if negative == kind]
        if planted:
            rows[f"negative:{kind}"] = [0, sum(pair in found_set for pair in planted), 0]
    return {name: Score(*counts) for name, counts in rows.items()}
