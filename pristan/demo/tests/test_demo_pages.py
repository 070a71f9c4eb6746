"""The demo shows every page with real content: each demo account opens what its menu and start
page offer, and every tab of one of its cases, and no list there is empty.

An empty list is marked in the templates with the class `empty-state`. A few pages are empty for a
role by design (the access rules give it nothing to list there); they are named below with why.
"""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.urls import resolve

from conftest import sign_in_verified
from pristan.attachments.models import Attachment
from pristan.cases.models import Case, CaseFlag, Stage
from pristan.core import access
from pristan.core.models import Role
from pristan.demo.accounts import DEMO_ACCOUNTS
from pristan.movements.models import Movement, MovementStage
from pristan.reintegration.models import Visit, VisitStatus

pytestmark = pytest.mark.django_db

EMPTY_STATE = re.compile(r'class="[^"]*\bempty-state\b[^"]*"[^>]*>([^<]*)')
MAIN_MENU = re.compile(r'<nav aria-label="[^"]*">(.*?)</nav>', re.S)
CASE_TABS = re.compile(r'<nav class="tabs"[^>]*>(.*?)</nav>', re.S)
LINK = re.compile(r'href="(/[^"#]*)"')

# Pages that are empty for a role because of what the role may see, not because the demo lacks data.
NO_CASES: set[str] = {Role.OFFICE_ADMIN, Role.SYSTEM_ADMIN, Role.AUDITOR, Role.ANALYST}  # no case of any office is theirs to read
EMPTY_BY_DESIGN: dict[str, set[str]] = {
    # Referrals are answered by those who change every case of the receiving office, transfers by
    # its supervisors: a caseworker (assigned cases only) and the roles without cases answer neither.
    "referral_inbox": {Role.CASEWORKER, Role.MOVEMENT_OFFICER, Role.FOCAL_POINT, *NO_CASES},
    "case_list": NO_CASES,
    "notifications": NO_CASES,  # nothing in Pristan is sent to these roles
    # A movement officer owns no case: "My cases" and the caseworker's panel of the start page
    # stay empty (a start page of their own is not part of the demo's data).
    "my_cases": {Role.MOVEMENT_OFFICER},
    "home": {Role.MOVEMENT_OFFICER},
}


def _links(html: str, pattern: re.Pattern[str]) -> set[str]:
    return {link for block in pattern.findall(html) for link in LINK.findall(block)}


def _main_links(html: str) -> set[str]:
    main = html.split("<main", 1)[-1].split("</main>", 1)[0]
    return set(LINK.findall(main))


def _pages_of(client: Client) -> tuple[str, set[str]]:
    """Where the account lands after signing in, and every page its menu and that page link to."""
    landing = client.get("/", follow=True)
    assert landing.status_code == 200
    html = landing.content.decode()
    pages = _links(html, MAIN_MENU) | _main_links(html) | {landing.request["PATH_INFO"]}
    return landing.request["PATH_INFO"], {page for page in pages if not page.startswith(("/static/", "/media/"))}


def _empty_lists(client: Client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return [text.strip() for text in EMPTY_STATE.findall(response.content.decode())]


def _showcase_tabs(client: Client, user: User) -> set[str]:
    """The tabs of the first case with attachments that the user may open (none for roles without cases)."""
    attached = Attachment.objects.filter(case__in=access.cases_for(user)).order_by("id").first()
    if attached is None:
        return set()
    summary = client.get(f"/cases/{attached.case.reference}/")
    assert summary.status_code == 200
    return _links(summary.content.decode(), CASE_TABS)


def test_every_page_each_demo_account_opens_shows_content_and_every_stage_its_records() -> None:
    # One test, because loading the demo is most of its time.
    call_command("demo", quiet=True, stdout=StringIO())
    failures = []
    opened = 0
    for account in DEMO_ACCOUNTS:
        user = User.objects.get(username=account.username)
        client = sign_in_verified(Client(), user)
        _landing, pages = _pages_of(client)
        tabs = _showcase_tabs(client, user)
        if account.role not in NO_CASES:
            assert tabs, f"{account.username} has no case to show with attachments"
        for url in sorted(pages | tabs):
            name = resolve(url.split("?", 1)[0]).url_name or ""
            empty = _empty_lists(client, url)
            opened += 1
            if empty and account.role not in EMPTY_BY_DESIGN.get(name, set()):
                failures.append(f"{account.username} {url}: {empty}")
    assert not failures, "\n".join(failures)
    assert opened > 100  # the walk really went through the menus, start pages and tabs
    _assert_every_stage_has_its_records()
    _assert_duplicates_to_review()


def _assert_every_stage_has_its_records() -> None:
    """Movements at every stage of preparation, returns with legs, plans, scored visits, flags and files."""
    preparing = set(
        Movement.objects.exclude(stage__in=[MovementStage.ARRIVED, MovementStage.CANCELLED]).values_list("stage", flat=True)
    )
    assert preparing >= {
        MovementStage.REQUESTED, MovementStage.APPROVED, MovementStage.TRAVEL_DOCUMENTS, MovementStage.FIT_TO_TRAVEL,
        MovementStage.BOOKED, MovementStage.TRAVEL_READY,
    }  # fmt: skip
    assert Movement.objects.filter(stage=MovementStage.ARRIVED, legs__isnull=False).exists()
    returned = Case.objects.filter(stage__in=[Stage.REINTEGRATION, Stage.FOLLOW_UP])
    assert returned.exists()
    assert not returned.filter(reintegration_plan__isnull=True).exists()  # every person back home has a plan
    assert Visit.objects.filter(status=VisitStatus.DONE, composite__isnull=False).exists()
    assert CaseFlag.objects.exclude(reason="").count() >= 6
    assert Attachment.objects.filter(content_type="application/pdf").exists()
    assert Attachment.objects.filter(content_type="image/png").exists()


def _assert_duplicates_to_review() -> None:
    """The reviewers' queue holds the planted pairs they may see (pristan/demo/duplicates.py), one
    pair was decided "not the same", and one merge waits to be undone."""
    from pristan.duplicates.models import CandidatePair, MergeRecord
    from pristan.keystore.services import key_scope

    for username, planted in (
        ("supervisor.sofia", {"Йордан Стефанов", "Iordan Stefanov"}),
        ("focalpoint.sofia", {"Йордан Стефанов", "Iordan Stefanov"}),
        ("supervisor.sarajevo", {"Емина Хоџић", "Emina Hodžić"}),  # the child's pair: with clearance
    ):
        user = User.objects.get(username=username)
        queue = sign_in_verified(Client(), user).get("/duplicates/")
        assert queue.status_code == 200, username
        assert "/duplicates/pairs/" in queue.content.decode(), f"{username}: no pair to review"
        with key_scope():
            pairs = access.duplicate_pairs_for(user).filter(status=CandidatePair.Status.OPEN)
            names = [{pair.person_a.full_name, pair.person_b.full_name} for pair in pairs.select_related("person_a", "person_b")]
        assert planted in names, f"{username}: {planted} is not in the queue"
    merges = sign_in_verified(Client(), User.objects.get(username="supervisor.sofia")).get("/duplicates/?status=merged")
    assert "/duplicates/merges/" in merges.content.decode()
    caseworker = sign_in_verified(Client(), User.objects.get(username="caseworker.sarajevo"))
    assert caseworker.get("/duplicates/").status_code == 403  # no queue for a caseworker
    assert CandidatePair.objects.filter(status=CandidatePair.Status.NOT_SAME).exists()
    assert MergeRecord.objects.filter(state=MergeRecord.State.MERGED).count() == 1
