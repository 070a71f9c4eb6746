"""Helpers for the import and export tests: generated cases, files written from them, decryption."""

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import pyzipper
from django.contrib.auth.models import User

from pristan.api.tests.conftest import api_as, token_of  # noqa: F401 - the API's fixtures, for the upload tests
from pristan.cases.models import Case, ConsentPurpose
from pristan.cases.services import consent_record
from pristan.core.models import Office
from pristan.demo.generate import generate
from pristan.demo.world import ensure_world
from pristan.interchange import mapping

PASSPHRASE = "a long passphrase for the archive"


@pytest.fixture(autouse=True)
def _files_apart(settings: Any, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path


def unzip(content: bytes) -> bytes:
    with pyzipper.AESZipFile(io.BytesIO(content)) as archive:
        archive.setpassword(PASSPHRASE.encode())
        return archive.read(archive.namelist()[0])


@pytest.fixture
def generated(db: None) -> Callable[[int], tuple[Office, User, list[Case]]]:
    """N generated cases in the first demo office, each with consent to export recorded."""

    def make(count: int, seed: int = 7) -> tuple[Office, User, list[Case]]:
        generate(cases=count, offices=1, seed=seed, progress=False)
        world = ensure_world(1)
        office, caseworker = world.offices[0].office, world.offices[0].caseworker
        cases = list(Case.objects.filter(office=office).select_related("person").order_by("reference"))
        for case in cases:
            consent_record(actor=caseworker, case=case, purpose=ConsentPurpose.EXPORT, given=True)
        return office, caseworker, cases

    return make


@pytest.fixture
def second_office(db: None) -> tuple[Office, User]:
    world = ensure_world(2)
    return world.offices[1].office, world.offices[1].caseworker


def records_of(cases: list[Case]) -> dict[str, dict[str, Any]]:
    from pristan.interchange.htcds_export import records

    return {record[mapping.ID_FIELD]: record for record in records(cases)}
