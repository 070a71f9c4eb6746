"""The one mapping between HTCDS 2.0 field names and Pristan's records, used by import and export.

Export reads a case into a record (`record_of`), import parses a row into the same record
(`parse_row`): both go through the FIELDS table below, so what one writes the other reads back.
A record holds typed values: text, dates, numbers, booleans, value names of HTCDS picklists,
ISO 3166 country and ISO 639 language codes, organisation names and user names.
"""

import csv
import difflib
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from functools import cache, lru_cache
from typing import Any

import pycountry
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from pristan.cases.models import Case, ConsentPurpose
from pristan.core import geography, vocabularies
from pristan.core.dates import day_text
from pristan.core.text import clean_text

ID_FIELD = "cas_Id"  # Pristan's own layout: the case reference, the stable identifier of a record


class Kind(StrEnum):
    TEXT = "text"
    DATE = "date"
    NUMBER = "number"
    BOOLEAN = "boolean"
    CHOICE = "choice"  # one value of an HTCDS picklist
    CHOICES = "choices"  # several values of an HTCDS picklist
    COUNTRY = "country"
    COUNTRIES = "countries"
    LANGUAGE = "language"
    ORGANISATION = "organisation"
    USER = "user"


class Part(StrEnum):
    """Which record of the case a field belongs to, and so which service writes it."""

    PERSON = "person"
    CASE = "case"
    CONSENT = "consent"
    SCREENING = "screening"
    EXPERIENCE = "experience"
    INCOMING = "incoming"  # the latest incoming referral
    OUTGOING = "outgoing"  # the latest outgoing referral


@dataclass(frozen=True)
class Field:
    name: str  # the HTCDS field name with its prefix
    kind: Kind
    part: Part
    attribute: str  # the model attribute (languages: "languages.0" for the first one)
    required: bool = False
    aliases: tuple[str, ...] = ()  # other spellings met in the official files

    @property
    def picklist(self) -> str:
        return self.name

    @property
    def is_list(self) -> bool:
        return self.kind in (Kind.CHOICES, Kind.COUNTRIES)


F = Field
FIELDS: tuple[Field, ...] = (
    F("prs_FirstName", Kind.TEXT, Part.PERSON, "given_name", required=True),
    F("prs_MiddleName", Kind.TEXT, Part.PERSON, "other_names"),
    F("prs_SecondName", Kind.TEXT, Part.PERSON, "family_name"),
    F("prs_Birthdate", Kind.DATE, Part.PERSON, "date_of_birth"),
    F("prs_Gender", Kind.CHOICE, Part.PERSON, "gender"),
    F("prs_Citizenship", Kind.COUNTRIES, Part.PERSON, "citizenships"),
    F("prs_PrimaryLanguage", Kind.LANGUAGE, Part.PERSON, "languages.0"),
    F("prs_SecondaryLanguage", Kind.LANGUAGE, Part.PERSON, "languages.1"),
    F("prs_Email", Kind.TEXT, Part.PERSON, "email"),
    F("prs_MobilePhone", Kind.TEXT, Part.PERSON, "phone"),
    F("prs_MailingCity", Kind.TEXT, Part.PERSON, "city"),
    F("prs_MailingCountry", Kind.COUNTRY, Part.PERSON, "country"),
    F("con_Consent", Kind.BOOLEAN, Part.CONSENT, "case_management"),
    F("vic_TraffickingStatus", Kind.CHOICE, Part.SCREENING, "decision"),
    F("vic_TraffickingStatusDecisionMakingOrg", Kind.CHOICE, Part.SCREENING, "deciding_body",
      aliases=("vic_TraffickinStatusDecisionMakingOrg",)),
    F("vic_RelationshipToTrafficker", Kind.CHOICE, Part.EXPERIENCE, "relationship_to_trafficker"),
    F("vic_AgeWhenTrafficked", Kind.NUMBER, Part.EXPERIENCE, "age_when_trafficked"),
    F("vic_RecruitmentWebsitesAndApps", Kind.CHOICES, Part.EXPERIENCE, "recruitment_websites"),
    F("vic_MethodOfRecruitment", Kind.CHOICES, Part.EXPERIENCE, "methods_of_recruitment"),
    F("vic_MethodsOfControl", Kind.CHOICES, Part.EXPERIENCE, "methods_of_control"),
    F("vic_TypeOfExploitation", Kind.CHOICES, Part.EXPERIENCE, "types_of_exploitation"),
    F("vic_ForcedLabourIndustry", Kind.CHOICE, Part.EXPERIENCE, "forced_labour_industry"),
    F("vic_TypeOfSexExploitation", Kind.CHOICES, Part.EXPERIENCE, "types_of_sex_exploitation"),
    F("vic_ExploitationWebsitesAndApps", Kind.CHOICES, Part.EXPERIENCE, "exploitation_websites"),
    F("vic_Vulnerabilities", Kind.CHOICES, Part.EXPERIENCE, "vulnerabilities"),
    F("vic_DetailsOfVulnerabilities", Kind.TEXT, Part.EXPERIENCE, "vulnerability_details"),
    F("cas_Status", Kind.CHOICE, Part.CASE, "status"),
    F("cas_ReasonForCaseClosure", Kind.TEXT, Part.CASE, "closure_details"),
    F("cas_CaseOwner", Kind.USER, Part.CASE, "owner"),
    F("cas_ReferringOrganisation", Kind.ORGANISATION, Part.INCOMING, "referring_organisation"),
    F("cas_IncomingReferralDate", Kind.DATE, Part.INCOMING, "incoming_referral_date"),
    F("cas_ReasonForIncomingReferral", Kind.CHOICE, Part.INCOMING, "incoming_referral_reason"),
    F("cas_IncomingReferralDetails", Kind.TEXT, Part.INCOMING, "incoming_referral_details"),
    F("cas_ReferredOrganisation", Kind.ORGANISATION, Part.OUTGOING, "referred_organisation"),
    F("cas_OutgoingReferralDate", Kind.DATE, Part.OUTGOING, "outgoing_referral_date"),
    F("cas_ReasonForOutgoingReferral", Kind.CHOICE, Part.OUTGOING, "outgoing_referral_reason"),
    F("cas_OutgoingReferralDetails", Kind.TEXT, Part.OUTGOING, "outgoing_referral_details"),
)  # fmt: skip
BY_NAME = {field.name: field for field in FIELDS}
# Columns of the export, in the order of the official spreadsheet where it has them.
COLUMNS = [ID_FIELD, *(field.name for field in FIELDS)]

