"""The demo's work in progress: what the generated cases of each stage have in a working office.

The generator writes cases, screenings, plans, services, notes, tasks and referrals; this adds,
through the services (so every write is checked by the access layer and audited, as a user's
would be), what the pages of the later stages and of the other roles show:

* movements for the cases in the movement stage, at every stage of preparation the board shows
  (requested, approved, travel documents, fit to travel, booked, travel-ready), with legs,
  documents, clearances and counselling;
* for the cases in reintegration and follow-up, the return or relocation that brought them home
  (departed and arrived within the last year, so the supervisors' overview counts it), a
  reintegration plan with its assistance and payments, and the monitoring visits that were due,
  scored with the loaded survey;
* flags and attachments (small images and PDFs made here, sealed as uploads are) on a few cases;
* referrals and a transfer between the demo offices, an erasure request, a consent override,
  and refused requests in the audit trail, for the inboxes and the focal point's and auditor's pages.

Everything is drawn from one seeded generator, in id order, with dates counted from today.
"""

from __future__ import annotations

import io
import logging
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.test import RequestFactory
from django.utils import timezone

from pristan.assistance.models import ServiceItem
from pristan.assistance.selectors import services_visible
from pristan.attachments.models import Attachment, AttachmentKind, AttachmentSubject
from pristan.attachments.services import attachment_add, sealed_upload_of
from pristan.cases.models import Case, ConsentPurpose, FlagKind, Stage
from pristan.cases.selectors import consent_in_force
from pristan.cases.services import case_assign, consent_override, consent_record, flag_set, task_add
from pristan.core import access, trail
from pristan.core.audit import audit_batch
from pristan.core.models import Membership, Office, Organisation, Role
from pristan.core.pdf import FONTS
from pristan.demo import office_texts as words
from pristan.demo import places
from pristan.demo.accounts import DEMO_ACCOUNTS, DEMO_OFFICES
from pristan.demo.texts import TASK_TITLES, localised
from pristan.demo.world import OFFICE_SPECS, OfficeSpec, _ensure_partners
from pristan.erasure.services import erasure_request
from pristan.keystore.services import key_scope
from pristan.movements import services as moves
from pristan.movements.models import (
    AllowanceKind,
    DocumentKind,
    DocumentStatus,
    Escort,
    Fitness,
    Movement,
    MovementKind,
    MovementStage,
    StopReason,
)
from pristan.referrals.services import referral_send, transfer_request
from pristan.reintegration import services as reintegration
from pristan.reintegration.models import ItemKind, ItemStatus, Survey, Visit, VisitStatus
from pristan.reintegration.survey import dimensions_of

__all__ = ["add_demo_activity"]

S = MovementStage
# The stage each movement-stage case's movement is taken to, in case order, per office. Skopje has
# no supervisor or movement officer among the demo accounts: its movements wait for approval.
BOARD_STAGES: dict[str, tuple[str, ...]] = {
    "SOF": (S.REQUESTED, S.APPROVED, S.TRAVEL_DOCUMENTS, S.FIT_TO_TRAVEL, S.BOOKED, S.TRAVEL_READY),
    "SJJ": (S.REQUESTED, S.BOOKED, S.TRAVEL_READY),
    "SKP": (S.REQUESTED,),
}
_ORDER = (S.REQUESTED, S.APPROVED, S.TRAVEL_DOCUMENTS, S.FIT_TO_TRAVEL, S.BOOKED, S.TRAVEL_READY, S.DEPARTED, S.ARRIVED)
RETURNED_PER_OFFICE = 12  # reintegration and follow-up cases given a return and a plan, per office
FLAGGED_PER_OFFICE = 4
DEMO_FONT = FONTS / "DejaVuSans.ttf"  # the font of Pristan's own PDFs, with Cyrillic
CARRIERS = (("Bulgaria Air", "FB"), ("Air Serbia", "JU"), ("FlixBus", "FX"), ("Union Ivkoni", "UI"))


@dataclass(frozen=True)
class _Office:
    office: Office
    spec: OfficeSpec
    owners: tuple[User, ...]  # the demo users who own its cases
    approver: User | None  # approves movements: a supervisor, or a movement officer
    booker: User | None  # books legs and confirms departures: the movement officer, where there is one
    shelter: Organisation | None

    @property
    def language(self) -> str:
        return self.spec.language


