"""From an HTCDS record to Pristan's records: what creating a case in bulk (creating.py) and updating
an existing one through the services (services.py) both need, so the two cannot differ.

The import's own rules live here: which caseworker a file's cas_CaseOwner names, how a partner is
found by its name (and added to the directory when it is new), how the HTCDS status becomes a stage,
and how a referral made before the case came to Pristan is recorded.
"""

from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext_lazy

from pristan.cases.models import Case, ClosureReason, Stage
from pristan.core import access
from pristan.core.models import Office, Organisation
from pristan.interchange import mapping
from pristan.interchange.mapping import Part
from pristan.referrals.models import Referral, ReferralStatus

IMPORTED_SCREENING = gettext_lazy("Imported from an HTCDS record.")  # the reason of a screening decision from a file
CACHED = 1000  # names remembered per import (caseworkers, partners): a file names few, but a hostile one many


_PARTS = {part: [(field.name, field.attribute) for field in mapping.FIELDS if field.part == part] for part in Part}


def part_of(record: dict[str, Any], part: Part, names: list[str] | None = None) -> dict[str, Any]:
    """The record's fields of one part (only ``names`` where given), by model attribute."""
    return {attribute: record[name] for name, attribute in _PARTS[part] if name in record and (names is None or name in names)}


def person_data(record: dict[str, Any], current: list[str] | None = None) -> dict[str, Any]:
    """The person's fields of a record; HTCDS's primary and secondary language are the first two of
    Pristan's list (a third one, which HTCDS has no field for, is kept on update)."""
    fields = part_of(record, Part.PERSON)
    data = {name: value for name, value in fields.items() if not name.startswith("languages.")}
    if "languages.0" in fields or "languages.1" in fields:
        languages = [*(current or []), "", ""]
        for index in (0, 1):
            languages[index] = fields.get(f"languages.{index}", languages[index])
        data["languages"] = list(dict.fromkeys(code for code in languages if code))
    return data


def owner_name(office: Office, wanted: str, fallback: str) -> str:
    """The file's caseworker where they may own the office's cases (access.assignable_people: not an
    auditor, say); otherwise the case keeps its owner."""
    if wanted and access.assignable_people(office).filter(username__iexact=wanted).exists():
        return wanted
    return fallback


class Owners:
    """The owner of each new case: the file's caseworker (owner_name), or the importer."""

    def __init__(self, office: Office, actor: User) -> None:
        self.office, self.actor = office, actor
        self._found: dict[str, User] = {}

    def of(self, record: dict[str, Any]) -> User:
        wanted = str(record.get("cas_CaseOwner") or "")
        found = self._found.get(wanted)
        if found is None:
            name = owner_name(self.office, wanted, self.actor.username)
            found = self.actor if name == self.actor.username else User.objects.get(username__iexact=name)
            if len(self._found) >= CACHED:
                self._found.clear()
            self._found[wanted] = found
        return found


class Organisations:
    """Partners by the name a file gives them; one the directory does not know yet is added to it
    (the caller records that in the audit trail)."""

    def __init__(self) -> None:
        self._found: dict[str, Organisation] = {}

    def named(self, name: str) -> tuple[Organisation | None, bool]:
        """(the organisation or None for no name, whether it was added just now)."""
        if not name:
            return None, False
        found = self._found.get(name)
        if found is not None:
            return found, False
        found = Organisation.objects.filter(name__iexact=name).first()
        created = found is None
        if found is None:
            found = Organisation.objects.create(name=name)
        if len(self._found) >= CACHED:
            self._found.clear()
        self._found[name] = found
        return found, created


def status_values(case: Case, record: dict[str, Any]) -> dict[str, Any]:
    """The HTCDS status, and the stage it implies for a case that came from elsewhere."""
    data: dict[str, Any] = {}
    if record.get("cas_Status"):
        status = record["cas_Status"]
        data["status"] = status
        if status in ("Closed", "ClosedReferred"):
            data["stage"] = Stage.CLOSED
            data["closure_reason"] = case.closure_reason or (
                ClosureReason.REFERRED if status == "ClosedReferred" else ClosureReason.OTHER
            )
            data["closed_on"] = case.closed_on or timezone.localdate()
        elif status == "FollowUp":
            data["stage"] = Stage.FOLLOW_UP
            data["closed_on"] = None
        elif case.stage in (Stage.CLOSED, Stage.FOLLOW_UP):
            data["stage"] = Stage.ASSISTANCE
            data["closed_on"] = None
    if "cas_ReasonForCaseClosure" in record:
        data["closure_details"] = record["cas_ReasonForCaseClosure"]
    return data


def earlier_referral(*, case: Case, organisation: Organisation | None, data: dict[str, Any], actor: User) -> Referral | None:
    """A referral made before the case came to Pristan (from the record's outgoing part), not saved
    yet: a record of its own, as every referral is; None where the record names no partner or reason."""
    values = earlier_referral_values(organisation=organisation, data=data, actor=actor)
    return None if values is None else Referral(case=case, **values)


def earlier_referral_values(*, organisation: Organisation | None, data: dict[str, Any], actor: User) -> dict[str, Any] | None:
    """earlier_referral's values but its case, by field name (None where there is none)."""
    reason = data.get("outgoing_referral_reason") or ""
    if organisation is None or not reason or organisation.is_operator:
        return None
    referred_on: date = data.get("outgoing_referral_date") or timezone.localdate()
    return {
        "direction": Referral.Direction.OUTGOING, "organisation": organisation, "reason": reason,
        "details": data.get("outgoing_referral_details") or "", "status": ReferralStatus.DONE, "created_by": actor,
        "referred_on": referred_on,
    }  # fmt: skip
