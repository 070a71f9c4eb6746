import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from pristan import env

ROOT = Path(__file__).resolve().parents[3]


def test_readers_fail_with_a_clear_message(monkeypatch):
    monkeypatch.setenv("PRISTAN_X", "maybe")
    with pytest.raises(ImproperlyConfigured, match="PRISTAN_X must be true or false"):
        env.env_bool("PRISTAN_X", False)
    monkeypatch.setenv("PRISTAN_X", "ten")
    with pytest.raises(ImproperlyConfigured, match="PRISTAN_X must be a whole number"):
        env.env_int("PRISTAN_X", 1)
    monkeypatch.delenv("PRISTAN_X")
    with pytest.raises(ImproperlyConfigured, match="Set the environment variable PRISTAN_X"):
        env.env_str("PRISTAN_X")
    monkeypatch.setenv("PRISTAN_X", "a, b,,c")
    assert env.env_list("PRISTAN_X", []) == ["a", "b", "c"]
    for wrong in ("1.5", "-0.1", "nan", "two thirds"):
        monkeypatch.setenv("PRISTAN_X", wrong)
        with pytest.raises(ImproperlyConfigured, match="PRISTAN_X must be a number from 0 to 1"):
            env.env_fraction("PRISTAN_X", 0.5)
    monkeypatch.setenv("PRISTAN_X", "0.75")
    assert env.env_fraction("PRISTAN_X", 0.5) == 0.75


def test_a_secret_may_come_from_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "key"
    secret.write_text("s3cret-from-file\n")
    monkeypatch.setenv("PRISTAN_X_FILE", str(secret))
    assert env.env_secret("PRISTAN_X") == "s3cret-from-file"
    monkeypatch.setenv("PRISTAN_X_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        env.env_secret("PRISTAN_X")


def _manage(*args: str, **environ: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, str(ROOT / "manage.py"), *args],
        env={**os.environ, **environ}, capture_output=True, text=True, check=False, cwd=ROOT,
    )  # fmt: skip


def test_production_settings_pass_the_deployment_check():
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DJANGO_SETTINGS_MODULE="pristan.settings_production",
        PRISTAN_SECRET_KEY="x" * 20 + "-a-long-and-random-production-secret-key-0123456789",
        PRISTAN_ALLOWED_HOSTS="pristan.example.org",
        PRISTAN_MASTER_KEYS="k1:" + "A" * 43 + "=",
        PRISTAN_INDEX_KEY="B" * 43 + "=",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_its_keys(tmp_path):
    result = _manage(
        "check",
        DJANGO_SETTINGS_MODULE="pristan.settings_production",
        PRISTAN_SECRET_KEY="x" * 20 + "-a-long-and-random-production-secret-key-0123456789",
        PRISTAN_KEY_FILE=str(tmp_path / "keyring.toml"),
    )  # fmt: skip
    assert result.returncode != 0
    assert "pristan.E001" in result.stderr
    assert not (tmp_path / "keyring.toml").exists()  # production never makes up a key


def test_production_refuses_to_start_without_a_secret_key():
    environ = {key: value for key, value in os.environ.items() if key != "PRISTAN_SECRET_KEY"}
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "manage.py"), "check"],
        env={**environ, "DJANGO_SETTINGS_MODULE": "pristan.settings_production"}, capture_output=True, text=True,
        check=False, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode != 0
    assert "PRISTAN_SECRET_KEY" in result.stderr


def test_pages_carry_a_content_security_policy(case, ana, client_of):
    from django.urls import reverse

    response = client_of(ana).get(reverse("case_summary", args=[case.reference]))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert response["Cache-Control"] == "no-store"
