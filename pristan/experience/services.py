"""Recording the trafficking experience, the route and the perpetrators."""

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from pristan.cases.minors import refresh_minor_flags
from pristan.cases.models import Case
from pristan.core import access, geography, vocabularies
from pristan.core.audit import apply_changes, audit_record
from pristan.core.models import AuditEntry
from pristan.core.policy import Section
from pristan.core.text import normalised, text_errors
from pristan.experience.models import Perpetrator, TraffickingEvent, TraffickingExperience
from pristan.experience.rules import EXPERIENCE_PICKLISTS, NOT_IN_LIST, experience_check, experience_fields

PERPETRATOR_NAME = _("Name or description")  # the form's label: an invisible character's message names it

__all__ = ["EXPERIENCE_PICKLISTS", "event_add", "experience_update", "perpetrator_add"]


@transaction.atomic
def experience_update(*, actor: User, case: Case, data: dict[str, Any]) -> TraffickingExperience:
    access.require_write(actor, case, Section.EXPERIENCE)
    data = experience_fields(data)
    experience_check(data, born=case.person.date_of_birth)
    experience, created = TraffickingExperience.objects.get_or_create(case=case)
    changed = apply_changes(experience, data)
    if changed or created:
        experience.save()
        audit_record(
            actor=actor, action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
            obj=experience, case=case, fields=changed,
        )  # fmt: skip
    case.experience = experience
    flags = refresh_minor_flags(case)
    if flags:
        case.save(update_fields=[*flags, "updated_at"])
        audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=case, case=case, fields=flags)
    return experience


@transaction.atomic
def event_add(*, actor: User, case: Case, data: dict[str, Any]) -> TraffickingEvent:
    access.require_write(actor, case, Section.EXPERIENCE)
    errors: dict[str, Any] = {}
    if data.get("event_type") not in vocabularies.codes("hte_Type"):
        errors["event_type"] = _("Choose recruitment, transit or exploitation.")
    if not geography.is_country(data.get("country", "")):
        errors["country"] = _("Choose a country from the list.")
    if data.get("started_on") and data.get("ended_on") and data["ended_on"] < data["started_on"]:
        errors["ended_on"] = _("The end cannot be before the start.")
    if errors:
        raise ValidationError(errors)
    event = TraffickingEvent.objects.create(case=case, **data)
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=event, case=case, fields=data)
    return event


@transaction.atomic
def perpetrator_add(*, actor: User, case: Case, data: dict[str, Any]) -> Perpetrator:
    access.require_write(actor, case, Section.PERPETRATORS)
    data = normalised(data, ["name"])
    errors: dict[str, Any] = {name: error.messages[0] for name, error in text_errors(data, {"name": PERPETRATOR_NAME}).items()}
    if not str(data.get("name", "")).strip():
        errors["name"] = _("Give a name, nickname or short description.")
    if any(code not in vocabularies.codes("per_RoleInProcess") for code in data.get("roles", [])):
        errors["roles"] = NOT_IN_LIST
    if data.get("nationality") and not geography.is_country(data["nationality"]):
        errors["nationality"] = _("Choose a country from the list.")
    if errors:
        raise ValidationError(errors)
    perpetrator = Perpetrator.objects.create(case=case, **data)
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=perpetrator, case=case, fields=data)
    return perpetrator
