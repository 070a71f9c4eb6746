"""`/health/`: 200 when the case database, the key store and the job queue work, 503 when one does not,
the worker reported beside them, and never a detail."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from django.test import Client

from pristan.core.health import CHECKS, REPORTED
from pristan.jobs import presence
from pristan.keystore.router import KEYS_DB


def _answer(response) -> dict[str, Any]:
    body = json.loads(response.content)
    assert set(body) == {"status", "checks"}  # nothing else: no version, no error text, no timing
    assert set(body["checks"]) == set(CHECKS) | set(REPORTED)
    assert set(body["checks"].values()) <= {"ok", "fail"}
    return body


def test_it_answers_200_to_anyone_when_all_is_well(db, ana, client_of):
    for client in (Client(), client_of(ana)):
        response = client.get("/health/")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        assert "no-store" in response["Cache-Control"]  # a proxy must not answer for a server that has failed since
        assert _answer(response) == {"status": "ok", "checks": dict.fromkeys(CHECKS, "ok") | {"worker": "fail"}}


def test_it_reports_a_living_worker_without_making_its_absence_an_outage(db):
    """No worker: still 200 (the pages serve; the queue waits), and "worker": "fail" for a monitor."""
    assert _answer(Client().get("/health/"))["checks"]["worker"] == "fail"
    with presence.Presence(presence.new_worker_id()):
        response = Client().get("/health/")
    assert response.status_code == 200
    assert _answer(response)["checks"]["worker"] == "ok"


@pytest.fixture
def unreachable_key_store(tmp_path: Path) -> Iterator[str]:
    """The key store's alias pointed at a database that cannot be opened: a real connection that fails,
    as when the key store's server is down or its file gone. The test's own connection is left alone."""
    original = connections[KEYS_DB]
    where = str(tmp_path / "no-such-directory" / "keys.sqlite3") if original.vendor == "sqlite" else "pristan_no_such_key_store"
    broken = original.__class__({**original.settings_dict, "NAME": where}, alias=KEYS_DB)
    connections[KEYS_DB] = broken
    try:
        yield where
    finally:
        broken.close()
        connections[KEYS_DB] = original


def test_it_answers_503_when_the_key_store_cannot_be_reached(db, unreachable_key_store):
    response = Client().get("/health/")
    assert response.status_code == 503
    body = _answer(response)
    assert body["status"] == "fail"
    assert body["checks"]["key_store"] == "fail"
    assert body["checks"]["database"] == "ok"
    text = response.content.decode()
    assert unreachable_key_store not in text
    assert "no-such-directory" not in text
    assert "unable" not in text.lower()
    assert "exist" not in text.lower()


def test_it_answers_503_when_the_keyring_cannot_be_loaded(db, settings, tmp_path):
    settings.PRISTAN_MASTER_KEYS = ""
    settings.PRISTAN_INDEX_KEY = ""
    settings.PRISTAN_KEY_FILE = str(tmp_path / "missing-keyring.toml")
    settings.PRISTAN_KEY_FILE_AUTOCREATE = False
    response = Client().get("/health/")
    assert response.status_code == 503
    body = _answer(response)
    assert body["checks"]["key_store"] == "fail"
    assert "missing-keyring" not in response.content.decode()
    assert not (tmp_path / "missing-keyring.toml").exists()


def test_it_only_answers_reads(db):
    assert Client().post("/health/").status_code == 405