def _offices(offices: dict[str, Office], users: dict[str, User]) -> list[_Office]:
    specs = {spec.code: spec for spec in OFFICE_SPECS}
    contexts = []
    for code in DEMO_OFFICES:
        by_role: dict[str, list[User]] = {}
        for account in DEMO_ACCOUNTS:
            if account.office == code:
                by_role.setdefault(account.role, []).append(users[account.username])
        officers = by_role.get(Role.MOVEMENT_OFFICER, [])
        approvers = by_role.get(Role.SUPERVISOR, []) + officers
        approver = approvers[0] if approvers else None
        shelter = Organisation.objects.filter(city=specs[code].city, org_type="NGO", is_operator=False).order_by("id").first()
        contexts.append(
            _Office(
                office=offices[code],
                spec=specs[code],
                owners=tuple(by_role.get(Role.CASEWORKER, []) + by_role.get(Role.SUPERVISOR, [])),
                approver=approver,
                booker=officers[0] if officers else approver,
                shelter=shelter,
            )
        )
    return contexts


def _may_own(ctx: _Office, user: User, case: Case) -> bool:
    """Whether the case may be given to the user: a child's case only to someone with child-protection clearance."""
    return not case.is_minor or Membership.objects.filter(user=user, office=ctx.office, child_clearance=True).exists()


def _cases(ctx: _Office, *stages: str) -> list[Case]:
    """The office's cases in these stages that a demo user owns and may change, in id order."""
    cases = Case.objects.filter(office=ctx.office, stage__in=stages, owner__in=ctx.owners)
    return [case for case in cases.select_related("person", "owner", "office").order_by("id") if _writer(ctx, case)]


def _writer(ctx: _Office, case: Case) -> User | None:
    """Who works on the case: its owner, or the office's supervisor where the owner may not (a child's case)."""
    for user in (case.owner, ctx.approver):
        if user is not None and access.can_write(user, case):
            return user
    return None


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _destination(ctx: _Office, case: Case) -> tuple[str, str, Office | None, Organisation | None]:
    """Where the person goes home to: a foreigner returns to their country, received by the demo
    office there or by the shelter of its capital; a national is relocated within the country.
    (kind, country, receiving office, receiving partner)"""
    for country in (case.person.citizenships or [])[:1]:
        if country == ctx.office.country:
            break
        receiving = Office.objects.filter(code__in=DEMO_OFFICES, country=country).first()
        if receiving is not None:
            return MovementKind.RETURN, country, receiving, None
        spec = next((spec for spec in OFFICE_SPECS if spec.country == country), None)
        if spec is not None:
            return MovementKind.RETURN, country, None, _ensure_partners(spec)[0]  # the capital's shelter
    return MovementKind.RELOCATION, ctx.office.country, None, ctx.shelter


def _is_foreign(ctx: _Office, case: Case) -> bool:
    return bool(case.person.citizenships) and case.person.citizenships[0] != ctx.office.country


def _city(country: str, index: int = 0) -> str:
    cities = places.CITIES.get(country, ())
    return cities[index % len(cities)] if cities else country


def _leg(actor: User, movement: Movement, ctx: _Office, rng: random.Random, day: date, hour: int) -> None:
    carrier, prefix = CARRIERS[rng.randrange(len(CARRIERS))]
    home = ctx.office.country
    to_city = _city(movement.destination_country, 0 if movement.destination_country != home else 1 + rng.randrange(4))
    moves.leg_add(
        actor=actor, movement=movement,
        data={
            "from_city": _city(home), "from_country": home, "to_city": to_city, "to_country": movement.destination_country,
            "carrier": carrier, "number": f"{prefix} {100 + rng.randrange(900)}", "departs_at": _at(day, hour),
            "arrives_at": _at(day, hour + 7), "transit_assistance": False,
        },
    )  # fmt: skip


