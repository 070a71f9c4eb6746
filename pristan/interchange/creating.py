"""Creating the cases of an import's new records, a batch at a time.

Each new record is decided in memory by the rules a caseworker's typed record goes through, applied
in the order the services apply them: the person's (people/rules.py), opening the case and its
consent (cases/rules.py), the experience (experience/rules.py), the screening (screening/rules.py),
the incoming referral (referrals/rules.py), the import's own (records.py), entering assistance
(cases/rules.py), and the access layer's checks on the new case. Then the batch is written as the
generator writes (core/bulk.py): reference numbers and ids reserved for the whole batch, every
person's data key made and stored at once, values sealed as the rows are added, one prepared
INSERT per table (on PostgreSQL a COPY, sent in a thread while the next batch is decided:
bulk.WriteBehind); and each record's audit entries, made in the order the services would have
recorded them, join the import's others (audit_spool), to be chained when it ends.

What is stored is what the services store, field by field, name tokens and audit entries included:
tests/test_bulk.py imports files both ways and compares them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from pristan.cases.minors import refresh_minor_flags
from pristan.cases.models import Case, ConsentEvent, ConsentPurpose, Stage
from pristan.cases.rules import (
    CONSENT_FIELDS,
    OPENING_FIELDS,
    case_new,
    consent_values,
    entry_error,
    stage_apply,
    transition_error,
)
from pristan.cases.services import references_reserve
from pristan.core import access
from pristan.core.audit import apply_changes, audit_spool, audit_values, audit_values_for
from pristan.core.blind_index import name_hashes
from pristan.core.bulk import IdBlock, SealingKey, Table, WriteBehind
from pristan.core.crypto import Keyring
from pristan.core.models import AuditEntry, Office
from pristan.core.policy import Section
from pristan.duplicates.keys import KeyMaker, data_of
from pristan.duplicates.models import MatchKey
from pristan.experience.models import TraffickingExperience
from pristan.experience.rules import experience_check, experience_fields
from pristan.interchange import mapping
from pristan.interchange.mapping import Part
from pristan.interchange.models import ImportedRecord
from pristan.interchange.records import (
    IMPORTED_SCREENING,
    Organisations,
    Owners,
    earlier_referral_values,
    part_of,
    person_data,
    status_values,
)
from pristan.keystore.models import DataKey
from pristan.keystore.router import KEYS_DB
from pristan.keystore.services import confirm_on_commit, data_key, keyring, wrapped_rows
from pristan.people.models import NameToken, Person
from pristan.people.rules import NAME_FIELDS, person_new
from pristan.referrals.models import Referral
from pristan.referrals.rules import REFERRAL_FIELDS, incoming_referral_values, mirror_incoming_values
from pristan.screening.indicators import IndicatorList
from pristan.screening.models import Screening
from pristan.screening.rules import SCREENING_FIELDS, screening_values

NAME_PARTS_CACHED = 4096
Values = dict[str, Any]


class _NameHashes:
    """A person's blind-index entries (`people.rules.person_name_hashes`), from those of each name
    part, remembered for the parts met last: names repeat, and each word is indexed on its own,
    so the union of the parts' entries is the person's."""

    def __init__(self, ring: Keyring) -> None:
        self._ring = ring
        self._parts: dict[str, frozenset[int]] = {}

    def of(self, person: Person) -> set[int]:
        hashes: set[int] = set()
        for name in NAME_FIELDS:
            part = getattr(person, name)
            if not part:
                continue
            found = self._parts.get(part)
            if found is None:
                if len(self._parts) >= NAME_PARTS_CACHED:
                    self._parts.clear()
                found = self._parts[part] = frozenset(name_hashes(self._ring, part))
            hashes |= found
        return hashes


class _Rows:
    """One model's rows of a batch: instances made by the rules, added as `bulk.Table` rows."""

    def __init__(self, model: type[models.Model], connection: BaseDatabaseWrapper) -> None:
        self.table = Table(model, connection, with_id=True)
        fields = list(model._meta.concrete_fields)
        # Stamped on insert, as DateTimeField.pre_save stamps them.
        self._stamped = [
            each.attname for each in fields if getattr(each, "auto_now", False) or getattr(each, "auto_now_add", False)
        ]
        self._stamped_at = [self.table.columns.index(name) for name in self._stamped]

        # A relation given by field name (an instance, as the rules give it) is stored by its id.
        self._relations = {each.name: each.attname for each in fields if each.is_relation}

    def add(self, key: SealingKey | None, instance: models.Model, now: datetime) -> None:
        row = [getattr(instance, name) for name in self.table.columns]
        for index in self._stamped_at:
            row[index] = now
        self.table.add_row(key, row)

    def add_values(self, key: SealingKey | None, values: Values, now: datetime, **ids: Any) -> None:
        """A row from the values a rule gives by field name (``ids``: its own and its relations' ids)."""
        row = dict(ids)
        relations = self._relations
        for name, value in values.items():
            if name in relations:
                row[relations[name]] = None if value is None else value.pk
            else:
                row[name] = value
        for name in self._stamped:
            row[name] = now
        self.table.add(key, **row)


