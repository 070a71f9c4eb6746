"""A day in the Sofia office, through the pages as each role does its ordinary work; then every
route of the URL configuration, asked by every role with GET and with POST, must answer without a
server error. Routes added later are covered without touching this test: one that takes an
argument the day did not create fails it, saying which (add that object to the day)."""

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from pristan.assistance.models import ServiceItem
from pristan.attachments.services import attachment_add, sealed_upload_of
from pristan.cases.models import Case, Task
from pristan.cases.services import case_open
from pristan.core.models import AuditEntry, Office, Organisation, Role
from pristan.core.services import membership_grant, partner_membership_grant
from pristan.core.tests.test_matrix import _named_routes
from pristan.duplicates.models import CandidatePair, MergeRecord
from pristan.exports.models import ExportJob
from pristan.interchange.models import ImportJob
from pristan.movements.models import Movement, MovementStage
from pristan.notifications.models import Notification, NotificationKind
from pristan.people.services import person_register
from pristan.referrals.models import Referral, ReferralStatus, Transfer

Day = dict[str, Any]
ClientOf = Callable[[User], Client]


def _submit(client: Client, name: str, data: dict[str, Any], *args: Any, status: int = 302) -> Any:
    """Post a form as its page does; a form sent back with errors fails the day, naming them."""
    response = client.post(reverse(name, args=args), data)
    errors = response.content.decode()[:3000] if response.status_code != status else ""
    assert response.status_code == status, f"{name}: {response.status_code}\n{errors}"
    return response


def _open(client: Client, name: str, *args: Any) -> str:
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200, f"GET {name}: {response.status_code}"
    return response.content.decode()


@pytest.fixture
def staff(
    sofia: Office, skopje: Office, ana: User, boris: User, marko: User, movement_officer: User, django_user_model
) -> dict[str, User]:
    """The office's people, one per role, and a partner's user."""
    people = {"caseworker": ana, "supervisor": boris, "movement_officer": movement_officer, "other_office": marko}
    for role in (Role.FOCAL_POINT, Role.ANALYST, Role.AUDITOR, Role.OFFICE_ADMIN, Role.SYSTEM_ADMIN):
        people[role] = django_user_model.objects.create_user(f"day-{role}")
        membership_grant(actor=None, user=people[role], office=sofia, role=role, child_clearance=True)
    return people


@pytest.fixture
def clinic(staff: dict[str, User], django_user_model: Any) -> Organisation:
    clinic = Organisation.objects.create(name="Clinic of Hope", org_type="NGO", country="BG", service_kinds=["medical"])
    staff["partner"] = django_user_model.objects.create_user("day-partner")
    partner_membership_grant(actor=None, user=staff["partner"], organisation=clinic)
    return clinic


def _caseworker_morning(client: Client, sofia: Office, skopje: Office, clinic: Organisation, ana: User) -> Case:
    today = timezone.localdate()
    _open(client, "my_cases")
    _submit(client, "register", {
        "office": sofia.pk, "given_name": "Мария", "family_name": "Иванова", "date_of_birth": "1995-03-14",
        "citizenships": ["BG"], "gender": "Feminine",
    })  # fmt: skip
    case = Case.objects.get()
    _submit(client, "case_consent", {"case_management": "yes", "referral": "yes", "transfer": "yes", "on": today}, case.reference)
    _open(client, "case_screening", case.reference)
    _submit(client, "case_screening", {
        "indicator_list": "adult_labour", "decision": "PossibleVictimOfTrafficking", "deciding_body": "NGO",
        "reason": "Deceived about the job; documents withheld.", "screened_on": today,
    }, case.reference)  # fmt: skip
    _submit(client, "stage_change", {"stage": "assistance"}, case.reference)
    for tab in ("case_summary", "case_notes", "case_referrals", "case_experience", "case_assistance", "case_history"):
        _open(client, tab, case.reference)
    _submit(client, "note_create", {"text": "First meeting at the shelter."}, case.reference)
    _submit(client, "task_create", {"title": "Book the dentist", "due_on": today + timedelta(days=3), "assignee": ana.pk},
            case.reference)  # fmt: skip
    _submit(client, "service_create", {"svc-kind": "medical", "svc-status": "planned", "svc-description": "Dental care"},
            case.reference)  # fmt: skip
    medical = ServiceItem.objects.get(case=case)
    _submit(client, "referral_create", {
        "referral-organisation": clinic.pk, "referral-service": medical.pk, "referral-reason": "AdditionalServicesRequired",
        "referral-referred_on": today,
    }, case.reference)  # fmt: skip
    _submit(client, "case_movement", {"request-kind": "voluntary_return", "request-destination_country": "MK"}, case.reference)
    _submit(client, "transfer_create", {"transfer-to_office": skopje.pk, "transfer-reason": "She returns to Skopje."},
            case.reference)  # fmt: skip
    return case


def _move(client: Client, case: Case, movement: Movement, stage: str) -> None:
    prefix = f"m{movement.pk}-stage"
    _submit(client, "movement_stage", {"movement_id": movement.pk, f"{prefix}-movement": movement.pk, f"{prefix}-stage": stage},
            case.reference)  # fmt: skip