def _advance(
    ctx: _Office, rng: random.Random, movement: Movement, case: Case, target: str, *, departs: date, today: date
) -> None:
    """Take the movement from requested to `target`, doing at each stage what that stage waits for."""
    writer = _writer(ctx, case)
    assert writer is not None
    assert ctx.approver is not None
    assert ctx.booker is not None
    traveller = movement.travellers.get()
    prepared = min(departs, today) - timedelta(days=6)
    for stage in _ORDER[1 : _ORDER.index(target) + 1]:
        actor = ctx.approver if stage == S.APPROVED else writer
        if stage == S.FIT_TO_TRAVEL:  # the travel document asked for at the last stage is issued
            moves.document_update(
                actor=writer, document=traveller.documents.get(),
                data={"status": DocumentStatus.VALID, "number": f"ETD{rng.randrange(10**6):06d}",
                      "expires_on": max(departs, today) + timedelta(days=180)},
            )  # fmt: skip
        elif stage == S.BOOKED:
            moves.fitness_record(
                actor=writer, movement=movement, traveller=traveller,
                data={"outcome": Fitness.FIT, "assessed_on": prepared, "escort": Escort.NONE, "medical_note": ""},
            )  # fmt: skip
            _leg(ctx.booker, movement, ctx, rng, departs, 8 + rng.randrange(8))
            actor = ctx.booker
        elif stage == S.TRAVEL_READY:
            note = localised(words.COUNSELLING_NOTES, ctx.language)
            moves.counselling_record(actor=writer, movement=movement, travellers=[traveller], on=prepared, note=note)
            moves.allowance_add(
                actor=writer, movement=movement, traveller=traveller,
                data={"kind": AllowanceKind.TRAVEL, "amount": Decimal(50 + 10 * rng.randrange(6)), "currency": "EUR",
                      "paid_on": prepared},
            )  # fmt: skip
        elif stage == S.TRAVEL_DOCUMENTS:
            moves.document_add(
                actor=writer, movement=movement, traveller=traveller,
                data={"kind": DocumentKind.EMERGENCY, "number": "", "status": DocumentStatus.REQUESTED, "expires_on": None},
            )  # fmt: skip
        when = _at(departs, 9) if stage == S.DEPARTED else _at(departs, 18) if stage == S.ARRIVED else None
        moves.movement_change_stage(actor=ctx.booker if stage in (S.DEPARTED, S.ARRIVED) else actor,
                                    movement=movement, stage=stage, at=when)  # fmt: skip


def _board_movements(ctx: _Office, rng: random.Random, today: date) -> None:
    """The cases in the movement stage, each with a movement at the stage the board shows next,
    shared by the supervisor among the office's demo users so that each of them has some."""
    stages = BOARD_STAGES[ctx.spec.code]
    for index, case in enumerate(_cases(ctx, Stage.MOVEMENT)):
        owner = ctx.owners[index % len(ctx.owners)]
        if ctx.approver is not None and owner != case.owner and _may_own(ctx, owner, case):
            with transaction.atomic():
                case_assign(actor=ctx.approver, case=case, owner=owner)
        target = stages[index % len(stages)] if ctx.approver is not None else S.REQUESTED
        kind, country, receiving, partner = _destination(ctx, case)
        departs = today + timedelta(days=3 + 4 * index)
        undated = index < len(ctx.owners)  # a first movement of each without a date yet: the board's second table
        with transaction.atomic():
            movement = moves.movement_request(
                actor=_writer(ctx, case) or ctx.owners[0], case=case,
                data={"kind": kind, "destination_country": country, "departs_on": None if undated else departs,
                      "receiving_office": receiving, "receiving_partner": partner},
            )  # fmt: skip
            if target != S.REQUESTED:
                _advance(ctx, rng, movement, case, target, departs=departs, today=today)


def _departure_day(case: Case, rng: random.Random, today: date) -> date:
    """A day within the last year, after the case opened, at least two days ago."""
    earliest = case.opened_on + timedelta(days=21)
    day = max(earliest, today - timedelta(days=40 + rng.randrange(290)))
    return min(day, today - timedelta(days=2))


def _answers(survey: Survey, rng: random.Random, better: int) -> dict[str, str | None]:
    """Answers to every item, drawn towards the better options as the visits go on."""
    answers: dict[str, str | None] = {}
    for dimension in dimensions_of(survey.definition):
        for item in dimension.items:
            options = sorted(item.options, key=lambda option: option.score)
            index = min(len(options) - 1, rng.randrange(len(options)) + better)
            answers[item.key] = options[index].key
    return answers


