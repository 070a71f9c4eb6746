"""Erasing a person: on request, approved by a data-protection focal point, or when the retention
schedule of their offices has run out.

Erasure destroys the person's data key. Every value sealed with it — in the database, in its
backups, in the audit trail — stops opening everywhere at once. The sealed columns are emptied
too, and the blind-index entries of the names deleted, so the live database holds nothing of them
even before the key store's own short-lived backups expire. Cases stay, with their references,
dates and stages, for statistics.

The key store is another database, so the two cannot change in one transaction: the case database
commits first and the key is destroyed after (`transaction.on_commit`). A crash in between leaves a
person marked erased whose key still exists; `person_erase` run again finishes the work, and
`pristan retention` does so every day for any it finds (`selectors.erasures_unfinished`).
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import cache, partial
from uuid import UUID

from django.apps import apps
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pristan.cases.models import Case
from pristan.core import access
from pristan.core.audit import apply_changes, audit_record
from pristan.core.crypto import SealError
from pristan.core.models import AuditEntry, Office
from pristan.core.policy import Section
from pristan.core.relations import foreign_key_path
from pristan.core.sealed import _SealedField
from pristan.erasure import selectors
from pristan.erasure.models import ErasureRequest, ErasureStatus
from pristan.erasure.signals import person_erased
from pristan.keystore.models import DataKey
from pristan.keystore.services import destroy_data_key
from pristan.notifications import services as notifications
from pristan.people.models import NameToken, Person

ALREADY_ERASED = _("This person's identifying data has already been erased.")
ALREADY_PENDING = _("An erasure request for this person is already awaiting a decision.")
REASON_NEEDED = _("Say why the person's data should be erased, for example that the person asked for it.")
NOT_PENDING = _("This request has already been decided or withdrawn.")
OWN_REQUEST = _("You made this request: another data-protection focal point must decide it.")
REFUSAL_NEEDS_NOTE = _("Say why the request is refused.")
CANNOT_WITHDRAW = _("Only the person who made the request, or someone who may change the case, can withdraw it.")
NOT_OFFICE_ADMIN = _("Only an administrator of this office sets its retention period.")
MERGED_ON_ITS_OWN = _(
    "This record was merged into another person's record: ask for the erasure of the person it was merged into, "
    "which erases this record too."
)
MAX_RETENTION_YEARS = 100


class ErasureReason(models.TextChoices):
    """Why a person was erased, as the audit trail records it (never the request's own words)."""

    REQUEST = "erasure request", _("Erasure request")
    RETENTION = "retention schedule", _("Retention schedule")


# --- finding every sealed value of a person --------------------------------------------------------


@dataclass(frozen=True)
class SealedRecords:
    model: type[models.Model]
    lookup: str  # from the model to its person ("" for Person itself)
    columns: tuple[str, ...]


@cache
def sealed_records() -> tuple[SealedRecords, ...]:
    """Every model with sealed columns that a chain of foreign keys leads from to a person, and that
    chain. A model that none leads from (a group movement and its legs) seals under a key of its own,
    not a person's: it cannot hold their data key, and it is left as it is."""
    found = []
    for model in apps.get_models():
        columns = tuple(each.name for each in model._meta.concrete_fields if isinstance(each, _SealedField))
        path = [] if model is Person else foreign_key_path(model, Person, depth=3)
        if columns and path is not None:
            found.append(SealedRecords(model, "__".join(path), columns))
    return tuple(found)


def rows_of(records: SealedRecords, person: Person) -> "models.QuerySet[models.Model]":
    manager = records.model._default_manager
    return manager.filter(pk=person.pk) if not records.lookup else manager.filter(**{records.lookup: person})


# --- erasure -------------------------------------------------------------------------------------


def _key_exists(key_id: UUID | None) -> bool:
    return key_id is not None and DataKey.objects.filter(id=key_id).exists()


@transaction.atomic
def person_erase(*, actor: User | None, person: Person, reason: str, with_survivor: bool = False) -> Person:
    """Empty every sealed column of the person and of every record of their cases, delete the
    blind-index entries of their names, mark them erased, and destroy their data key once this
    transaction has committed. Idempotent: run again, it finishes an erasure whose key survived.

    A record merged into another person's (duplicates/merge.py) is erased only with her
    (`with_survivor`, from duplicates/signals.py): its cases and data are hers now."""
    person = Person.objects.select_for_update().select_related("office").get(pk=person.pk)
    if person.merged_into_id is not None and person.erased_at is None and not with_survivor:
        raise ValidationError(MERGED_ON_ITS_OWN)
    if person.erased_at is None:
        for records in sealed_records():
            rows_of(records, person).update(**dict.fromkeys(records.columns, b""))
        NameToken.objects.filter(person=person).delete()
        person.erased_at = timezone.now()
        Person.objects.filter(pk=person.pk).update(erased_at=person.erased_at)
        person_columns = next(records.columns for records in sealed_records() if records.model is Person)
        detail = f"erased: {reason}"
        audit_record(
            actor=actor, action=AuditEntry.Action.DELETE, obj=person, office=person.office,
            fields=[*person_columns, "name_tokens", "erased_at"], detail=detail,
        )  # fmt: skip
        case_columns = next(records.columns for records in sealed_records() if records.model is Case)
        for case in person.cases.select_related("office").order_by("pk"):
            audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=case, case=case, fields=case_columns, detail=detail)
        person_erased.send(sender=Person, person=person, actor=actor)
    elif _key_exists(person.key_id):  # erased in the case database, but the key store was not reached
        audit_record(
            actor=actor, action=AuditEntry.Action.DELETE, obj=person, office=person.office, fields=["key_id"],
            detail="erasure finished",
        )  # fmt: skip
    else:
        return Person.objects.get(pk=person.pk)
    if person.key_id is not None:
        # Last, and outside this transaction: the key store is another database. If this fails
        # (it is logged), the person stays marked erased and `pristan retention` finishes the work.
        transaction.on_commit(partial(destroy_data_key, person.key_id), robust=True)
    return Person.objects.get(pk=person.pk)  # as now stored: empty values, nothing left to open


