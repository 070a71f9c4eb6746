"""Names and references as they are displayed: one form (NFC), and nothing invisible that could
disguise them.

A name is shown to people who decide on its strength who someone is, and is copied into files,
references and search. Characters that change how text is displayed without being seen can make
one name look like another or hide part of it: "Ana\u202egnp.exe" shows as "Anaexe.png". So every
name and reference that enters Pristan (forms, the API, imports, the administration's offices,
partners and users) goes through `clean_text`, which:

* normalises to NFC, so that "é" typed as e + combining acute and "é" typed as one letter are one
  name (stored, searched and compared alike);
* refuses control characters (Unicode category Cc: tabs, line breaks, escape ...), invisible and
  bidirectional format characters (Cf: U+200B-U+200F, U+202A-U+202E, U+2060-U+2064, U+2066-U+2069,
  U+FEFF, the soft hyphen U+00AD, U+180E ...), line and paragraph separators (Zl, Zp), private-use,
  surrogate and unassigned code points, naming the field and the character.

Letters and combining marks of every script are kept as written (Cyrillic, Latin with diacritics,
Greek, Arabic, Hebrew, Devanagari, Bengali, Thai, Chinese ...). Right-to-left names need no control
characters: the browser lays them out from the letters themselves (and templates isolate them).

ZERO WIDTH NON-JOINER (U+200C) and ZERO WIDTH JOINER (U+200D) are part of the spelling of words in
Persian, Kurdish, and the Indic and other South and South-East Asian scripts (Persian
"می‌خواهم", Malayalam and Sinhala conjuncts): refusing them would refuse real names. They are kept
only where they do that work, between two letters or marks of a script that joins (neither Latin,
Cyrillic nor Greek, which never need them); anywhere else (at an edge, beside a space or a Latin
letter, doubled) they are refused like any other invisible character.

Pure Python and Django's translation only: usable from forms, serializers, services and imports.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

__all__ = ["INVISIBLE", "clean_text", "forbidden_character", "text_errors"]

INVISIBLE = _(
    "%(field)s contains an invisible or control character, %(character)s (U+%(code)s), which can disguise "
    "how it is displayed. Remove it and type the text again."
)

_JOINERS = {"\u200c", "\u200d"}
_REFUSED_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn"}
_NON_JOINING_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK")


def _joins(char: str) -> bool:
    """A letter or mark of a script in which ZWJ/ZWNJ change how letters join."""
    if unicodedata.category(char)[0] not in "LM":
        return False
    return not unicodedata.name(char, "").startswith(_NON_JOINING_SCRIPTS)


def forbidden_character(text: str) -> str | None:
    """The first character of ``text`` that a name or reference may not hold, or None."""
    for index, char in enumerate(text):
        if unicodedata.category(char) not in _REFUSED_CATEGORIES:
            continue
        if char in _JOINERS and 0 < index < len(text) - 1 and _joins(text[index - 1]) and _joins(text[index + 1]):
            continue
        return char
    return None


def character_name(char: str) -> str:
    """Its Unicode name ("RIGHT-TO-LEFT OVERRIDE"); control characters have none, so a word for them."""
    return unicodedata.name(char, "") or ("CONTROL CHARACTER" if unicodedata.category(char) == "Cc" else "UNNAMED CHARACTER")


def clean_text(value: str, *, field: str) -> str:
    """``value`` in NFC; ValidationError (code ``invisible``) naming ``field`` and the character if
    it holds one that a name or reference may not."""
    if value.isprintable() and unicodedata.is_normalized("NFC", value):
        return value  # most names: no control, format or separator character at all, and already NFC
    text = unicodedata.normalize("NFC", value)
    char = forbidden_character(text)
    if char is not None:
        raise ValidationError(
            INVISIBLE, code="invisible", params={"field": field, "character": character_name(char), "code": f"{ord(char):04X}"}
        )
    return text


def text_errors(values: Mapping[str, object], labels: Mapping[str, object]) -> dict[str, ValidationError]:
    """The problems of the text values among ``values`` whose names ``labels`` lists (label by name)."""
    errors: dict[str, ValidationError] = {}
    for name, label in labels.items():
        value = values.get(name)
        if isinstance(value, str):
            try:
                clean_text(value, field=str(label))
            except ValidationError as error:
                errors[name] = error
    return errors


def normalised(values: Mapping[str, Any], names: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """``values`` with the text values of ``names`` in NFC."""
    return {
        name: unicodedata.normalize("NFC", value) if name in names and isinstance(value, str) else value
        for name, value in values.items()
    }