def _reintegration(ctx: _Office, rng: random.Random, case: Case, survey: Survey | None, today: date) -> None:
    writer = _writer(ctx, case)
    assert writer is not None
    economic, social, psychosocial = localised(words.PLAN_OBJECTIVES, ctx.language)
    plan = reintegration.plan_save(
        actor=writer, case=case,
        data={"economic_objectives": economic, "social_objectives": social, "psychosocial_objectives": psychosocial},
    )  # fmt: skip
    if plan.arrival_on is None:  # no movement brought them back (an office without movement staff): entered by hand
        plan = reintegration.plan_set_arrival(actor=writer, case=case, arrival_on=_departure_day(case, rng, today))
    arrival = plan.arrival_on
    assert arrival is not None
    training, grant = localised(words.ITEM_DESCRIPTIONS, ctx.language)
    course = reintegration.item_add(
        actor=writer, case=case,
        data={"kind": ItemKind.VOCATIONAL_TRAINING, "description": training, "provider": ctx.shelter,
              "budget": Decimal(400 + 50 * rng.randrange(8)), "budget_currency": "EUR"},
    )  # fmt: skip
    reintegration.item_change_status(actor=writer, item=course, status=ItemStatus.IN_PROGRESS)
    cash = reintegration.item_add(
        actor=writer,
        case=case,
        data={"kind": ItemKind.CASH_GRANT, "description": grant, "budget": Decimal(300), "budget_currency": "EUR"},
    )
    paid_on = min(today, arrival + timedelta(days=10 + rng.randrange(20)))
    reintegration.disbursement_add(actor=writer, item=cash, amount=Decimal(300), currency="EUR", paid_on=paid_on)
    if survey is None:
        return
    for number, visit in enumerate(Visit.objects.filter(case=case, status=VisitStatus.PLANNED).order_by("months_after")):
        if visit.due_on > today:
            break
        done_on = visit.due_on + timedelta(days=rng.randrange(-5, 25))
        if done_on > today or rng.random() < 0.15:
            continue  # not done yet: overdue, as some are in any office
        reintegration.visit_record(actor=writer, visit=visit, done_on=done_on, answers=_answers(survey, rng, number))


def _returns(ctx: _Office, rng: random.Random, today: date) -> None:
    """Cases in reintegration and follow-up: the movement that brought them home, and their plan."""
    survey = Survey.objects.order_by("-version").first()
    returned = _cases(ctx, Stage.REINTEGRATION, Stage.FOLLOW_UP)
    returned.sort(key=lambda case: not _is_foreign(ctx, case))  # returns first: the overview charts them
    for case in returned[:RETURNED_PER_OFFICE]:
        writer = _writer(ctx, case) or ctx.owners[0]
        kind, country, receiving, partner = _destination(ctx, case)
        with transaction.atomic():
            movement = moves.movement_request(
                actor=writer, case=case,
                data={"kind": kind, "destination_country": country, "departs_on": None, "receiving_office": receiving,
                      "receiving_partner": partner},
            )  # fmt: skip
            if ctx.approver is None:  # nobody to approve it: the person went home on their own, as some do
                moves.movement_change_stage(actor=writer, movement=movement, stage=S.CANCELLED, reason=StopReason.PERSON_WITHDREW)
            else:
                _advance(ctx, rng, movement, case, S.ARRIVED, departs=_departure_day(case, rng, today), today=today)
            _reintegration(ctx, rng, case, survey, today)
    economic, social, psychosocial = localised(words.PLAN_OBJECTIVES, ctx.language)
    for case in returned[RETURNED_PER_OFFICE:]:
        # The others came home recently, before the office took them on: a plan, its arrival entered
        # by hand, and its first visits still ahead (so that no office starts with a pile of overdue ones).
        arrival = min(today, max(case.opened_on, today - timedelta(days=10 + rng.randrange(70))))
        with transaction.atomic():
            reintegration.plan_save(
                actor=_writer(ctx, case) or ctx.owners[0], case=case,
                data={"economic_objectives": economic, "social_objectives": social, "psychosocial_objectives": psychosocial,
                      "arrival_on": arrival},
            )  # fmt: skip


def _showcase(ctx: _Office, owner: User) -> Case | None:
    """The case of the owner's that has something on every tab: a return, a plan, attachments, a flag."""
    cases = Case.objects.filter(office=ctx.office, owner=owner, stage=Stage.REINTEGRATION, reintegration_plan__isnull=False)
    cases = cases.filter(Exists(ServiceItem.objects.filter(case=OuterRef("pk"))))
    cases = cases.select_related("person", "office").order_by("id")
    return next(
        (case for case in cases if access.can_write(owner, case) and services_visible(user=owner, case=case).exists()), None
    )