# Columns displayed as names: a person's, a partner organisation's (core/text.py: NFC, nothing invisible).
DISPLAYED = frozenset(
    {"prs_FirstName", "prs_MiddleName", "prs_SecondName", "cas_ReferringOrganisation", "cas_ReferredOrganisation"}
)

# Identifier columns, by preference: ours, then ODK/Kobo submission ids.
ID_COLUMNS = (ID_FIELD, "instanceID", "_uuid", "KEY", "_id")


def fold(text: str) -> str:
    """A spelling-insensitive form for matching names and labels: letters and digits, case folded."""
    text = unicodedata.normalize("NFKD", text.replace("\xa0", " ")).casefold()
    return "".join(char for char in text if char.isalnum())


@cache
def _field_labels() -> dict[str, str]:
    """The folded English label of every HTCDS field (as in the official spreadsheet's second row)."""
    labels: dict[str, str] = {}
    with vocabularies.SOURCE.open(encoding="utf-8", newline="") as handle:
        for row in csv.reader(handle, delimiter="\t"):
            if len(row) > 6 and row[6].strip() and row[5].strip():
                labels.setdefault(fold(row[5]), row[6].strip())
    return labels


@cache
def _folded_names() -> dict[str, str]:
    names = {fold(field.name): field.name for field in FIELDS}
    names.update({fold(alias): field.name for field in FIELDS for alias in field.aliases})
    return names


def known_column(header: str) -> str | None:
    """The HTCDS field a column header names: exactly, by another spelling (prs_First_Name), or None."""
    if header in BY_NAME:
        return header
    return _folded_names().get(fold(header))


def field_for_label(label: str) -> str | None:
    """The field of a column that has only a label (the official spreadsheet leaves one name out)."""
    name = _field_labels().get(fold(label))
    return name if name in BY_NAME else None


# -- Reading a case ---------------------------------------------------------------------------


def _consent_given(case: Case) -> bool | None:
    event = next((each for each in case.consent_events.all() if each.purpose == ConsentPurpose.CASE_MANAGEMENT), None)
    return None if event is None else event.given