@dataclass
class _Batch:
    """The ids and rows of one batch, valid in the import's transaction only (see bulk.IdBlock)."""

    db: BaseDatabaseWrapper
    persons: _Rows
    cases: _Rows
    experiences: _Rows
    consents: _Rows
    screenings: _Rows
    referrals: _Rows
    tokens: Table
    match_keys: Table
    imported: Table
    ids: dict[type[models.Model], IdBlock] = field(default_factory=dict)

    @classmethod
    def open(cls, db: BaseDatabaseWrapper) -> _Batch:
        batch = cls(
            db=db, persons=_Rows(Person, db), cases=_Rows(Case, db), experiences=_Rows(TraffickingExperience, db),
            consents=_Rows(ConsentEvent, db), screenings=_Rows(Screening, db), referrals=_Rows(Referral, db),
            tokens=Table(NameToken, db, with_id=False), imported=Table(ImportedRecord, db, with_id=False),
            match_keys=Table(MatchKey, db, with_id=False),
        )  # fmt: skip
        return batch

    def numbered(self, instance: models.Model) -> models.Model:
        """The instance with the id its row will have."""
        instance.pk = self.number(type(instance))
        return instance

    def number(self, model: type[models.Model]) -> int:
        """The id of a new row of ``model``."""
        return self._block(model).take()

    def reserve(self, records: int) -> None:
        """Ids enough for ``records`` new records, taken now from PostgreSQL's sequences, so that
        making their rows asks the database nothing while the batch before is being written. Not
        on SQLite: there ids follow the highest one, so they are taken when first needed, after
        the batch before is written (`Creator.write`)."""
        if self.db.vendor != "postgresql":
            return
        for model, each in ((Person, 1), (Case, 1), (TraffickingExperience, 1), (ConsentEvent, 1), (Screening, 1), (Referral, 2)):
            self._block(model).reserve(records * each)

    def _block(self, model: type[models.Model]) -> IdBlock:
        block = self.ids.get(model)
        if block is None:
            block = self.ids[model] = IdBlock(model, self.db)
        return block

    def tables(self) -> list[Table]:
        """The batch's tables, in the order they are written."""
        self.tokens.rows.sort(key=lambda row: row[1])  # in token order the index takes them in fewer page writes
        return [
            self.persons.table, self.tokens, self.match_keys, self.cases.table, self.experiences.table, self.consents.table,
            self.screenings.table, self.referrals.table, self.imported,
        ]  # fmt: skip


@dataclass
class _New:
    """One record to create and the records the rules made of it, numbered: the person, case and
    experience as instances (the rules read and change them), the others as their rules' values
    (``(id, values)``), which become rows without a model instance made of them."""

    external_id: str
    record: dict[str, Any]
    person: Person | None = None  # a person already in Pristan the row is linked to: her case, no new person
    case: Case = field(init=False)
    experience: TraffickingExperience | None = None
    consent: tuple[int, Values] | None = None
    screening: tuple[int, Values] | None = None
    referrals: list[tuple[int, Values]] = field(default_factory=list)
    entries: list[Values] = field(default_factory=list)  # its audit entries, in the services' order


