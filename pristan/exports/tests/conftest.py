"""What the export tests share: consent to export recorded through the real service, a client that
has just confirmed its identity, the personas who may not export, and opening an archive."""

import csv
import io
import time
from collections.abc import Callable

import pytest
import pyzipper
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from pristan.accounts.services import REAUTHENTICATED_AT
from pristan.cases.models import Case, ConsentOverride, ConsentPurpose
from pristan.cases.services import consent_record
from pristan.core.models import Office, Organisation, Role
from pristan.core.services import membership_grant, partner_membership_grant

PASSPHRASE = "Морски фар, северна кула"  # a good passphrase, in Cyrillic


def consent_to_export(case: Case, actor: User, *, given: bool = True) -> Case:
    consent_record(actor=actor, case=case, purpose=ConsentPurpose.EXPORT, given=given)
    return case


def override_export(case: Case, supervisor: User) -> ConsentOverride:
    # The cases service records overrides for case management and referral only (so far), so the
    # supervisor's decision is recorded here as that service would record it.
    return ConsentOverride.objects.create(
        case=case, purpose=ConsentPurpose.EXPORT, reason="Court order no. 12/2026 requires the file.", by=supervisor,
        at=timezone.now(),
    )  # fmt: skip


def just_confirmed(client: Client) -> Client:
    """As after the re-authentication page (tested on its own in pristan/accounts)."""
    session = client.session
    session[REAUTHENTICATED_AT] = time.time()
    session.save()
    return client


def open_archive(content: bytes, passphrase: str = PASSPHRASE) -> tuple[str, list[list[str]]]:
    """The archive's one file: its name and its rows (the header first); checks the byte-order mark."""
    with pyzipper.AESZipFile(io.BytesIO(content)) as archive:
        archive.setpassword(passphrase.encode("utf-8"))
        [name] = archive.namelist()
        data = archive.read(name)
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark, for spreadsheets"
    return name, list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.fixture
def staff(sofia: Office, partner: Organisation, django_user_model: type[User]) -> Callable[[str], User]:
    """A user of Sofia in the named role, or of the partner organisation ("partner")."""

    def make(role: str) -> User:
        user = django_user_model.objects.create_user(f"export-{role}", first_name=role.title())
        if role == "partner":
            partner_membership_grant(actor=None, user=user, organisation=partner, child_clearance=True)
        else:
            membership_grant(actor=None, user=user, office=sofia, role=role, child_clearance=True)
        return user

    return make


NOT_EXPORTING = ["partner", Role.ANALYST, Role.AUDITOR, Role.OFFICE_ADMIN, Role.FOCAL_POINT, Role.MOVEMENT_OFFICER,
                 Role.SYSTEM_ADMIN]  # fmt: skip


IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def immediate_tasks(settings, tmp_path):
    """Tasks run as they are enqueued (django_tasks' immediate backend), and files go to a fresh directory."""
    settings.TASKS = IMMEDIATE
    settings.VAR_DIR = tmp_path


@pytest.fixture
def queued_tasks(settings, tmp_path):
    """Tasks wait in the database queue, as in production, until a worker (or the test) runs them."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.VAR_DIR = tmp_path


def download(response) -> bytes:
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)
