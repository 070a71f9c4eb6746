"""Names and references: one form (NFC), letters of every script kept, nothing invisible let in."""

import unicodedata

import pytest
from django.core.exceptions import ValidationError

from pristan.core.text import clean_text, forbidden_character

NAMES = [
    "Мария Иванова",  # Bulgarian
    "Ђорђе Јовановић",  # Serbian Cyrillic
    "Đorđe Jovanović",  # Serbian Latin
    "Ѓорѓи Ќосевски",  # Macedonian
    "Łucja Wójcik-Żebrowska",  # Polish
    "Nguyễn Thị Minh Khai",  # Vietnamese (NFC: precomposed with two marks)
    "Ζωή Παπαδοπούλου",  # Greek
    "فاطمة الزهراء",  # Arabic
    "מרים כהן",  # Hebrew
    "देवनागरी शर्मा",  # Devanagari
    "রবীন্দ্রনাথ ঠাকুর",  # Bengali
    "สมชาย ใจดี",  # Thai
    "王秀英",  # Chinese
    "Ṣàngó Adéyẹmí",  # Yoruba
    "O'Brien-Smith Jr.",
    "Anh\u00a0Tú",  # a no-break space, as pasted: a space, not an invisible character
    "می\u200cخواهم",  # Persian: ZERO WIDTH NON-JOINER between two Arabic letters, part of the spelling
    "ക്\u200dഷ",  # Malayalam: ZERO WIDTH JOINER inside a conjunct
]


@pytest.mark.parametrize("name", NAMES)
def test_names_of_every_script_are_kept_as_written(name):
    assert clean_text(name, field="Given name") == unicodedata.normalize("NFC", name)
    assert clean_text(name, field="Given name") == name


REFUSED = [
    ("Ana\u202egnp.exe", "RIGHT-TO-LEFT OVERRIDE", "202E"),
    ("Ana\u202dx", "LEFT-TO-RIGHT OVERRIDE", "202D"),
    ("Ana\u202ax", "LEFT-TO-RIGHT EMBEDDING", "202A"),
    ("Ana\u202bx", "RIGHT-TO-LEFT EMBEDDING", "202B"),
    ("Ana\u202cx", "POP DIRECTIONAL FORMATTING", "202C"),
    ("Ana\u2066x\u2069", "LEFT-TO-RIGHT ISOLATE", "2066"),
    ("Ana\u2067x", "RIGHT-TO-LEFT ISOLATE", "2067"),
    ("Ana\u2068x", "FIRST STRONG ISOLATE", "2068"),
    ("Ana x\u2069", "POP DIRECTIONAL ISOLATE", "2069"),
    ("An\u200ba", "ZERO WIDTH SPACE", "200B"),
    ("An\u200ea", "LEFT-TO-RIGHT MARK", "200E"),
    ("An\u200fa", "RIGHT-TO-LEFT MARK", "200F"),
    ("An\u2060a", "WORD JOINER", "2060"),
    ("An\u2061a", "FUNCTION APPLICATION", "2061"),
    ("An\u2064a", "INVISIBLE PLUS", "2064"),
    ("\ufeffAna", "ZERO WIDTH NO-BREAK SPACE", "FEFF"),
    ("An\u00ada", "SOFT HYPHEN", "00AD"),
    ("An\u180ea", "MONGOLIAN VOWEL SEPARATOR", "180E"),
    ("Ana\u2028x", "LINE SEPARATOR", "2028"),
    ("Ana\x07", "CONTROL CHARACTER", "0007"),
    ("Ana\nIvanova", "CONTROL CHARACTER", "000A"),
    ("Ana\x1b[31m", "CONTROL CHARACTER", "001B"),
    ("Ana\ue000", "UNNAMED CHARACTER", "E000"),  # private use
    # The joiners where they join nothing: in Latin or Cyrillic words, at an edge, beside a space.
    ("An\u200da", "ZERO WIDTH JOINER", "200D"),
    ("Ан\u200cа", "ZERO WIDTH NON-JOINER", "200C"),
    ("می\u200c", "ZERO WIDTH NON-JOINER", "200C"),
    ("می \u200cخ", "ZERO WIDTH NON-JOINER", "200C"),
]


@pytest.mark.parametrize(("text", "name", "code"), REFUSED)
def test_invisible_and_control_characters_are_refused_by_name(text, name, code):
    with pytest.raises(ValidationError) as error:
        clean_text(text, field="Given name")
    assert error.value.code == "invisible"
    assert error.value.messages == [
        f"Given name contains an invisible or control character, {name} (U+{code}), which can disguise how it is "
        "displayed. Remove it and type the text again."
    ]
    assert forbidden_character(text) == chr(int(code, 16))


def test_decomposed_input_is_stored_composed():
    decomposed = unicodedata.normalize("NFD", "Đorđe Jovanović Nguyễn")
    assert decomposed != "Đorđe Jovanović Nguyễn"
    assert clean_text(decomposed, field="Given name") == "Đorđe Jovanović Nguyễn"


def test_a_decomposed_name_with_a_forbidden_character_is_refused_all_the_same():
    with pytest.raises(ValidationError):
        clean_text(unicodedata.normalize("NFD", "José\u202e"), field="Given name")