def record_of(case: Case) -> dict[str, Any]:
    """The case as an HTCDS record of typed values (read through the sealed fields' attributes)."""
    person = case.person
    experience = getattr(case, "experience", None)
    screenings = list(case.screenings.all())
    screening = screenings[0] if screenings else None  # ordered newest first
    record: dict[str, Any] = {ID_FIELD: case.reference}
    for field in FIELDS:
        value: Any
        if field.part == Part.PERSON and field.attribute.startswith("languages."):
            index = int(field.attribute.split(".")[1])
            value = person.languages[index] if len(person.languages) > index else ""
        elif field.part == Part.PERSON:
            value = getattr(person, field.attribute)
        elif field.part == Part.CONSENT:
            value = _consent_given(case)
        elif field.part == Part.SCREENING:
            value = getattr(screening, field.attribute) if screening else ""
        elif field.part == Part.EXPERIENCE:
            value = getattr(experience, field.attribute) if experience else empty(field)
        elif field.kind == Kind.USER:
            value = case.owner.username
        elif field.kind == Kind.ORGANISATION:
            organisation = getattr(case, field.attribute)
            value = organisation.name if organisation else ""
        else:
            value = getattr(case, field.attribute)
        record[field.name] = normalised(field, value)
    return record


def empty(field: Field) -> Any:
    if field.is_list:
        return []
    return None if field.kind in (Kind.DATE, Kind.NUMBER, Kind.BOOLEAN) else ""


def normalised(field: Field, value: Any) -> Any:
    """One spelling per value, so that a record read from a case and one parsed from a file compare."""
    if value is None or value == "":
        return empty(field)
    if field.is_list:
        return sorted(value)
    if isinstance(value, str):
        return value.strip()
    return value


# -- Text for the files ------------------------------------------------------------------------