def _flags(ctx: _Office, today: date) -> None:
    """Each owner's showcase case, then every seventh open case, gets a flag (the first two)."""
    reasons = localised(words.FLAG_REASONS, ctx.language)
    kinds = (FlagKind.SECURITY_RISK, FlagKind.TRAFFICKER_IN_CONTACT, FlagKind.MEDICAL_URGENCY, FlagKind.INTERPRETER_NEEDED)
    showcases = [case for case in (_showcase(ctx, owner) for owner in ctx.owners) if case is not None]
    others = [case for case in _cases(ctx, Stage.ASSISTANCE, Stage.MOVEMENT)[::7] if case not in showcases]
    for index, case in enumerate([*showcases, *others][:FLAGGED_PER_OFFICE]):
        writer = _writer(ctx, case)
        assert writer is not None
        for kind in (kinds[index % len(kinds)], FlagKind.INTERPRETER_NEEDED)[: 2 if case in showcases else 1]:
            expires = today + timedelta(days=14) if kind == FlagKind.MEDICAL_URGENCY else None
            with transaction.atomic():
                flag_set(actor=writer, case=case, kind=kind, reason=reasons[kind], expires_on=expires)


def scanned_card_png(seed: int) -> bytes:
    """A small picture of an identity card, as a phone would photograph one (no real person on it)."""
    from PIL import Image, ImageDraw  # fpdf2's own dependency: no package of ours

    image = Image.new("RGB", (320, 200), (226, 232, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((8, 8, 311, 191), outline=(71, 85, 105), width=3)
    draw.rectangle((24, 40, 104, 150), fill=(148, 163, 184))  # where the photograph is
    draw.ellipse((44, 60, 84, 100), fill=(100, 116, 139))
    for row in range(6):
        draw.rectangle((124, 44 + 18 * row, 124 + 60 + (seed * 37 + row * 53) % 120, 52 + 18 * row), fill=(51, 65, 85))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def document_pdf(title: str, text: str) -> bytes:
    """A one-page PDF with a title and a paragraph, in a font with Cyrillic (the manifest's)."""
    from fpdf import FPDF

    logging.getLogger("fontTools").setLevel(logging.WARNING)  # it reports each table of the font it subsets
    pdf = FPDF(format=(148, 210))  # A5, in millimetres
    pdf.set_creation_date(datetime(2026, 1, 1, tzinfo=UTC))  # the same bytes on every run
    pdf.add_font("DejaVu", fname=str(DEMO_FONT))
    pdf.add_page()
    pdf.set_font("DejaVu", size=14)
    pdf.multi_cell(0, 8, title)
    pdf.ln(4)
    pdf.set_font("DejaVu", size=10)
    pdf.multi_cell(0, 6, text)
    pdf.ln(16)
    pdf.multi_cell(0, 6, "______________________")
    return bytes(pdf.output())


def _attachments(ctx: _Office, today: date) -> None:
    """A scanned identity card, a signed consent form and a medical certificate on each owner's
    showcase case, which is also referred to the office's shelter if it was not yet."""
    descriptions = localised(words.ATTACHMENT_DESCRIPTIONS, ctx.language)
    for number, owner in enumerate(ctx.owners):
        case = _showcase(ctx, owner)
        if case is None:
            continue
        files = (
            (AttachmentKind.IDENTITY_DOCUMENT, AttachmentSubject.PERSON, "id-card.png", scanned_card_png(number)),
            (AttachmentKind.CONSENT_FORM, AttachmentSubject.CASE, "consent.pdf",
             document_pdf(case.reference, descriptions["consent_form"])),
            (AttachmentKind.MEDICAL_CERTIFICATE, AttachmentSubject.CASE, "medical-certificate.pdf",
             document_pdf(case.reference, descriptions["medical_certificate"])),
        )  # fmt: skip
        for kind, subject, name, data in files:
            if not access.may_see(owner, _attachment_probe(case, kind, subject)):
                continue  # a section this user is not granted (health): someone else would attach it
            upload = sealed_upload_of(case=case, name=name, data=data)
            attachment_add(actor=owner, case=case, upload=upload, kind=kind, subject=subject, description=descriptions[kind])
        if not case.tasks.filter(done_at__isnull=True).exists():
            title = localised(TASK_TITLES, ctx.language)[number % len(localised(TASK_TITLES, ctx.language))]
            with transaction.atomic():
                task_add(actor=owner, case=case, title=title, due_on=today + timedelta(days=2), assignee=owner)
        if ctx.shelter is not None and not case.referrals.exists():
            with transaction.atomic():
                _with_consent(owner, case, ConsentPurpose.REFERRAL, today)
                referral_send(
                    actor=owner, case=case, organisation=ctx.shelter, reason="AdditionalServicesRequired",
                    details=localised(words.REFERRAL_DETAILS, ctx.language), referred_on=today - timedelta(days=5),
                )  # fmt: skip


def _attachment_probe(case: Case, kind: str, subject: str) -> Attachment:
    return Attachment(case=case, kind=kind, subject=subject)


def _with_consent(actor: User, case: Case, purpose: str, today: date) -> None:
    if not consent_in_force(case, purpose):
        consent_record(actor=actor, case=case, purpose=purpose, given=True, on=today)


def _between_offices(contexts: list[_Office], today: date) -> None:
    """A referral from each office to the next, a transfer into Sofia, an erasure request and a
    consent override in Sofia: what the inboxes and the focal point's page wait for."""
    for ctx, receiver in zip(contexts, [*contexts[1:], contexts[0]], strict=True):
        case = next(iter(_cases(ctx, Stage.ASSISTANCE)[3:]), None)
        writer = _writer(ctx, case) if case else None
        if case is None or writer is None:
            continue
        with transaction.atomic():
            _with_consent(writer, case, ConsentPurpose.REFERRAL, today)
            referral_send(
                actor=writer, case=case, office=receiver.office, reason="MigrationOrChangeOfLocation",
                details=localised(words.REFERRAL_DETAILS, ctx.language), referred_on=today - timedelta(days=2),
            )  # fmt: skip
    by_code = {ctx.spec.code: ctx for ctx in contexts}
    sofia = by_code["SOF"]
    for sender, receiving in (("SKP", "SOF"), ("SOF", "SJJ")):  # a transfer waits for each supervisor
        ctx = by_code[sender]
        case = next(iter(_cases(ctx, Stage.ASSISTANCE)[5:]), None)
        writer = _writer(ctx, case) if case else None
        if case is None or writer is None:
            continue
        with transaction.atomic():
            _with_consent(writer, case, ConsentPurpose.TRANSFER, today)
            transfer_request(
                actor=writer, case=case, to_office=by_code[receiving].office,
                reason=localised(words.TRANSFER_REASONS, ctx.language),
            )  # fmt: skip
    closed = _cases(sofia, Stage.CLOSED)
    if closed and (writer := _writer(sofia, closed[0])) is not None:
        with transaction.atomic():
            erasure_request(actor=writer, case=closed[0], reason=localised(words.ERASURE_REASONS, sofia.language))
    open_cases = _cases(sofia, Stage.ASSISTANCE)
    if sofia.approver is not None and len(open_cases) > 8:
        with transaction.atomic():
            consent_override(
                actor=sofia.approver, case=open_cases[8], purpose=ConsentPurpose.REFERRAL,
                reason=localised(words.OVERRIDE_REASONS, sofia.language),
            )  # fmt: skip


def _refusals(users: dict[str, User]) -> None:
    """Requests for cases their askers may not open, recorded as the case pages record them."""
    factory = RequestFactory()
    for username, code in words.REFUSED_AS:
        case = Case.objects.filter(office__code=code).order_by("id").first()
        if case is None:
            continue
        request = factory.get(f"/cases/{case.reference}/", REMOTE_ADDR="127.0.0.1")
        request.user = users[username]
        trail.record_refusal(request, target=case.reference)


def add_demo_activity(*, offices: dict[str, Office], users: dict[str, User], seed: int) -> None:
    """Add the demo's movements, returns, plans, flags, attachments and exchanges (once, after
    `share_demo_cases` gave the cases to the demo accounts)."""
    rng = random.Random(seed)  # reproducible synthetic data, not secrets # nosec B311
    today = timezone.localdate()
    contexts = _offices(offices, users)
    # One audit batch: the entries are chained once at the end instead of one by one (as an import does).
    with key_scope(), audit_batch():
        for ctx in contexts:
            _board_movements(ctx, rng, today)
            _returns(ctx, rng, today)
            _flags(ctx, today)
            _attachments(ctx, today)
        _between_offices(contexts, today)
        _refusals(users)
