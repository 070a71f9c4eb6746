"""`pristan start` refuses what would serve badly; browser/test_production.py starts it for real."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from pristan.core.management.commands.start import gunicorn_command

SECRET = "a-long-and-random-production-secret-key-for-this-test-0123456789"


def _start(tmp_path: Path, **environ: str) -> subprocess.CompletedProcess[str]:
    clean = {name: value for name, value in os.environ.items() if not name.startswith(("PRISTAN_", "DJANGO_", "DATABASE_"))}
    clean |= {
        "PRISTAN_SECRET_KEY": SECRET,
        "PRISTAN_MASTER_KEYS": "k1:" + "A" * 43 + "=",
        "PRISTAN_INDEX_KEY": "B" * 43 + "=",
        "PRISTAN_VAR_DIR": str(tmp_path),
        "PRISTAN_BIND": "127.0.0.1:1",  # were gunicorn reached, it could not listen here
        "LANGUAGE": "en",
    }
    return subprocess.run(
        [sys.executable, "-m", "pristan.cli", "start"], env=clean | environ, capture_output=True, text=True, check=False,
        timeout=120,
    )  # fmt: skip


def test_it_serves_only_the_production_profile(tmp_path):
    result = _start(tmp_path, DJANGO_SETTINGS_MODULE="pristan.settings")
    assert result.returncode == 1
    assert "`pristan start` serves the production profile, not pristan.settings" in result.stderr
    assert "gunicorn" not in result.stdout


def test_it_does_not_serve_a_database_with_migrations_to_apply(tmp_path):
    result = _start(tmp_path)  # the production profile, chosen by `pristan start` itself
    assert result.returncode == 1
    assert "The database keys has" in result.stderr
    assert "pristan start --migrate" in result.stderr
    assert "Starting gunicorn" not in result.stdout
    assert not (tmp_path / "static").exists()


def test_the_server_is_sized_from_the_environment(monkeypatch):
    monkeypatch.setenv("PRISTAN_WORKERS", "3")
    monkeypatch.setenv("PRISTAN_THREADS", "8")
    monkeypatch.setenv("PRISTAN_BIND", "unix:/run/pristan/pristan.sock")
    command = gunicorn_command()
    assert command[command.index("--workers") + 1] == "3"
    assert command[command.index("--threads") + 1] == "8"
    assert command[command.index("--bind") + 1] == "unix:/run/pristan/pristan.sock"
    monkeypatch.setenv("PRISTAN_WORKERS", "many")
    with pytest.raises(ImproperlyConfigured, match="PRISTAN_WORKERS must be a whole number"):
        gunicorn_command()