class Creator:
    """The new records of an import, kept until `write` creates them all (call it once per batch of
    the file, inside the import's transaction and `audit_batch`, and `finish` after the last).

    A batch's rows go to ``writer`` (bulk.WriteBehind) once the next batch has taken what it needs
    from the database, so that the server writes one batch while the next is decided."""

    def __init__(self, *, actor: User, office: Office, source: str, writer: WriteBehind) -> None:
        self.actor, self.office, self.source, self.writer = actor, office, source, writer
        self.unwritten: _Batch | None = None
        self.owners = Owners(office, actor)
        self.organisations = Organisations()
        self.names = _NameHashes(keyring())
        self.match_keys = KeyMaker(keyring())
        self.db = connections[DEFAULT_DB_ALIAS]
        self.keys_db = connections[KEYS_DB]
        self.pending: list[_New] = []
        self.screening_reason = str(IMPORTED_SCREENING)  # in the import's language, translated once

    def add(self, external_id: str, record: dict[str, Any], *, person: Person | None = None) -> None:
        """A record to create; with ``person`` (one the importer may see, chosen on the preview), only
        its case, opened for her: her values stay as they are, and the case is sealed under her key."""
        self.pending.append(_New(external_id, record, person))

    def write(self) -> list[Case]:
        """Create the pending records, in the order they were added; returns their cases."""
        if not self.pending:
            return []
        pending, self.pending = self.pending, []
        today, now = timezone.localdate(), timezone.now()
        # What the batch needs from the database, taken before the batch before is written.
        references = references_reserve(office=self.office, year=today.year, count=len(pending))
        fresh = iter(self._data_keys(sum(1 for new in pending if new.person is None), now))
        keys = [next(fresh) if new.person is None else self._key_of(new.person) for new in pending]
        batch = _Batch.open(self.db)
        batch.reserve(len(pending))
        self.finish(wait=False)
        for new, reference, key in zip(pending, references, keys, strict=True):
            self._decide(new, batch, reference, key, today)
            self._rows(new, batch, key, now)
        for new in pending:
            for values in new.entries:
                audit_spool(values)
        self.unwritten = batch
        return [new.case for new in pending]

    def finish(self, *, wait: bool = True) -> None:
        """Hand the batch made last to the writer; with ``wait``, until it is written."""
        if self.unwritten is not None:
            self.writer.write(self.unwritten.tables())
            self.unwritten = None
        if wait:
            self.writer.wait()

    def _data_keys(self, count: int, now: datetime) -> list[SealingKey]:
        """A data key for each new person, stored (committed in the key store's database before any
        value sealed with it is written, so that nothing is ever stored without its key), provisional
        until the import commits: if it dies first, `pristan retention` destroys them (keystore/provisional.py)."""
        table, keys = Table(DataKey, self.keys_db, with_id=True), list[SealingKey]()
        if not count:  # every record of the batch linked to a person already in Pristan
            return keys
        for key_id, key, row in wrapped_rows(count, provisional=True):
            table.add(None, id=key_id, master_key_id=row.master_key_id, wrapped=row.wrapped, created_at=now, provisional=True)
            keys.append(SealingKey(key_id, key))
        with transaction.atomic(using=KEYS_DB):
            table.write()
        confirm_on_commit([key.id for key in keys])
        return keys

    @staticmethod
    def _key_of(person: Person) -> SealingKey:
        key = data_key(person.key_id) if person.key_id else None
        if key is None or person.key_id is None:  # erased meanwhile: services.linked_persons leaves such out
            raise ValueError(f"Person {person.pk} has no data key.")
        return SealingKey(person.key_id, key)

    # Deciding one record, in the services' order

    def _record(self, new: _New, action: str, obj: models.Model, case: Case | None, **options: Any) -> None:
        new.entries.append(audit_values(actor=self.actor, action=action, obj=obj, case=case, **options))

    def _record_row(self, new: _New, action: str, model: type[models.Model], pk: int, case: Case, **options: Any) -> None:
        entry = audit_values_for(actor=self.actor, action=action, model=model, object_id=pk, case=case, **options)
        new.entries.append(entry)

    def _decide(self, new: _New, batch: _Batch, reference: str, key: SealingKey, today: date) -> None:
        actor, record = self.actor, new.record
        person = new.person
        if person is None:  # people.services.person_register
            person, given = person_new(office=self.office, actor=actor, data=person_data(record))
            person.key_id = key.id
            batch.numbered(person)
            self._record(new, AuditEntry.Action.CREATE, person, None, office=self.office, fields=given)
        # cases.services.case_open
        case = case_new(reference=reference, person=person, office=self.office, owner=self.owners.of(record), opened_on=today)
        new.case = case
        batch.numbered(case)
        self._record(new, AuditEntry.Action.CREATE, case, case, fields=OPENING_FIELDS)
        parts = {mapping.BY_NAME[name].part for name in record if name != mapping.ID_FIELD}
        if Part.EXPERIENCE in parts:
            self._experience(new, batch, case)
        if Part.CONSENT in parts and record["con_Consent"] is not None:  # cases.services.consent_record
            access.require_write(actor, case, Section.CONSENT)
            consent = consent_values(purpose=ConsentPurpose.CASE_MANAGEMENT, given=record["con_Consent"], on=today, actor=actor)
            new.consent = pk, _ = batch.number(ConsentEvent), consent
            self._record_row(
                new, AuditEntry.Action.CREATE, ConsentEvent, pk, case, fields=CONSENT_FIELDS, detail=consent["purpose"]
            )
        if Part.SCREENING in parts:
            self._screening(new, batch, case, today)
        if Part.INCOMING in parts:
            self._incoming(new, batch, case, today)
        if Part.OUTGOING in parts:
            self._outgoing(new, batch, case)
        if Part.CASE in parts:
            self._mirror(new, case, status_values(case, record))
        if case.stage == Stage.SCREENING and case.status == "Active":
            self._past_screening(new, case)

    def _experience(self, new: _New, batch: _Batch, case: Case) -> None:
        """experience.services.experience_update, for a case without an experience yet."""
        access.require_write(self.actor, case, Section.EXPERIENCE)
        data = experience_fields(part_of(new.record, Part.EXPERIENCE))
        experience_check(data, born=case.person.date_of_birth)
        experience = new.experience = TraffickingExperience(case=case)
        changed = apply_changes(experience, data)
        batch.numbered(experience)
        self._record(new, AuditEntry.Action.CREATE, experience, case, fields=changed)
        case.experience = experience
        flags = refresh_minor_flags(case)
        if flags:
            self._record(new, AuditEntry.Action.UPDATE, case, case, fields=flags)

    def _screening(self, new: _New, batch: _Batch, case: Case, today: date) -> None:
        """The file's decision (screening.services.screening_record), as an update records it (services._screening)."""
        decision = new.record.get("vic_TraffickingStatus", "")
        if not decision:
            return  # Pristan records a decision with every screening; a deciding body alone has no place
        access.require_write(self.actor, case, Section.SCREENING)
        screening = screening_values(
            indicator_list=IndicatorList.ADULT_LABOUR, indicators=[], decision=decision, reason=self.screening_reason,
            deciding_body=new.record.get("vic_TraffickingStatusDecisionMakingOrg", ""), screened_on=today, actor=self.actor,
        )  # fmt: skip
        pk = batch.number(Screening)
        new.screening = pk, screening
        self._record_row(new, AuditEntry.Action.CREATE, Screening, pk, case, fields=SCREENING_FIELDS, detail=decision)

    def _partner(self, new: _New, case: Case, name: str) -> Any:
        organisation, created = self.organisations.named(name)
        if created and organisation is not None:
            self._record(new, AuditEntry.Action.CREATE, organisation, None, office=case.office, fields=["name"], detail="import")
        return organisation

    def _incoming(self, new: _New, batch: _Batch, case: Case, today: date) -> None:
        data = part_of(new.record, Part.INCOMING)
        organisation = self._partner(new, case, data.pop("referring_organisation", "") or "")
        reason = data.get("incoming_referral_reason") or ""
        if organisation is not None and reason:  # referrals.services.referral_record_incoming
            access.require_write(self.actor, case, Section.SUMMARY)
            referral = incoming_referral_values(
                organisation=organisation, reason=reason, details=data.get("incoming_referral_details") or "",
                referred_on=data.get("incoming_referral_date") or today, actor=self.actor,
            )  # fmt: skip
            pk = batch.number(Referral)
            new.referrals.append((pk, referral))
            self._record_row(
                new, AuditEntry.Action.REFERRAL, Referral, pk, case, fields=REFERRAL_FIELDS, detail=referral["status"]
            )
            mirror_incoming_values(case, referral)
        self._mirror(new, case, {**data, "referring_organisation": organisation})

    def _outgoing(self, new: _New, batch: _Batch, case: Case) -> None:
        data = part_of(new.record, Part.OUTGOING)
        organisation = self._partner(new, case, data.pop("referred_organisation", "") or "")
        referral = earlier_referral_values(organisation=organisation, data=data, actor=self.actor)
        if referral is not None:
            pk = batch.number(Referral)
            new.referrals.append((pk, referral))
            self._record_row(new, AuditEntry.Action.REFERRAL, Referral, pk, case, fields=REFERRAL_FIELDS, detail="import")
        self._mirror(new, case, {**data, "referred_organisation": organisation})

    def _mirror(self, new: _New, case: Case, data: dict[str, Any]) -> None:
        changed = apply_changes(case, data)
        if changed:
            self._record(new, AuditEntry.Action.UPDATE, case, case, fields=changed, detail="import")

    def _past_screening(self, new: _New, case: Case) -> None:
        """cases.services.case_change_stage to assistance, where the rules let the new case enter it
        (services._past_screening). Its only consent event is the one in force; it has no override."""
        consent, screening = new.consent, new.screening
        access.require_write(self.actor, case, Section.SUMMARY)
        current = case.stage
        error = transition_error(current, Stage.ASSISTANCE) or entry_error(
            current=current, stage=Stage.ASSISTANCE, may_proceed=lambda: consent is not None and consent[1]["given"],
            latest_decision=lambda: None if screening is None else screening[1]["decision"], closure_reason="",
        )  # fmt: skip
        if error is None:
            fields = stage_apply(case, Stage.ASSISTANCE)
            self._record(new, AuditEntry.Action.TRANSITION, case, case, fields=fields, detail=f"{current} → {Stage.ASSISTANCE}")

    # Its rows

    def _rows(self, new: _New, batch: _Batch, key: SealingKey, now: datetime) -> None:
        case, person = new.case, new.case.person
        if new.person is None:
            batch.persons.add(key, person, now)
            person_id = person.pk
            batch.tokens.add_many(("person_id", "token"), [(person_id, token) for token in self.names.of(person)])
            match_keys = self.match_keys.of(data_of(person, ()))  # an import brings no identity documents
            batch.match_keys.add_many(("person_id", "key"), [(person_id, key) for key in match_keys])
        batch.cases.add(key, case, now)
        if new.experience is not None:
            batch.experiences.add(key, new.experience, now)
        if new.consent is not None:
            batch.consents.add_values(key, new.consent[1], now, id=new.consent[0], case_id=case.pk)
        if new.screening is not None:
            batch.screenings.add_values(key, new.screening[1], now, id=new.screening[0], case_id=case.pk)
        for pk, referral in new.referrals:
            batch.referrals.add_values(key, referral, now, id=pk, case_id=case.pk)
        batch.imported.add(
            None, office_id=self.office.pk, source=self.source, external_id=new.external_id, case_id=case.pk, imported_at=now
        )
