"""Importing HTCDS records: check the whole file first (the preview), then write it all or nothing.

Both passes stream the file. The first keeps only the problems (the first MAX_PROBLEMS of them)
and the identifiers seen; the second writes every valid row in one transaction, by the rules of a
caseworker's typed records (access, validation, sealing, blind index, audit). New records are
created a batch at a time (creating.py: the services' rules applied in memory, the rows inserted the
way the generator inserts them); records imported before go through the services one by one, and
only the fields whose value changed are written. The audit entries are kept aside and chained when
every row is written (`audit_batch`), in the same transaction, so the audit chain is not locked for
the length of the import.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pristan.cases import services as case_services
from pristan.cases.models import Case, ConsentPurpose
from pristan.core import access
from pristan.core.audit import apply_changes, audit_batch, audit_record
from pristan.core.bulk import WriteBehind
from pristan.core.models import AuditEntry, Office, Organisation
from pristan.experience.services import experience_update
from pristan.interchange import mapping
from pristan.interchange.creating import Creator
from pristan.interchange.duplicates import Hidden, Lookup, Matches, linked_persons, pairs_record
from pristan.interchange.mapping import Part, Problem
from pristan.interchange.models import ImportedRecord
from pristan.interchange.readers import Layout, Row, Table
from pristan.interchange.records import (
    IMPORTED_SCREENING,
    Organisations,
    earlier_referral,
    owner_name,
    part_of,
    person_data,
    status_values,
)
from pristan.keystore.services import key_scope
from pristan.people.services import person_update
from pristan.referrals.rules import REFERRAL_FIELDS
from pristan.referrals.services import referral_record_incoming
from pristan.screening.indicators import IndicatorList
from pristan.screening.services import screening_record

MAX_PROBLEMS = 1000
BATCH = 500
CANNOT_IMPORT = gettext_lazy("You cannot register persons in this office, so you cannot import into it.")
HAS_PROBLEMS = gettext_lazy("Some rows have problems: correct them, or import only the valid rows.")
UNCLEARABLE = ("con_Consent", "vic_TraffickingStatus", "vic_TraffickingStatusDecisionMakingOrg")
Progress = Callable[[int, int], None]


def source_of(table: Table, name: str) -> str:
    """Where the identifiers of the file's rows are unique: case references and submission ids
    everywhere; the official spreadsheet's row numbers only within one spreadsheet (its name)."""
    if table.layout == Layout.PRISTAN:
        return "pristan"
    if table.layout == Layout.SUBMISSIONS:
        return "odk"
    return f"file:{name}"[:120]