@transaction.atomic
def erasure_request(*, actor: User, case: Case, reason: str) -> ErasureRequest:
    """Ask for the person's data to be erased: by someone who may change the case's summary."""
    access.require_write(actor, case, Section.SUMMARY)  # refuses an erased person too
    person = Person.objects.select_for_update().get(pk=case.person_id)
    if person.erased_at is not None:
        raise ValidationError(ALREADY_ERASED)
    if not reason.strip():
        raise ValidationError({"reason": REASON_NEEDED})
    if ErasureRequest.objects.filter(person=person, status=ErasureStatus.REQUESTED).exists():
        raise ValidationError(ALREADY_PENDING)
    try:
        request = ErasureRequest.objects.create(person=person, case=case, requested_by=actor, reason=reason.strip())
    except SealError:  # the key is gone although the erasure was not recorded: nothing can be sealed
        raise ValidationError(ALREADY_ERASED) from None
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=request, case=case, fields=["person", "case", "reason"])
    notifications.notify_erasure_requested(request=request)
    return request


def _locked(request: ErasureRequest) -> ErasureRequest:
    return ErasureRequest.objects.select_for_update().select_related("case__office", "person").get(pk=request.pk)


@transaction.atomic
def erasure_withdraw(*, actor: User, request: ErasureRequest) -> ErasureRequest:
    request = _locked(request)
    if request.requested_by_id != actor.pk and not access.can_write(actor, request.case, Section.SUMMARY):
        raise PermissionDenied(CANNOT_WITHDRAW)
    if not request.is_pending:
        raise ValidationError(NOT_PENDING)
    request.status, request.decided_by, request.decided_at = ErasureStatus.WITHDRAWN, actor, timezone.now()
    request.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(
        actor=actor, action=AuditEntry.Action.UPDATE, obj=request, case=request.case,
        fields=["status", "decided_by", "decided_at"], detail=ErasureStatus.WITHDRAWN,
    )  # fmt: skip
    return request


