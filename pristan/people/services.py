"""Registering and changing persons."""

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pristan.cases.minors import refresh_minor_flags
from pristan.cases.models import Case
from pristan.core import access, geography, vocabularies
from pristan.core.audit import apply_changes, audit_record
from pristan.core.blind_index import name_hashes
from pristan.core.models import AuditEntry, Office
from pristan.core.names import to_latin
from pristan.core.policy import Section
from pristan.keystore.services import keyring
from pristan.people.models import IdentityDocument, NameToken, Person

CANNOT_REGISTER = _("You cannot register persons in this office.")
PERSON_FIELDS = (
    "given_name", "family_name", "other_names", "aliases", "gender", "date_of_birth", "date_of_birth_estimated",
    "citizenships", "languages", "phone", "email", "city", "country",
    "guardian_name", "guardian_relationship", "guardian_contact",
)  # fmt: skip


def _validate(data: dict[str, Any]) -> None:
    errors: dict[str, Any] = {}
    if not str(data.get("given_name", "")).strip():
        errors["given_name"] = _("Enter the given name as the person writes it.")
    if data.get("gender") and data["gender"] not in vocabularies.codes("prs_Gender"):
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
    if errors:
        raise ValidationError(errors)


NAME_FIELDS = ("given_name", "family_name", "other_names", "aliases")


def _derive_names(person: Person) -> None:
    person.name_latin = to_latin(" ".join(part for part in (person.given_name, person.family_name) if part))


def index_names(person: Person) -> None:
    """Replace the person's blind-index entries with those of the names they carry now."""
    hashes = name_hashes(keyring(), *(getattr(person, name) for name in NAME_FIELDS))
    NameToken.objects.filter(person=person).delete()
    NameToken.objects.bulk_create(NameToken(person=person, token=token) for token in hashes)


@transaction.atomic
def person_register(*, actor: User, office: Office, data: dict[str, Any]) -> Person:
    if not access.can_register_in(actor, office):
        raise PermissionDenied(CANNOT_REGISTER)
    data = {name: data[name] for name in PERSON_FIELDS if name in data}
    _validate(data)
    person = Person(office=office, created_by=actor, **data)
    _derive_names(person)
    person.save()
    index_names(person)
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=person, office=office, fields=data)
    return person


@transaction.atomic
def person_update(*, actor: User, case: Case, data: dict[str, Any]) -> Person:
    access.require_write(actor, case, Section.SUMMARY)
    person = case.person
    data = {name: data[name] for name in PERSON_FIELDS if name in data}
    _validate({**{name: getattr(person, name) for name in PERSON_FIELDS}, **data})
    changed = apply_changes(person, data)
    if changed:
        _derive_names(person)
        person.save(update_fields=[*changed, "name_latin"])
        if set(changed) & set(NAME_FIELDS):
            index_names(person)
        audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=person, case=case, office=person.office, fields=changed)
    if "date_of_birth" in changed:  # who is a child may have changed, in every case of the person
        for each in person.cases.select_related("experience", "person"):
            flags = refresh_minor_flags(each)
            if flags:
                each.save(update_fields=[*flags, "updated_at"])
                audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=each, case=each, fields=flags)
    return person


@transaction.atomic
def document_add(*, actor: User, case: Case, data: dict[str, Any]) -> IdentityDocument:
    access.require_write(actor, case, Section.SUMMARY)
    person = case.person
    if data.get("issuing_country") and not geography.is_country(data["issuing_country"]):
        raise ValidationError({"issuing_country": _("Choose a country from the list.")})
    document = IdentityDocument.objects.create(person=person, **data)
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=document, case=case, office=person.office, fields=data)
    return document
