"""Registering and changing persons."""

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from pristan.cases.minors import refresh_minor_flags
from pristan.cases.models import Case
from pristan.core import access, geography
from pristan.core.audit import apply_changes, audit_record
from pristan.core.models import AuditEntry, Office
from pristan.core.policy import Section
from pristan.duplicates.keys import keys_refresh
from pristan.keystore.services import keyring
from pristan.people.models import IdentityDocument, NameToken, Person
from pristan.people.rules import (
    NAME_FIELDS,
    PERSON_FIELDS,
    latin_name,
    person_errors,
    person_fields,
    person_name_hashes,
    person_new,
)

__all__ = ["NAME_FIELDS", "PERSON_FIELDS", "document_add", "index_names", "person_register", "person_update"]

# What the match keys of duplicate finding are made of (duplicates/keys.py).
MATCHED_FIELDS = {*NAME_FIELDS, "date_of_birth"}
CANNOT_REGISTER = _("You cannot register persons in this office.")


def _validate(data: dict[str, Any]) -> None:
    errors = person_errors(data)
    if errors:
        raise ValidationError(errors)


def _derive_names(person: Person) -> None:
    person.name_latin = latin_name(person.given_name, person.family_name)


def index_names(person: Person) -> None:
    """Replace the person's blind-index entries with those of the names they carry now."""
    hashes = person_name_hashes(keyring(), person)
    NameToken.objects.filter(person=person).delete()
    NameToken.objects.bulk_create(NameToken(person=person, token=token) for token in hashes)


@transaction.atomic
def person_register(*, actor: User, office: Office, data: dict[str, Any]) -> Person:
    if not access.can_register_in(actor, office):
        raise PermissionDenied(CANNOT_REGISTER)
    person, data = person_new(office=office, actor=actor, data=data)
    person.save()
    index_names(person)
    keys_refresh(person)
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=person, office=office, fields=data)
    return person


@transaction.atomic
def person_update(*, actor: User, case: Case, data: dict[str, Any]) -> Person:
    access.require_write(actor, case, Section.SUMMARY)
    person = case.person
    data = person_fields(data)
    _validate({**{name: getattr(person, name) for name in PERSON_FIELDS}, **data})
    changed = apply_changes(person, data)
    if changed:
        _derive_names(person)
        person.save(update_fields=[*changed, "name_latin"])
        if set(changed) & set(NAME_FIELDS):
            index_names(person)
        if set(changed) & MATCHED_FIELDS:
            keys_refresh(person)
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
    keys_refresh(person)
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=document, case=case, office=person.office, fields=data)
    return document