@pytest.fixture
def day(staff: dict[str, User], clinic: Organisation, sofia: Office, skopje: Office, client_of: ClientOf) -> Day:
    """The day itself, through the pages; what it made fills the routes' arguments."""
    case = _caseworker_morning(client_of(staff["caseworker"]), sofia, skopje, clinic, staff["caseworker"])
    movement = Movement.objects.get()

    supervisor = client_of(staff["supervisor"])
    _move(supervisor, case, movement, MovementStage.APPROVED)
    _open(supervisor, "case_history", case.reference)
    assert "Мария" not in _open(supervisor, "audit_trail")  # the reads of the tabs above are entries; no names

    officer = client_of(staff["movement_officer"])
    _open(officer, "movement_board")
    _open(officer, "case_movement", case.reference)
    _move(officer, case, movement, MovementStage.TRAVEL_DOCUMENTS)

    focal_point = client_of(staff[Role.FOCAL_POINT])
    _open(focal_point, "case_history", case.reference)
    _open(focal_point, "audit_trail")

    analyst = client_of(staff[Role.ANALYST])
    _open(analyst, "research_export")
    _submit(analyst, "research_export", {"k": 11})  # a job on the queue (run at once in tests), then its page
    research_job = ExportJob.objects.get(actor=staff[Role.ANALYST])
    _open(analyst, "export_job", research_job.pk)
    download = analyst.post(reverse("export_job_download", args=[research_job.pk]))
    assert download.status_code == 200, download.status_code
    b"".join(download.streaming_content)  # type: ignore[attr-defined]
    export_job = ExportJob.objects.create(actor=staff[Role.ANALYST], kind=ExportJob.Kind.RESEARCH)  # one still to download

    admin = client_of(staff[Role.OFFICE_ADMIN])
    _open(admin, "admin_people")
    page = _submit(admin, "admin_person_add", {
        "username": "dana", "name": "Dana Koleva", "email": "dana@example.org", "office": sofia.pk, "role": Role.CASEWORKER,
        "method": "link",
    }, status=200).content.decode()  # fmt: skip
    secret = re.search(r"/welcome/([^/<]+)/", page)
    assert secret is not None, "the new person's one-time sign-in link is shown once"
    dana = User.objects.get(username="dana")
    _open(admin, "admin_person", dana.pk)
    sysadmin = client_of(staff[Role.SYSTEM_ADMIN])
    _open(sysadmin, "admin_offices")
    _open(sysadmin, "admin_partner", clinic.pk)

    assert Notification.objects.filter(user=staff[Role.ANALYST], kind=NotificationKind.EXPORT_DONE).exists()
    assert 'data-testid="unread-count"' in _open(analyst, "notifications")  # the research file was ready
    referral_told = Notification.objects.filter(user=staff["partner"], kind=NotificationKind.REFERRAL_AWAITING)
    assert referral_told.exists(), "the partner was told of the referral awaiting its answer"

    _open(client_of(staff[Role.AUDITOR]), "audit_trail")

    partner = client_of(staff["partner"])
    referral = Referral.objects.get()
    assert reverse("referral_status", args=[referral.pk]) in _open(partner, "referral_inbox")
    assert "Dental care" in _open(partner, "case_assistance", case.reference)
    _submit(partner, "referral_status", {"status": ReferralStatus.ACCEPTED}, referral.pk)

    assert AuditEntry.objects.filter(action=AuditEntry.Action.VIEW, fields=["notes"]).exists()
    job = ImportJob.objects.create(office=sofia, actor=staff["caseworker"], filename="cases.xlsx", status="ready")
    photo = sealed_upload_of(case=case, name="photo.png", data=b"\x89PNG\r\n\x1a\n" + bytes(32))
    attachment = attachment_add(actor=staff["caseworker"], case=case, upload=photo, kind="photo", subject="person")
    # Possible duplicates: the person and one registered again, a pair of them, and a merge to undo.
    again = [
        case_open(actor=staff["caseworker"], office=sofia, person=person_register(
            actor=staff["caseworker"], office=sofia, data={"given_name": name, "family_name": "Petrova"}))
        for name in ("Ana", "Anna")
    ]  # fmt: skip
    pair = CandidatePair.objects.create(
        person_a=case.person, person_b=again[0].person, probability=0.97, match_weight=9.0, found_by="scan"
    )
    merge = MergeRecord.objects.create(survivor=case.person, merged=again[1].person, merged_by=staff["caseworker"])
    return {
        "pair_id": pair.pk, "merge_id": merge.pk,
        "attachment_id": attachment.pk,
        "reference": case.reference, "person_id": case.person_id, "task_id": Task.objects.get(case=case).pk,
        "service_id": ServiceItem.objects.get(case=case).pk, "referral_id": referral.pk,
        "transfer_id": Transfer.objects.get(case=case).pk, "movement_id": movement.pk, "job_id": job.pk,
        "export_job_id": export_job.pk, "user_id": dana.pk, "organisation_id": clinic.pk, "secret": secret.group(1),
    }  # fmt: skip


def test_a_day_in_the_office_then_every_route_as_every_role(day: Day, staff: dict[str, User], client_of: ClientOf):
    routes = _named_routes()
    unfilled = {name: sorted(set(arguments) - set(day)) for name, arguments in routes.items() if set(arguments) - set(day)}
    assert not unfilled, f"the day made nothing to fill these routes' arguments; add it to the day: {unfilled}"
    personas: list[tuple[str, User | None]] = [("anonymous", None), *sorted(staff.items())]
    failures = []
    for name, arguments in sorted(routes.items()):
        try:
            url = reverse(name, kwargs={argument: day[argument] for argument in arguments})
        except NoReverseMatch as error:
            failures.append(f"{name}: cannot be reversed with the day's values ({error})")
            continue
        for method in ("get", "post"):
            for persona, user in personas:
                client = Client() if user is None else client_of(user)  # a fresh sign-in: a POST may have signed out
                client.raise_request_exception = False  # an exception is a 500 to report, with the others
                with transaction.atomic():  # every request meets the day as it ended
                    response = getattr(client, method)(url)
                    transaction.set_rollback(True)
                if response.status_code >= 500:
                    failures.append(f"{method.upper()} {url} ({name}) as {persona}: {response.status_code}")
    assert not failures, "server errors:\n" + "\n".join(failures)