def to_text(value: Any) -> str:
    """A value as a cell of the CSV or spreadsheet: ISO dates, lists joined with "; ", TRUE/FALSE."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "; ".join(str(item) for item in value)
    return str(value)


def to_json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


# -- Parsing a row -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    value: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "value": self.value, "message": self.message}


class Invalid(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@cache
def _picklist_index(field_name: str, language: str) -> dict[str, str]:
    """Folded value names and labels (English and the active language's) -> value name."""
    index: dict[str, str] = {}
    for name, label in vocabularies.choices(field_name):
        index.setdefault(fold(label), name)
    for name in vocabularies.codes(field_name):
        index[fold(name)] = name
        index.setdefault(fold(vocabularies.english_label(field_name, name)), name)
    return index


def _language() -> str:
    return get_language() or "en"


def _find_choice(field: Field, text: str, language: str | None = None) -> str | None:
    return _picklist_index(field.picklist, language or _language()).get(fold(text))


def _one_choice(field: Field, text: str, language: str | None = None) -> str:
    found = _find_choice(field, text, language)
    if found:
        return found
    index = _picklist_index(field.picklist, language or _language())
    close = difflib.get_close_matches(fold(text), list(index), n=1, cutoff=0.5)
    if close:
        suggestion = index[close[0]]
        raise Invalid(
            _("“%(value)s” is not a value of this list. The closest is “%(suggestion)s” (%(label)s).")
            % {"value": text, "suggestion": suggestion, "label": vocabularies.label(field.picklist, suggestion)}
        )
    raise Invalid(_("“%(value)s” is not a value of this list.") % {"value": text})


SEPARATORS = re.compile(r"[;\n|]")


def _pieces(raw: Any) -> list[str]:
    if isinstance(raw, list | tuple):
        return [str(item).strip() for item in raw if str(item).strip()]
    return [piece.strip() for piece in SEPARATORS.split(str(raw)) if piece.strip()]


def _many(raw: Any, find: Callable[[str], str | None], one: Callable[[str], str]) -> list[str]:
    """Several values: separated by semicolons (or one per line), or by spaces as ODK and Kobo write them.
    `find` looks a text up (None if it is no value); `one` raises Invalid with the closest value."""
    values: list[str] = []
    pieces = _pieces(raw)
    index = 0
    while index < len(pieces):
        taken = _longest(pieces, index, find)  # a label may hold a semicolon itself
        if taken:
            values.append(taken[0])
            index += taken[1]
            continue
        words = pieces[index].replace(",", " ").split()
        if len(words) < 2:
            one(pieces[index])  # raises with the closest value
        values.extend(one(word) for word in words)
        index += 1
    return sorted(dict.fromkeys(values))


def _longest(pieces: list[str], index: int, find: Callable[[str], str | None]) -> tuple[str, int] | None:
    for count in range(min(3, len(pieces) - index), 0, -1):
        found = find("; ".join(pieces[index : index + count]))
        if found:
            return found, count
    return None


@lru_cache(maxsize=4096)
def _find_country(text: str) -> str | None:
    code = text.strip()
    if geography.is_country(code.upper()):
        return code.upper()
    try:
        return str(pycountry.countries.lookup(code).alpha_2)
    except LookupError:
        return None


def _country(text: str) -> str:
    found = _find_country(text)
    if found:
        return found
    code = text.strip()
    names = {fold(country.name): country.alpha_2 for country in pycountry.countries}
    close = difflib.get_close_matches(fold(code), list(names), n=1, cutoff=0.6)
    if close:
        suggestion = names[close[0]]
        raise Invalid(
            _("“%(value)s” is not a country. The closest is “%(suggestion)s” (%(label)s).")
            % {"value": text, "suggestion": suggestion, "label": geography.country_name(suggestion)}
        )
    raise Invalid(_("“%(value)s” is not a country: write its ISO 3166 code, such as BG.") % {"value": text})


def _language_code(text: str) -> str:
    code = text.strip()
    if geography.is_language(code.lower()):
        return code.lower()
    try:
        found = pycountry.languages.lookup(code)
    except LookupError:
        raise Invalid(_("“%(value)s” is not a language: write its ISO 639-1 code, such as bg.") % {"value": text}) from None
    alpha_2 = getattr(found, "alpha_2", None)
    if alpha_2 is None:
        raise Invalid(_("“%(value)s” is not a language: write its ISO 639-1 code, such as bg.") % {"value": text})
    return str(alpha_2)


DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%Y/%m/%d", "%d-%m-%Y")


def _date(raw: Any) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    return _date_text(str(raw).strip())


@lru_cache(maxsize=4096)  # a file's dates repeat (days of birth, of referral): each is read once
def _date_text(text: str) -> date:
    for shape in DATE_FORMATS:
        try:
            return datetime.strptime(text[:10] if shape == "%Y-%m-%d" else text, shape).date()
        except ValueError:
            continue
    raise Invalid(_("“%(value)s” is not a date: write it as 2024-03-31.") % {"value": text})


TRUE_WORDS = {"true", "yes", "y", "1", "да", "da", "x"}
FALSE_WORDS = {"false", "no", "n", "0", "не", "ne"}


def _boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().casefold()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise Invalid(_("“%(value)s” is not yes or no: write TRUE or FALSE.") % {"value": raw})


def _number(raw: Any) -> int:
    try:
        number = float(str(raw).strip())
    except ValueError:
        raise Invalid(_("“%(value)s” is not a whole number.") % {"value": raw}) from None
    if number != int(number) or number < 0 or number > 150:
        raise Invalid(_("“%(value)s” is not a whole number.") % {"value": raw})
    return int(number)


# Kinds whose value depends only on the cell's text (and the language of the messages): a file
# repeats the same few values down its rows, so each text is looked up once (_parsed_text).
BY_TEXT = frozenset({Kind.NUMBER, Kind.BOOLEAN, Kind.CHOICE, Kind.CHOICES, Kind.COUNTRY, Kind.COUNTRIES, Kind.LANGUAGE})


def parse_value(field: Field, raw: Any, language: str | None = None) -> Any:
    """The typed value of one cell; raises Invalid with a message in the active language (``language``
    where the caller knows it)."""
    if raw is None or (isinstance(raw, str | list) and not raw) or (isinstance(raw, str) and not raw.strip()):
        return empty(field)
    if isinstance(raw, str) and field.kind in BY_TEXT:
        value, message = _parsed_text(field.name, raw, language or _language())
        if message is not None:
            raise Invalid(message)
        return list(value) if isinstance(value, tuple) else value
    return _parsed(field, raw)


@lru_cache(maxsize=16384)
def _parsed_text(name: str, raw: str, language: str) -> tuple[Any, str | None]:
    """(value, None) or (None, the problem's message); lists as tuples, so that no caller changes the
    cached value. Keyed by the field's name: hashing the whole Field for every cell cost more."""
    try:
        value = _parsed(BY_NAME[name], raw, language)
    except Invalid as error:
        return None, error.message
    return (tuple(value) if isinstance(value, list) else value), None


def _parsed(field: Field, raw: Any, language: str | None = None) -> Any:
    if field.kind == Kind.DATE:
        born = _date(raw)
        if born > timezone.localdate():
            raise Invalid(_("“%(value)s” is in the future.") % {"value": day_text(born)})
        return born
    if field.kind == Kind.NUMBER:
        return _number(raw)
    if field.kind == Kind.BOOLEAN:
        return _boolean(raw)
    if field.kind in (Kind.CHOICE, Kind.CHOICES):
        language = language or _language()
        values = _many(raw, lambda text: _find_choice(field, text, language), lambda text: _one_choice(field, text, language))
    if field.kind == Kind.CHOICE:
        if len(values) > 1:
            raise Invalid(_("Only one value is allowed here, not “%(value)s”.") % {"value": raw})
        return values[0]
    if field.kind == Kind.CHOICES:
        return values
    if field.kind == Kind.COUNTRY:
        return _country(str(raw))
    if field.kind == Kind.COUNTRIES:
        return _many(raw, _find_country, _country)
    if field.kind == Kind.LANGUAGE:
        return _language_code(str(raw))
    if isinstance(raw, datetime | date):
        return raw.isoformat()
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    text = str(raw).strip()
    # Exports defuse spreadsheet formulas with a leading apostrophe ('+359…): read the value as written.
    return text[1:] if text.startswith("'") and text[1:2] in ("=", "+", "-", "@") else text


def parse_row(row: int, cells: Mapping[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """The record of one row (only the fields the file has) and its problems.

    The value of a cell is ``normalised(field, parse_value(field, raw))``; text cells (CSV, most of
    a spreadsheet's) take shortcuts to the same result: an empty cell is the field's empty value, a
    text field's value is its stripped text, and a listed kind's is looked up by its text once."""
    record: dict[str, Any] = {}
    problems: list[Problem] = []
    language = _language()
    for name, raw in cells.items():
        field = BY_NAME[name]
        try:
            if raw.__class__ is not str:
                value = normalised(field, parse_value(field, raw, language))
            elif not raw or raw.isspace():
                value = empty(field)
            elif field.kind is Kind.TEXT:
                text = raw.strip()  # as _parsed reads it; then normalised changes nothing more
                value = text[1:] if text[0] == "'" and text[1:2] in ("=", "+", "-", "@") else text
            elif field.kind in BY_TEXT:
                found, message = _parsed_text(name, raw, language)
                if message is not None:
                    raise Invalid(message)
                value = normalised(field, list(found) if isinstance(found, tuple) else found)
            else:
                value = normalised(field, _parsed(field, raw, language))
            if name in DISPLAYED and value:
                value = clean_text(value, field=name)
        except Invalid as error:
            problems.append(Problem(row, name, _shown(raw), error.message))
            continue
        except ValidationError as error:
            problems.append(Problem(row, name, _shown(raw), error.messages[0]))
            continue
        record[name] = value
        if field.required and value in ("", None):
            problems.append(Problem(row, name, "", _("This field is required: the row cannot be imported without it.")))
    for required in REQUIRED:
        if required not in cells:
            problems.append(Problem(row, required, "", _("This field is required: the row cannot be imported without it.")))
    return record, problems


REQUIRED = tuple(field.name for field in FIELDS if field.required)


def reference_problem(row: int, external_id: str) -> Problem | None:
    """The problem of a record's identifier (its reference in the file, shown with the case) that
    holds an invisible or control character; None when it holds none."""
    try:
        clean_text(external_id, field=ID_FIELD)
    except ValidationError as error:
        return Problem(row, ID_FIELD, external_id[:200], error.messages[0])
    return None


def _shown(raw: Any) -> str:
    if isinstance(raw, list | tuple):
        return "; ".join(str(item) for item in raw)
    return "" if raw is None else str(raw)[:200]


def differences(current: Mapping[str, Any], incoming: Mapping[str, Any], names: Iterable[str]) -> list[str]:
    """The fields whose value in the file differs from the case's."""
    changed = []
    for name in names:
        if name == ID_FIELD:
            continue
        before, after = current.get(name), incoming.get(name)
        if BY_NAME[name].kind in (Kind.ORGANISATION, Kind.USER):
            before, after = str(before or "").casefold(), str(after or "").casefold()
        if before != after:
            changed.append(name)
    return changed
