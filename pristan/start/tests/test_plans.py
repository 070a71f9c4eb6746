"""On PostgreSQL, an index can lead every query of every start page: with sequential scans
disabled (see pristan/core/tests/plans_helpers.py), none of cases, tasks or the trail is scanned."""

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import member
from pristan.cases.services import consent_override, task_add
from pristan.core.models import Office, Role
from pristan.core.tests.plans_helpers import seq_scans
from pristan.erasure.services import erasure_request
from pristan.start.selectors import start_page_for

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="query plans are PostgreSQL's: SQLite's planner is not the one to guard"
)

WATCHED = frozenset({"cases_case", "cases_task", "core_auditentry", "reintegration_visit", "cases_consentoverride"})


def _scanned(user: User) -> dict[str, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        start_page_for(user=user, today=timezone.localdate())
    found = {}
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.lstrip("( ").upper().startswith("SELECT"):
                continue
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql.replace('%', '%%')}")
            document = cursor.fetchone()[0]
            plan = (json.loads(document) if isinstance(document, str) else document)[0]
            if scans := seq_scans(plan, WATCHED):
                found[sql] = scans
        cursor.execute("SET LOCAL enable_seqscan = on")
    return found


def test_every_start_page_is_led_by_indexes(sofia: Office, ana: User, boris: User, nina: User, open_case) -> None:
    case = open_case()
    task_add(actor=ana, case=case, title="Call", due_on=timezone.localdate() - timedelta(days=1))
    erasure_request(actor=ana, case=case, reason="The person asked for it.")
    consent_override(actor=boris, case=case, purpose="referral", reason="A child in danger who cannot consent today.")
    focal = member("fiona", sofia, Role.FOCAL_POINT)
    auditor = member("aurel", sofia, Role.AUDITOR)
    uncleared = member("stefan", sofia, Role.SUPERVISOR, child_clearance=False)
    for user in (ana, nina, boris, uncleared, focal, auditor):
        assert _scanned(user) == {}, user.username
