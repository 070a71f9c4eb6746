"""Refusing passwords that look like they are on a breach list, without asking anyone online.

Guessing tools try the common passwords first, then the same with digits, years and symbols added
before or after them, letters swapped for look-alike digits (p@ssw0rd), keyboard walks (qwerty,
1qaz2wsx, asdfgh on QWERTY and QWERTZ, and on the Cyrillic layouts used in our region), one
character or a short pattern repeated, and the name of the organisation or of the product. This
validator refuses all of these. It complements Django's CommonPasswordValidator (the password
exactly as on its list of 20,000) and the minimum length.
"""

import functools
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from pristan.core.names import to_latin

PRODUCT_NAME = "pristan"

# Words our users would reach for that are not on Django's (English) list: "password", "love",
# the region's cities and countries, in Latin spelling (Cyrillic is transliterated first).
LOCAL_WORDS = frozenset({
    "lozinka", "sifra", "zaporka", "parola", "parolata", "geslo", "lozinku", "sifru", "korisnik", "korisnicko",
    "admin", "administrator", "ljubav", "ljubov", "lubov", "volimte", "obicam", "sunce", "sunceto", "proljece",
    "prolet", "proleca", "leto", "ljeto", "zima", "jesen", "esen", "zdravo", "zdravei", "dobrodosli", "dobredojde",
    "dobredosli", "caseworker", "supervisor", "sarajevo", "mostar", "tuzla", "zenica", "banjaluka", "bihac", "sofia",
    "sofiya", "sofija", "plovdiv", "varna", "burgas", "ruse", "skopje", "skopie", "bitola", "ohrid", "kumanovo",
    "tetovo", "beograd", "novisad", "nis", "zagreb", "split", "rijeka", "osijek", "bosna", "bosnia", "hercegovina",
    "makedonija", "macedonia", "bulgaria", "balgariya", "blgariya", "bugarska", "srbija", "serbia", "hrvatska",
    "croatia", "jugoslavija", "balkan",
})  # fmt: skip

# Keys in the order they sit on the keyboard, on the layouts used in the region, and alphabets.
KEY_SEQUENCES = (
    "`1234567890-=",
    "qwertyuiop[]\\",
    "asdfghjkl;'",
    "zxcvbnm,./",
    "qwertzuiopšđ",
    "asdfghjklčćž",
    "<yxcvbnm,.-",
    "1qaz", "2wsx", "3edc", "4rfv", "5tgb", "6yhn", "7ujm", "8ik,", "9ol.", "0p;/",
    "1qay", "6zhn",
    "йцукенгшщзхъ",
    "фывапролджэ",
    "ячсмитьбю",
    "явертъуиопшщю",
    "асдфгхйкл",
    "зьцжбнм",
    "љњертзуиопшђ",
    "љњертѕуиопшѓ",
    "асдфгхјклчћж",
    "ѕџцвбнм",
    "џцвбнм",
    "уеишщксдзц",
    "ьяаожгтнвм",
    "abcdefghijklmnopqrstuvwxyz",
    "абвгдежзийклмнопрстуфхцчшщъьюя",
    "абвгдђежзијклљмнњопрстћуфхцчџш",
    "9876543210",
)  # fmt: skip
SHIFTED = str.maketrans('~!@#$%^&*()_+{}|:"<>?', "`1234567890-=[]\\;',./")
LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "6": "g", "7": "t", "8": "b", "9": "g", "@": "a", "$": "s", "!": "i",
        "|": "l", "+": "t", "€": "e"}  # fmt: skip
SEPARATORS = re.compile(r"[\s\-_.·,;:/\\]+")


@functools.cache
def _walk_pieces() -> frozenset[str]:
    """Every run of two or more neighbouring keys, in either direction."""
    pieces = set()
    for sequence in KEY_SEQUENCES:
        for text in (sequence, sequence[::-1]):
            for start in range(len(text)):
                for end in range(start + 2, len(text) + 1):
                    pieces.add(text[start:end])
    return frozenset(pieces)


@functools.cache
def _common_words() -> frozenset[str]:
    return frozenset(CommonPasswordValidator().passwords) | LOCAL_WORDS


