"""The rules of a person's record, pure (no database): what is valid, and what is derived from the
names. The people services apply them to one person at a time; bulk writers (imports) to many,
through the same functions, so a rule cannot drift between them."""

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from pristan.core import geography, vocabularies
from pristan.core.blind_index import name_hashes
from pristan.core.crypto import Keyring
from pristan.core.models import Office
from pristan.core.names import to_latin
from pristan.core.text import normalised, text_errors
from pristan.people.models import Person

PERSON_FIELDS = (
    "given_name", "family_name", "other_names", "aliases", "gender", "date_of_birth", "date_of_birth_estimated",
    "citizenships", "languages", "phone", "email", "city", "country",
    "guardian_name", "guardian_relationship", "guardian_contact",
)  # fmt: skip
NAME_FIELDS = ("given_name", "family_name", "other_names", "aliases")  # what the blind index holds
# Names as displayed (core/text.py: NFC, nothing invisible), by the label a person knows them by.
DISPLAYED_NAMES = {
    "given_name": _("Given name"), "family_name": _("Family name"), "other_names": _("Other names"), "aliases": _("Aliases"),
    "guardian_name": _("Guardian"),
}  # fmt: skip


def person_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of ``data`` that a person's record takes (the rest is ignored), names in NFC."""
    return normalised({name: data[name] for name in PERSON_FIELDS if name in data}, list(DISPLAYED_NAMES))


def person_errors(data: Mapping[str, Any]) -> dict[str, StrOrPromise]:
    """The problems of a person's values, by field (empty when they are valid)."""
    errors: dict[str, StrOrPromise] = {name: error.messages[0] for name, error in text_errors(data, DISPLAYED_NAMES).items()}
    if not str(data.get("given_name", "")).strip():
        errors["given_name"] = _("Enter the given name as the person writes it.")
    if data.get("gender") and data["gender"] not in vocabularies.code_set("prs_Gender"):
        errors["gender"] = _("Choose a gender from the list.")
    born = data.get("date_of_birth")
    if born and born > timezone.localdate():
        errors["date_of_birth"] = _("The date of birth cannot be in the future.")
    if any(not geography.is_country(code) for code in data.get("citizenships", [])):
        errors["citizenships"] = _("Choose citizenships from the list of countries.")
    if data.get("country") and not geography.is_country(data["country"]):
        errors["country"] = _("Choose a country from the list.")
    if any(not geography.is_language(code) for code in data.get("languages", [])):
        errors["languages"] = _("Choose languages from the list.")
    return errors


def latin_name(given_name: str, family_name: str) -> str:
    """``name_latin``: the given and family names in Latin script, derived on every change of them.
    Each name is transliterated on its own (to_latin reads nothing across a space), and remembered:
    names repeat, and an import derives thousands."""
    return " ".join(_latin(part) for part in (given_name, family_name) if part)


_latin = lru_cache(maxsize=4096)(to_latin)


def person_new(*, office: Office, actor: User, data: Mapping[str, Any]) -> tuple[Person, dict[str, Any]]:
    """A person to register, not saved yet (no data key either), and the fields that were given;
    raises ValidationError where a value is not valid."""
    fields = person_fields(data)
    errors = person_errors(fields)
    if errors:
        raise ValidationError(errors)
    person = Person(office=office, created_by=actor, **fields)
    person.name_latin = latin_name(person.given_name, person.family_name)
    return person, fields


def person_name_hashes(ring: Keyring, person: Person) -> set[int]:
    """The person's blind-index entries (NameToken), from the names they carry."""
    return name_hashes(ring, *(getattr(person, name) for name in NAME_FIELDS))