@transaction.atomic
def erasure_decide(*, actor: User, request: ErasureRequest, approve: bool, note: str = "") -> ErasureRequest:
    """Approve (and erase the person at once) or refuse: only a data-protection focal point who sees
    the case and whose scope reaches its office, and never the one who made the request."""
    request = _locked(request)
    if access.grant_for(actor, request.case) is None:
        raise PermissionDenied(access.ERASURE_NOT_GRANTED)
    access.require_erasure_decider(actor, request.case.office)
    if request.requested_by_id == actor.pk:
        raise PermissionDenied(OWN_REQUEST)
    if not request.is_pending:
        raise ValidationError(NOT_PENDING)
    if not approve and not note.strip():
        raise ValidationError({"note": REFUSAL_NEEDS_NOTE})
    request.status = ErasureStatus.APPROVED if approve else ErasureStatus.REFUSED
    request.decided_by, request.decided_at, request.decision_note = actor, timezone.now(), note.strip()
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_record(
        actor=actor, action=AuditEntry.Action.UPDATE, obj=request, case=request.case,
        fields=["status", "decided_by", "decided_at", "decision_note"], detail=request.status,
    )  # fmt: skip
    if approve:
        person_erase(actor=actor, person=request.person, reason=ErasureReason.REQUEST)
    return request


# --- retention -----------------------------------------------------------------------------------


@transaction.atomic
def retention_set(*, actor: User, office: Office, years: int | None) -> Office:
    """Set how many years after its cases are all closed a person of this office is erased (None: kept)."""
    if not selectors.retention_offices_for(actor).filter(pk=office.pk).exists():
        raise PermissionDenied(NOT_OFFICE_ADMIN)
    if years is not None and not 1 <= years <= MAX_RETENTION_YEARS:
        raise ValidationError(
            {"retention_years": _("Give a number of years from 1 to %(most)d.") % {"most": MAX_RETENTION_YEARS}}
        )
    before = office.retention_years
    if apply_changes(office, {"retention_years": years}):
        office.save(update_fields=["retention_years"])
        audit_record(
            actor=actor, action=AuditEntry.Action.CONFIGURE, obj=office, office=office, fields=["retention_years"],
            detail=f"{before or '—'} → {years or '—'}",
        )  # fmt: skip
    return office


@dataclass(frozen=True)
class RetentionRun:
    dry_run: bool
    due: dict[str, int] = field(default_factory=dict)  # office code (the person's registering office) → persons
    finished: dict[str, int] = field(default_factory=dict)  # interrupted erasures finished, per office code

    @property
    def due_total(self) -> int:
        return sum(self.due.values())

    @property
    def finished_total(self) -> int:
        return sum(self.finished.values())


def _per_office(persons: list[Person]) -> dict[str, int]:
    return dict(sorted(Counter(person.office.code for person in persons).items()))


def retention_apply(*, actor: User | None = None, today: date | None = None, dry_run: bool = False) -> RetentionRun:
    """Erase every person the retention schedule has reached (each in a transaction of its own, so
    one failure leaves the others erased), and finish interrupted erasures. With `dry_run`, only
    count them. Counts per office, never names."""
    today = today or timezone.localdate()
    due = list(selectors.retention_due(today=today))
    unfinished = list(selectors.erasures_unfinished())
    if not dry_run:
        for person in [*unfinished, *due]:
            person_erase(actor=actor, person=person, reason=ErasureReason.RETENTION)
    return RetentionRun(dry_run=dry_run, due=_per_office(due), finished=_per_office(unfinished))
