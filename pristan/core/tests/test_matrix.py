"""Walk every route of the URL configuration as every persona, against authorization.toml."""

import tomllib
from datetime import date
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from pristan.assistance.services import service_add
from pristan.attachments.services import attachment_add, sealed_upload_of
from pristan.cases.services import consent_record, task_add
from pristan.core.models import Role
from pristan.core.services import membership_grant, partner_membership_grant
from pristan.duplicates.models import CandidatePair, MergeRecord
from pristan.exports.models import ExportJob
from pristan.interchange.models import ImportJob
from pristan.movements.services import movement_request
from pristan.referrals.services import referral_send, transfer_request

MATRIX = tomllib.loads((Path(__file__).resolve().parents[1] / "authorization.toml").read_text(encoding="utf-8"))["routes"]
PERSONAS = ["anonymous", "caseworker", "supervisor", "movement_officer", "focal_point", "analyst", "auditor", "office_admin",
            "system_admin", "partner", "other_office"]  # fmt: skip
LOGIN = reverse("login")


def _named_routes() -> dict[str, list[str]]:
    """Every named route and the names of its arguments, read from the URL configuration itself."""
    routes: dict[str, list[str]] = {}

    def walk(patterns: list[URLPattern | URLResolver], arguments: list[str], namespace: str = "") -> None:
        for pattern in patterns:
            found = [*arguments, *pattern.pattern.converters]
            if isinstance(pattern, URLResolver):  # a namespaced app's routes are named "app:name", as reverse takes them
                walk(pattern.url_patterns, found, f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace)
            elif pattern.name:
                routes[namespace + pattern.name] = found

    walk(get_resolver().url_patterns, [])
    return routes


def test_every_route_has_an_entry_and_every_entry_a_route():
    routes = set(_named_routes())
    assert routes - set(MATRIX) == set(), "routes missing from pristan/core/authorization.toml"
    assert set(MATRIX) - routes == set(), "entries in authorization.toml for routes that no longer exist"


def _outcome(status: int, location: str) -> str:
    if status == 302 and location.startswith(LOGIN):
        return "login"
    return {403: "forbidden", 404: "absent", 405: "method"}.get(status, "ok" if status in (200, 302, 422) else str(status))


@pytest.fixture
def world(active_case, open_case, ana, boris, marko, sofia, skopje, partner, client_of, django_user_model):
    consent_record(actor=ana, case=active_case, purpose="referral", given=True)
    referral = referral_send(actor=ana, case=active_case, organisation=partner, reason="AdditionalServicesRequired")
    consent_record(actor=ana, case=active_case, purpose="transfer", given=True)
    transfer = transfer_request(actor=ana, case=active_case, to_office=skopje, reason="She returns home to Skopje.")
    task = task_add(actor=ana, case=active_case, title="Visit", due_on=date(2026, 1, 1))
    service = service_add(actor=ana, case=active_case, data={"kind": "accommodation"})
    users: dict[str, User] = {"caseworker": ana, "supervisor": boris, "other_office": marko}
    for role in (Role.MOVEMENT_OFFICER, Role.FOCAL_POINT, Role.ANALYST, Role.AUDITOR, Role.OFFICE_ADMIN, Role.SYSTEM_ADMIN):
        users[role] = django_user_model.objects.create_user(f"matrix-{role}")
        membership_grant(actor=None, user=users[role], office=sofia, role=role, child_clearance=True)
    users["partner"] = django_user_model.objects.create_user("matrix-partner")
    partner_membership_grant(actor=None, user=users["partner"], organisation=partner)
    values = {"reference": active_case.reference, "task_id": task.pk, "service_id": service.pk,
              "referral_id": referral.pk, "transfer_id": transfer.pk, "person_id": active_case.person_id,
              "job_id": ImportJob.objects.create(office=sofia, actor=ana, filename="cases.xlsx", status="ready").pk,
              "export_job_id": ExportJob.objects.create(kind="cases", actor=ana, purpose="authority",
                                                        file_format="csv-aes-zip", case_ids=[active_case.pk]).pk,
              "movement_id": movement_request(actor=ana, case=active_case,
                                              data={"kind": "voluntary_return", "destination_country": "MK"}).pk}  # fmt: skip
    photo = sealed_upload_of(case=active_case, name="photo.png", data=b"\x89PNG\r\n\x1a\n" + bytes(32))
    values["attachment_id"] = attachment_add(actor=ana, case=active_case, upload=photo, kind="photo", subject="person").pk
    values |= {"user_id": ana.pk, "organisation_id": partner.pk, "secret": "not-a-valid-link"}  # administration, first sign-in
    # Possible duplicates: a pair of two persons of Sofia, and a merge of a third into the first.
    second, third = open_case(given_name="Ivan", family_name="Petrov"), open_case(given_name="Ivan", family_name="Petroff")
    pair = CandidatePair.objects.create(
        person_a=active_case.person, person_b=second.person, probability=0.97, match_weight=9.0, found_by="scan"
    )
    merge = MergeRecord.objects.create(survivor=active_case.person, merged=third.person, merged_by=boris)
    values |= {"pair_id": pair.pk, "merge_id": merge.pk}
    return users, values


def test_every_persona_gets_what_the_matrix_says(world, client_of):
    users, values = world
    mismatches = []
    for name, arguments in sorted(_named_routes().items()):
        url = reverse(name, kwargs={argument: values[argument] for argument in arguments})
        for method in ("get", "post"):
            expected = MATRIX[name][method]
            for persona in PERSONAS:
                client = Client() if persona == "anonymous" else client_of(users[persona])
                with transaction.atomic():  # every request meets the same world: undo what it changed
                    response = getattr(client, method)(url)
                    transaction.set_rollback(True)
                got = _outcome(response.status_code, response.get("Location", ""))
                want = expected.get(persona, expected["default"])
                if got != want:
                    mismatches.append(
                        f"{method.upper()} {name} as {persona}: expected {want}, got {got} ({response.status_code})"
                    )
    assert not mismatches, "\n".join(mismatches)
