"""Countries (ISO 3166-1 alpha-2) and languages (ISO 639), named in the user's language.

pycountry ships the ISO names and the iso-codes project's translations of them, which cover
every language Pristan speaks; we only pick the catalogue that matches the active language.
"""

import gettext as gettext_module
from functools import cache

import pycountry
from django.utils.translation import get_language

# Django language code -> the iso-codes catalogue name.
_ISO_LOCALES = {"sr": "sr", "sr-latn": "sr@latin", "bs": "bs", "hr": "hr", "mk": "mk", "bg": "bg"}


@cache
def _catalogue(domain: str, language: str) -> gettext_module.NullTranslations:
    locale = _ISO_LOCALES.get(language)
    if locale is None:
        return gettext_module.NullTranslations()
    return gettext_module.translation(domain, pycountry.LOCALES_DIR, languages=[locale], fallback=True)


def _active() -> str:
    return (get_language() or "en").lower()


@cache
def _countries() -> dict[str, str]:
    return {country.alpha_2: country.name for country in pycountry.countries}


@cache
def _languages() -> dict[str, str]:
    # Languages with a two-letter code (ISO 639-1), keyed by it, as HTCDS allows.
    return {lang.alpha_2: lang.name for lang in pycountry.languages if hasattr(lang, "alpha_2")}


def is_country(code: str) -> bool:
    return code in _countries()


def is_language(code: str) -> bool:
    return code in _languages()


def country_name(code: str) -> str:
    english = _countries().get(code)
    if english is None:
        return code
    return _catalogue("iso3166-1", _active()).gettext(english)


def language_name(code: str) -> str:
    english = _languages().get(code)
    if english is None:
        return code
    return _catalogue("iso639-3", _active()).gettext(english)


def country_choices() -> list[tuple[str, str]]:
    """Every country, named and sorted in the active language."""
    return sorted(((code, country_name(code)) for code in _countries()), key=lambda pair: pair[1].casefold())


def language_choices() -> list[tuple[str, str]]:
    return sorted(((code, language_name(code)) for code in _languages()), key=lambda pair: pair[1].casefold())