@dataclass
class Preview:
    rows: int = 0
    to_create: int = 0
    to_update: int = 0
    to_skip: int = 0
    invalid: int = 0
    problem_count: int = 0
    problems: list[Problem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    matches: Matches = field(default_factory=Matches)  # new rows that may be persons already in Pristan

    def add(self, problems: list[Problem]) -> None:
        self.problem_count += len(problems)
        self.problems.extend(problems[: max(0, MAX_PROBLEMS - len(self.problems))])


@dataclass
class Result:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    invalid: int = 0
    references: list[str] = field(default_factory=list)
    pairs: int = 0  # possible duplicates left for the reviewers


def _batches(table: Table) -> Any:
    batch: list[Row] = []
    for row in table.rows():
        batch.append(row)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _existing(office: Office, source: str, rows: list[Row]) -> dict[str, Case]:
    records = ImportedRecord.objects.filter(office=office, source=source, external_id__in=[row.external_id for row in rows])
    return {
        record.external_id: record.case for record in records.select_related("case__person", "case__owner", "case__experience")
    }


def _visible(actor: User, cases: dict[str, Case]) -> set[int]:
    """The cases of earlier imports that the actor may change (the others are problems, never named)."""
    seen = set(access.cases_for(actor).filter(pk__in=[case.pk for case in cases.values()]).values_list("pk", flat=True))
    return {case.pk for case in cases.values() if case.pk in seen and access.can_write(actor, case)}


def import_check(*, actor: User, office: Office, table: Table, source: str, progress: Progress | None = None) -> Preview:
    """The preview: rows to create, update and skip, and every problem. Writes nothing."""
    if not access.can_register_in(actor, office):
        raise PermissionDenied(CANNOT_IMPORT)
    preview = Preview(ignored_columns=table.columns.ignored)
    lookup = Lookup(actor)
    seen: set[str] = set()
    with key_scope():
        for batch in _batches(table):
            existing = _existing(office, source, batch)
            visible = _visible(actor, existing)
            for row in batch:
                preview.rows += 1
                record, problems = mapping.parse_row(row.number, row.cells)
                problems.extend(filter(None, [mapping.reference_problem(row.number, row.external_id)]))
                if row.external_id in seen:
                    problems.append(Problem(row.number, "", row.external_id, _("This record appears twice in the file.")))
                seen.add(row.external_id)
                case = existing.get(row.external_id)
                if case is not None and case.pk not in visible:
                    problems.append(
                        Problem(row.number, "", row.external_id, _("This record was imported into a case you cannot change."))
                    )
                if problems:
                    preview.invalid += 1
                    preview.add(problems)
                elif case is None:
                    preview.to_create += 1
                    lookup.add(row.number, row.external_id, record)
                elif _changes(office, case, record):
                    preview.to_update += 1
                else:
                    preview.to_skip += 1
            lookup.resolve()
            if progress:
                progress(preview.rows, 0)
    preview.matches = lookup.matches
    return preview


def _changes(office: Office, case: Case, record: dict[str, Any]) -> list[str]:
    current = mapping.record_of(case)
    if "cas_CaseOwner" in record:
        record = {**record, "cas_CaseOwner": owner_name(office, record["cas_CaseOwner"], current["cas_CaseOwner"])}
    # Consent and screening decisions are events: an empty cell records none, so it changes nothing.
    kept = [name for name in record if not (name in UNCLEARABLE and record[name] in (None, ""))]
    return mapping.differences(current, record, kept)


def import_apply(
    *, actor: User, office: Office, table: Table, source: str, skip_invalid: bool = False, progress: Progress | None = None,
    total: int = 0, matches: Matches | None = None,
) -> Result:  # fmt: skip
    """Write the file's records: all of them in one transaction, or none. Rows with a problem stop
    the import, unless `skip_invalid`, when they are left out and counted. New rows the preview
    linked to a person already in Pristan (`matches.links`) open a case for her instead of a new
    person; the new persons with a possible match the importer could not see become candidate
    pairs for the reviewers."""
    if not access.can_register_in(actor, office):
        raise PermissionDenied(CANNOT_IMPORT)
    matches = matches or Matches()
    hidden = {row.external_id: row.hidden for row in matches.rows if row.hidden}
    pairs: list[tuple[int, Hidden]] = []
    result = Result()
    done = 0
    seen: set[str] = set()
    with key_scope(), transaction.atomic(), audit_batch(), WriteBehind(connections[DEFAULT_DB_ALIAS]) as writer:
        linked = linked_persons(actor=actor, links=matches.links)
        creator = Creator(actor=actor, office=office, source=source, writer=writer)
        for batch in _batches(table):
            existing = _existing(office, source, batch)
            visible = _visible(actor, existing)
            written: list[Case | str] = []  # in the file's order; a new case by its row's id, known once written
            for row in batch:
                done += 1
                record, problems = mapping.parse_row(row.number, row.cells)
                problems.extend(filter(None, [mapping.reference_problem(row.number, row.external_id)]))
                case = existing.get(row.external_id)
                twice = row.external_id in seen  # the preview's problem "appears twice"
                seen.add(row.external_id)
                if problems or twice or (case is not None and case.pk not in visible):
                    if not skip_invalid:
                        raise ValidationError(HAS_PROBLEMS, code="problems")
                    result.invalid += 1
                    continue
                if case is None:
                    creator.add(row.external_id, record, person=linked.get(row.external_id))
                    written.append(row.external_id)
                    continue
                changed = _changes(office, case, record)
                if not changed:
                    result.skipped += 1
                    continue
                _update(actor, office, case, record, changed)
                result.updated += 1
                written.append(case)
            created = iter(creator.write())
            for entry in written:
                if isinstance(entry, str):
                    case = next(created)
                    result.created += 1
                    if entry not in linked:
                        pairs.extend((case.person_id, match) for match in hidden.get(entry, ()))
                else:
                    case = entry
                if len(result.references) < MAX_PROBLEMS:
                    result.references.append(case.reference)
            if progress:
                progress(done, total)
        creator.finish()
        result.pairs = pairs_record(actor=actor, office=office, hidden=pairs)
    return result


def _update(actor: User, office: Office, case: Case, record: dict[str, Any], changed: list[str]) -> None:
    """A record imported before, changed in the file: its changes, through the services."""
    person_changes = [name for name in changed if mapping.BY_NAME[name].part == Part.PERSON]
    if person_changes:
        data = person_data({name: record[name] for name in person_changes}, case.person.languages)
        person_update(actor=actor, case=case, data=data)
    # A new caseworker only where the importer assigns the case's caseworker (its office's
    # supervisors, access.may_assign); otherwise the case keeps its owner, as for an unknown name.
    if "cas_CaseOwner" in changed and access.may_assign(actor, case):
        owner = User.objects.get(username__iexact=owner_name(office, record["cas_CaseOwner"], case.owner.username))
        case_services.case_assign(actor=actor, case=case, owner=owner)
    parts = {mapping.BY_NAME[name].part for name in changed}
    if Part.EXPERIENCE in parts:
        experience_update(actor=actor, case=case, data=part_of(record, Part.EXPERIENCE, changed))
    if Part.CONSENT in parts and record["con_Consent"] is not None:
        case_services.consent_record(actor=actor, case=case, purpose=ConsentPurpose.CASE_MANAGEMENT, given=record["con_Consent"])
    if Part.SCREENING in parts:
        _screening(actor, case, record)
    if Part.INCOMING in parts:
        _incoming(actor, case, record)
    if Part.OUTGOING in parts:
        _outgoing(actor, case, record)
    if Part.CASE in parts:
        _mirror(actor, case, status_values(case, record))


def _screening(actor: User, case: Case, record: dict[str, Any]) -> None:
    latest = case.screenings.order_by("-screened_on", "-id").first()
    decision = record.get("vic_TraffickingStatus", latest.decision if latest else "")
    body = record.get("vic_TraffickingStatusDecisionMakingOrg", latest.deciding_body if latest else "")
    if not decision:
        return  # Pristan records a decision with every screening; a deciding body alone has no place
    screening_record(
        actor=actor, case=case, indicator_list=IndicatorList.ADULT_LABOUR, indicators=[], decision=decision,
        deciding_body=body, reason=str(IMPORTED_SCREENING),
    )  # fmt: skip


def _organisation(actor: User, case: Case, name: str) -> Organisation | None:
    """A partner by name; one the directory does not know yet is added to it (audited)."""
    found, created = Organisations().named(name)
    if created and found is not None:
        audit_record(
            actor=actor, action=AuditEntry.Action.CREATE, obj=found, office=case.office, fields=["name"], detail="import"
        )
    return found


def _mirror(actor: User, case: Case, data: dict[str, Any]) -> None:
    changed = apply_changes(case, data)
    if changed:
        case.save(update_fields=[*changed, "updated_at"])
        audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=case, case=case, fields=changed, detail="import")


def _incoming(actor: User, case: Case, record: dict[str, Any]) -> None:
    data = part_of(record, Part.INCOMING)
    organisation = _organisation(actor, case, data.pop("referring_organisation", "") or "")
    reason = data.get("incoming_referral_reason") or ""
    if organisation is not None and reason:
        referral_record_incoming(
            actor=actor, case=case, organisation=organisation, reason=reason,
            details=data.get("incoming_referral_details") or "",
            referred_on=data.get("incoming_referral_date") or timezone.localdate(),
        )  # fmt: skip
    _mirror(actor, case, {**data, "referring_organisation": organisation})


def _outgoing(actor: User, case: Case, record: dict[str, Any]) -> None:
    data = part_of(record, Part.OUTGOING)
    organisation = _organisation(actor, case, data.pop("referred_organisation", "") or "")
    referral = earlier_referral(case=case, organisation=organisation, data=data, actor=actor)
    if referral is not None:
        referral.save()
        audit_record(
            actor=actor, action=AuditEntry.Action.REFERRAL, obj=referral, case=case, fields=REFERRAL_FIELDS, detail="import"
        )
    _mirror(actor, case, {**data, "referred_organisation": organisation})
