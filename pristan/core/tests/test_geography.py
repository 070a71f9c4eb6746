"""Every country and language is named in the reader's language, and lists sort by its alphabet."""

import pytest
from django.utils import translation

from pristan.core import geography

# Names that really are the same in Bosnian, Croatian or Serbian Latin as in English (reviewed:
# each is the standard name in those languages). Cyrillic locales may share none.
SAME_IN_LATIN_SCRIPT = {
    "countries": {
        "Angola", "Argentina", "Aruba", "Barbados", "Belize", "Benin", "Bermuda", "Brazil",
        "Burkina Faso", "Burundi", "Curaçao", "Gabon", "Gibraltar", "Grenada", "Guam", "Guernsey",
        "Haiti", "Honduras", "Hong Kong", "Iran", "Japan", "Jersey", "Jordan", "Kiribati", "Mali",
        "Malta", "Mayotte", "Montserrat", "Nauru", "Nepal", "Niger", "Niue", "Oman", "Pakistan",
        "Palau", "Panama", "Peru", "Portugal", "Réunion", "Samoa", "San Marino", "Senegal", "Sudan",
        "Togo", "Tokelau", "Tonga", "Turkmenistan", "Tuvalu", "Uganda", "Uzbekistan", "Vanuatu",
        "Venezuela",
    },
    "languages": {
        "Bambara", "Bislama", "Esperanto", "Guarani", "Hausa", "Herero", "Hindi", "Hiri motu", "Ido",
        "Igbo", "Inuktitut", "Kanuri", "Komi", "Lingala", "Ndonga", "Oromo", "Pali", "Sango", "Telugu",
        "Urdu", "Venda", "Zulu",
    },
}  # fmt: skip
CYRILLIC = ("bg", "mk", "sr")
LATIN = ("bs", "hr", "sr-latn")
KINDS: tuple[geography.Kind, ...] = ("countries", "languages")


def _all_names(kind: geography.Kind, language: str) -> dict[str, str]:
    codes = geography._names(kind, "en")
    with translation.override(language):
        return {code: geography.name(kind, code) for code in codes}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("language", CYRILLIC + LATIN)
def test_no_name_is_left_in_english(kind: geography.Kind, language: str) -> None:
    english = _all_names(kind, "en")
    names = _all_names(kind, language)
    allowed = SAME_IN_LATIN_SCRIPT[kind] if language in LATIN else set()
    in_english = sorted(
        f"{code}={name}" for code, name in names.items() if name.casefold() == english[code].casefold() and name not in allowed
    )
    assert in_english == []
    if language in CYRILLIC:
        latin_letters = sorted(name for name in names.values() if any("a" <= char <= "z" for char in name.casefold()))
        assert latin_letters == []


@pytest.mark.parametrize("kind", KINDS)
def test_every_language_names_every_code(kind: geography.Kind) -> None:
    codes = set(geography._names(kind, "en"))
    assert len(codes) == {"countries": 249, "languages": 184}[kind]
    for locale in geography.LOCALES.values():
        names = geography._names(kind, locale)
        assert set(names) == codes, locale
        assert all(name and name == name.strip() and name[0].isupper() for name in names.values()), locale


def test_the_allow_list_holds_only_names_still_shared() -> None:
    """A name leaves the allow-list when its translation changes, so the list stays reviewed."""
    for kind in KINDS:
        english = _all_names(kind, "en")
        shared = {
            name
            for language in LATIN
            for code, name in _all_names(kind, language).items()
            if name.casefold() == english[code].casefold()
        }
        assert SAME_IN_LATIN_SCRIPT[kind] == shared, kind


def test_serbian_latin_is_derived_from_serbian_cyrillic() -> None:
    for kind in KINDS:
        current = (geography.DATA_DIR / kind / "sr_Latn.csv").read_text(encoding="utf-8")
        assert current == geography.render_serbian_latin(kind), "Run: python -m pristan.core.geography"


def test_names_that_were_english_or_outdated() -> None:
    with translation.override("mk"):
        assert [geography.country_name(code) for code in ("CV", "CZ", "SZ", "MK")] == [
            "Кабо Верде", "Чешка", "Есватини", "Северна Македонија"]  # fmt: skip
        assert geography.language_name("en") == "Англиски"
    with translation.override("bs"):
        assert geography.language_name("am") == "Amharski"
        assert geography.country_name("DK") == "Danska"
    with translation.override("en"):
        assert geography.language_name("en") == "English"
        assert geography.language_name("el") == "Greek"
        assert geography.country_name("KR") == "South Korea"
    assert geography.country_name("XX") == "XX"


def test_lists_sort_by_the_alphabet_of_the_language() -> None:
    with translation.override("hr"):
        # C < Č < D, whatever the code points say (Č comes after Ž in them).
        names = [name for _code, name in geography.country_choices()]
        assert names.index("Cipar") < names.index("Čile") < names.index("Danska") < names.index("Džibuti") < names.index("Egipat")
    with translation.override("sr"):
        names = [name for _code, name in geography.country_choices()]
        # Ј after И and before К; Ћ would come after Т; Џ after Ч
        assert names.index("Италија") < names.index("Јапан") < names.index("Казахстан")
    with translation.override("mk"):
        languages = [name for _code, name in geography.language_choices()]
        assert languages.index("Чувашки") < languages.index("Џонгка") < languages.index("Шведски")
    with translation.override("bg"):
        languages = [name for _code, name in geography.language_choices()]
        assert languages[0] == "Абхазки", languages[:3]
    with translation.override("en"):
        assert geography.language_choices()[0] == ("ab", "Abkhazian")
        countries = [name for _code, name in geography.country_choices()]
        assert countries.index("Afghanistan") + 1 == countries.index("Åland Islands") == countries.index("Albania") - 1


def test_the_collation_key_knows_each_alphabet() -> None:
    def ordered(words: list[str], locale: str) -> list[str]:
        return sorted(words, key=lambda word: geography.collation_key(word, locale))

    assert ordered(["Žena", "Zec", "Čaj", "Ćup", "Cvijet", "Džep", "Đak", "Dom", "Ljubav", "Lopta", "Nož", "Njiva"],
                   "hr") == ["Cvijet", "Čaj", "Ćup", "Dom", "Džep", "Đak", "Lopta", "Ljubav", "Nož", "Njiva", "Zec",
                             "Žena"]  # fmt: skip
    assert ordered(["Шума", "Џеп", "Ћуп", "Ђак", "Јаје", "Ласта", "Љубав"], "sr") == [
        "Ђак",
        "Јаје",
        "Ласта",
        "Љубав",
        "Ћуп",
        "Џеп",
        "Шума",
    ]
    assert ordered(["Zambija", "Wallis i Futuna", "Vijetnam"], "hr") == ["Vijetnam", "Wallis i Futuna", "Zambija"]
    assert ordered(["Ќерка", "Ѓакон", "Ѕвезда", "Жаба", "Дом"], "mk") == ["Дом", "Ѓакон", "Жаба", "Ѕвезда", "Ќерка"]
    assert ordered(["Южна", "Ъгъл", "Яма", "Щит"], "bg") == ["Щит", "Ъгъл", "Южна", "Яма"]
    assert ordered(["Sao", "San Marino", "São Tomé", "Saint Lucia"], "en") == ["Saint Lucia", "San Marino", "Sao", "São Tomé"]
