"""Tests for pristan.core.names: transliteration and cross-script search folding."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pristan.core.names import fold, matches, search_key, search_tokens, to_latin

# Every spelling in a group must give the same search tokens.
SAME_NAME = [
    ("Иван Петров", "Ivan Petrov", "IVAN PETROV"),
    ("Đorđe", "Ђорђе", "Djordje", "Dorde", "DJORDJE"),
    ("Čedomir", "Чедомир", "Cedomir", "Chedomir"),
    ("Ćirić", "Ћирић", "Ciric"),
    ("Христо", "Hristo", "Khristo"),
    ("Жельо", "Zhelyo", "Željo"),
    ("Щерев", "Shterev"),
    ("Јована", "Jovana"),
    ("Љубица", "Ljubica", "Lyubitsa"),
    ("Њего", "Njego"),
    ("Ѓорѓи", "Gjorgji"),
    ("Џеко", "Džeko", "Dzeko", "Dzheko", "Джеко"),
    ("Юлия", "Yuliya", "Yulia", "Julija"),
    ("Цветан", "Tsvetan", "Cvetan"),
    ("Шабан", "Šaban", "Shaban", "Saban"),
    ("Ștefan", "Stefan", "Ştefan"),
    ("Олена", "Olena"),
    ("Марија", "Мария", "Maria", "Mariya", "Marija"),
    ("Юрий", "Yuriy", "Yuri", "Jurij"),
    ("Николай", "Nikolay", "Nikolaj"),
]
PAIRS = [(group[0], other) for group in SAME_NAME for other in group[1:]]


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_spellings_of_one_name_collide(a: str, b: str) -> None:
    assert search_tokens(a) == search_tokens(b)
    assert search_key(a) == search_key(b)
    assert matches(a, search_key(b))
    assert matches(b, search_key(a))


@pytest.mark.parametrize(
    ("a", "b"),
    [("Иван", "Петров"), ("Đorđe", "Jovana"), ("Марко", "Mirko"), ("Ana", "Ena")],
)
def test_different_names_stay_apart(a: str, b: str) -> None:
    assert search_tokens(a) != search_tokens(b)


@pytest.mark.parametrize(
    ("cyrillic", "latin"),
    [
        ("Иван Петров", "Ivan Petrov"),
        ("Ђорђе Џаковић", "Đorđe Džaković"),
        ("Чедомир Ћирић", "Čedomir Ćirić"),
        ("Љубица Њего", "Ljubica Njego"),
        ("ЉУБИЦА ЏАКОВИЋ", "LJUBICA DŽAKOVIĆ"),
        ("Ѓорѓи Ќосе Ѕвезда", "Gjorgji Kjose Dzvezda"),
        ("Жельо Щерев", "Želyo Shterev"),
        ("Юлия Янева", "Yuliya Yaneva"),
        ("Йордан Ъглов", "Yordan Aglov"),
        ("Ольга", "Olga"),
        ("Олена Ґонта", "Olena Gonta"),
        ("  Ана-Марија  О'Нил ", "  Ana-Marija  O'Nil "),
        ("Ivan Petrović, Ștefan Müller", "Ivan Petrović, Ștefan Müller"),
        ("Γιώργος", "Giorgos"),
        ("", ""),
    ],
)
def test_to_latin(cyrillic: str, latin: str) -> None:
    assert to_latin(cyrillic) == latin


def test_fold_examples() -> None:
    assert fold("Đorđe") == "dorde"
    assert fold("Жельо") == "zeljo"
    assert fold("Shterev") == "sterev"
    assert fold("O'Brien") == "obrien"
    assert fold("—") == ""


def test_search_tokens_split_fold_and_deduplicate() -> None:
    assert search_tokens("Ана-Марија  О'Нил", "ana, Maria!") == [
        "ana",
        "maria",
        "o",
        "nil",
    ]
    assert search_tokens("Иван_Петров/Ivan\tPetrov") == ["ivan", "petrov"]
    assert search_tokens("", " - ", "'") == []
    assert search_key("Ђорђе", "Петровић") == "dorde petrovic"


def test_matches_prefixes() -> None:
    key = search_key("Ђорђе Петровић", "Djordje Petrovic")
    assert matches("petr", key)
    assert matches("Петр Ђо", key)
    assert matches("dorde petrovic", key)
    assert not matches("petar", key)
    assert not matches("", key)
    assert not matches(" - ", key)
    assert not matches("ivan", "")


# Serbian Cyrillic → Gaj's Latin, written independently of names.py.
GAJ = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "ђ": "đ", "е": "e", "ж": "ž",
    "з": "z", "и": "i", "ј": "j", "к": "k", "л": "l", "љ": "lj", "м": "m", "н": "n",
    "њ": "nj", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "ћ": "ć", "у": "u",
    "ф": "f", "х": "h", "ц": "c", "ч": "č", "џ": "dž", "ш": "š",
}  # fmt: skip
GAJ |= {cyr.upper(): lat.capitalize() for cyr, lat in GAJ.items()}
serbian_text = st.text(alphabet=st.sampled_from([*GAJ, " ", "-"]))
europe_text = st.text(
    alphabet=st.characters(
        codec="utf-8",
        categories=["L", "M", "Nd", "P", "Zs"],
        max_codepoint=0x52F,  # Latin, Greek and Cyrillic blocks
    )
)


@given(st.text())
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


@given(st.text())
def test_tokens_are_folded_ascii(text: str) -> None:
    for token in search_tokens(text):
        assert token
        assert token.isascii()
        assert token.isalnum()
        assert token == fold(token)


@given(st.one_of(st.text(), europe_text))
def test_search_tokens_ignore_case(text: str) -> None:
    assert search_tokens(text.upper()) == search_tokens(text) == search_tokens(text.lower())


@given(serbian_text)
def test_serbian_cyrillic_and_gaj_latin_give_same_tokens(text: str) -> None:
    latin = "".join(GAJ.get(char, char) for char in text)
    assert search_tokens(text) == search_tokens(latin)


@given(st.text())
def test_text_matches_its_own_key(text: str) -> None:
    assert matches(text, search_key(text)) == bool(search_tokens(text))


@given(st.text(), st.text())
def test_arbitrary_unicode_never_raises(a: str, b: str) -> None:
    assert isinstance(to_latin(a), str)
    assert isinstance(fold(a), str)
    assert isinstance(search_key(a, b), str)
    assert isinstance(matches(a, b), bool)