def _fold(text: str) -> str:
    """Latin letters without diacritics, lower case: `Пристан`, `Prištan` and `PRISTAN` all fold to `pristan`."""
    text = unicodedata.normalize("NFKD", to_latin(unicodedata.normalize("NFKC", text)))
    text = "".join(char for char in text if not unicodedata.combining(char))
    return text.replace("đ", "dj").replace("Đ", "Dj").casefold()


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", text)


def _core(text: str) -> str:
    """The text without the digits, symbols and spaces added before or after it."""
    start, end = 0, len(text)
    while start < end and not text[start].isalpha():
        start += 1
    while end > start and not text[end - 1].isalpha():
        end -= 1
    return text[start:end]


def _unleet(text: str, one: str) -> str:
    return "".join(one if char == "1" else LEET.get(char, char) for char in text)


def _is_walk(text: str) -> bool:
    """Made only of runs of neighbouring keys (three or more each), or two walks interleaved (1q2w3e4r)."""
    if len(text) < 4:
        return False
    pieces = _walk_pieces()
    reachable = [True] + [False] * len(text)
    for end in range(3, len(text) + 1):
        reachable[end] = any(reachable[start] and text[start:end] in pieces for start in range(end - 2))
    if reachable[-1]:
        return True
    evens, odds = text[0::2], text[1::2]
    return len(odds) >= 3 and evens in pieces and odds in pieces


def _repeated_unit(text: str) -> str | None:
    """The shortest piece that `text` is a repetition of, if it is one."""
    for size in range(1, len(text) // 2 + 1):
        if len(text) % size == 0 and text[:size] * (len(text) // size) == text:
            return text[:size]
    return None


class BreachedLookingPasswordValidator:
    """Refuses passwords built the way breached passwords are built. See the module's docstring."""

    def __init__(self, names: Iterable[str] = (), min_word_length: int = 3) -> None:
        self.extra_names = tuple(names)
        self.min_word_length = min_word_length

    def _names(self) -> tuple[set[str], set[str]]:
        """Names refused anywhere in a password, and single words of the organisation's name
        refused as the whole password (with digits and symbols around them)."""
        organisation = str(getattr(settings, "PRISTAN_ORGANISATION_NAME", ""))
        whole = {_letters(_fold(name)) for name in (PRODUCT_NAME, organisation, *self.extra_names)}
        words = {_letters(_fold(word)) for name in (organisation, *self.extra_names) for word in SEPARATORS.split(name)}
        return {name for name in whole if len(name) >= 4}, {word for word in words if len(word) >= 4}

    def _is_common(self, text: str) -> bool:
        return len(text) >= self.min_word_length and text in _common_words()

    def validate(self, password: str, user: Any = None) -> None:
        lowered = unicodedata.normalize("NFKC", password).casefold().strip()
        core = _core(lowered)
        joined = SEPARATORS.sub("", core)
        plain = {_fold(core), _fold(joined)}
        unleeted = {_core(_unleet(text, one)) for text in plain for one in "il"}
        forms = plain | unleeted

        anywhere, words = self._names()
        looked_in = forms | {_unleet(_fold(lowered), one) for one in "il"} | {_letters(form) for form in forms}
        if any(name in text for name in anywhere for text in looked_in) or forms & words:
            raise ValidationError(
                _("This password contains the name of the organisation or of Pristan, which is among the first things tried."),
                code="password_has_organisation_name",
            )

        for text in (lowered, core, joined):
            unit = _repeated_unit(text) if len(text) >= 3 else None
            if unit is not None and (len(unit) <= 6 or len(text) // len(unit) >= 3 or self._is_common(_fold(unit))):
                raise ValidationError(
                    _("This password repeats one character or a short pattern, which is easy to guess."),
                    code="password_repeated",
                )

        if any(_is_walk(text) for text in (lowered.translate(SHIFTED), core, joined)):
            raise ValidationError(
                _("This password follows a pattern of neighbouring keys (such as qwerty or 1qaz2wsx), which is easy to guess."),
                code="password_keyboard_walk",
            )

        if any(self._is_common(text) for text in forms):
            raise ValidationError(
                _(
                    "This password is a common password or word with digits, a year or symbols added, "
                    "which is among the first things tried. Choose several unrelated words instead."
                ),
                code="password_breached_looking",
            )

    def get_help_text(self) -> str:
        return _(
            "Your password can’t be a common password or word with digits, a year or symbols added, a pattern of "
            "neighbouring keys, a repeated pattern or the name of the organisation."
        )
