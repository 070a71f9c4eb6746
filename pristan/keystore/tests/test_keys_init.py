"""The README's first step on a new server, `pristan keys init`, works under the production profile."""

import os
import stat
import subprocess
import sys
from pathlib import Path

SECRET = "a-long-and-random-production-secret-key-for-this-test-0123456789"


def _pristan(*args: str, key_file: Path) -> subprocess.CompletedProcess[str]:
    environ = {name: value for name, value in os.environ.items() if not name.startswith(("PRISTAN_", "DJANGO_"))}
    environ |= {
        "DJANGO_SETTINGS_MODULE": "pristan.settings_production",
        "PRISTAN_SECRET_KEY": SECRET,
        "PRISTAN_KEY_FILE": str(key_file),
        "PRISTAN_VAR_DIR": str(key_file.parent),
    }
    return subprocess.run(  # noqa: S603 - Pristan's own command with fixed arguments
        [sys.executable, "-m", "pristan.cli", *args], env=environ, capture_output=True, text=True, check=False
    )


def test_keys_init_writes_the_key_file_that_production_then_starts_with(tmp_path):
    key_file = tmp_path / "keyring.toml"

    refused = _pristan("check", key_file=key_file)
    assert refused.returncode == 1
    assert "pristan.E001" in refused.stderr

    written = _pristan("keys", "init", key_file=key_file)
    assert written.returncode == 0, written.stderr
    assert str(key_file) in written.stdout
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600

    started = _pristan("check", key_file=key_file)
    assert started.returncode == 0, started.stderr

    again = _pristan("keys", "init", key_file=key_file)
    assert again.returncode == 0
    assert "left as it is" in again.stdout


def test_the_other_keys_actions_still_need_the_keys(tmp_path):
    key_file = tmp_path / "keyring.toml"
    result = _pristan("keys", "status", key_file=key_file)
    assert result.returncode == 1
    assert "pristan.E001" in result.stderr
    assert not key_file.exists()
