"""The production profile refuses a secret key that an attacker could know or guess: the audit chain's
HMAC key and the API tokens' digests derive from it, and it signs every session. Each case loads the
production settings in a fresh interpreter, as gunicorn, `pristan start` and `pristan worker` do."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pristan.env import DEVELOPMENT_SECRET_KEY
from pristan.keystore.apps import secret_key_check

ROOT = Path(__file__).resolve().parents[3]
GOOD = "Xq3vT9-kP2mW_r7Lz5Nc8Hb1Yd4Gf6Js0Ua-e_QoViRtSyBx2C"  # 50 characters, no pattern
LOAD_SETTINGS = "import django; django.setup(); from django.conf import settings; print('started', len(settings.SECRET_KEY))"
HOW_TO_MAKE_ONE = 'python3 -c "import secrets; print(secrets.token_urlsafe(50))"'


def _environ(tmp_path: Path, **secret: str) -> dict[str, str]:
    environ = {name: value for name, value in os.environ.items() if not name.startswith(("PRISTAN_", "DJANGO_", "DATABASE_"))}
    return environ | {
        "DJANGO_SETTINGS_MODULE": "pristan.settings_production",
        "PRISTAN_MASTER_KEYS": "k1:" + "A" * 43 + "=",
        "PRISTAN_INDEX_KEY": "B" * 43 + "=",
        "PRISTAN_VAR_DIR": str(tmp_path),
        "LANGUAGE": "en",
        **secret,
    }


def _run(tmp_path: Path, *args: str, **secret: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - this interpreter with fixed arguments
        [sys.executable, *args], env=_environ(tmp_path, **secret), capture_output=True, text=True, check=False, cwd=ROOT,
        timeout=120,
    )  # fmt: skip


def test_the_good_key_is_one_the_rules_let_through():
    assert len(GOOD) == 50
    assert len(set(GOOD)) >= 10


@pytest.mark.parametrize(
    ("secret", "why"),
    [
        (DEVELOPMENT_SECRET_KEY, "it is the public development key"),
        ("Zq7#p", "it has 5 characters, fewer than 50"),
        (GOOD[:49], "it has 49 characters, fewer than 50"),
        ("ab" * 40, "it uses only 2 different characters"),
        ("django-insecure-" + GOOD, "a key Django generated for development"),
    ],
)
def test_a_weak_secret_key_stops_the_settings_from_loading(tmp_path, secret, why):
    result = _run(tmp_path, "-c", LOAD_SETTINGS, PRISTAN_SECRET_KEY=secret)
    assert result.returncode != 0
    assert "started" not in result.stdout
    assert "PRISTAN_SECRET_KEY (or PRISTAN_SECRET_KEY_FILE) is not a usable secret key" in result.stderr
    assert why in result.stderr
    assert HOW_TO_MAKE_ONE in result.stderr
    assert secret not in result.stderr  # the message never shows the key


def test_without_a_secret_key_it_says_which_variable(tmp_path):
    result = _run(tmp_path, "-c", LOAD_SETTINGS)
    assert result.returncode != 0
    assert "Set the environment variable PRISTAN_SECRET_KEY." in result.stderr


def test_a_weak_key_from_a_file_is_refused_too(tmp_path):
    key_file = tmp_path / "secret_key"
    key_file.write_text(DEVELOPMENT_SECRET_KEY + "\n")
    result = _run(tmp_path, "-c", LOAD_SETTINGS, PRISTAN_SECRET_KEY_FILE=str(key_file))
    assert result.returncode != 0
    assert "PRISTAN_SECRET_KEY (or PRISTAN_SECRET_KEY_FILE) is not a usable secret key" in result.stderr


def test_a_long_random_key_starts(tmp_path):
    result = _run(tmp_path, "-c", LOAD_SETTINGS, PRISTAN_SECRET_KEY=GOOD)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["started", "50"]


@pytest.mark.parametrize(
    "command",
    [
        ["-m", "pristan.cli", "start"],
        ["-m", "pristan.cli", "worker", "--batch"],
        ["-m", "pristan.cli", "check"],
        ["-c", "import pristan.wsgi"],  # what gunicorn loads
    ],
)
def test_every_way_in_refuses_the_development_key(tmp_path, command):
    result = _run(tmp_path, *command, PRISTAN_SECRET_KEY=DEVELOPMENT_SECRET_KEY)
    assert result.returncode != 0
    assert "PRISTAN_SECRET_KEY (or PRISTAN_SECRET_KEY_FILE) is not a usable secret key" in result.stderr
    assert "Starting gunicorn" not in result.stdout
    assert list(tmp_path.iterdir()) == []  # stopped before any database file was opened


def test_the_system_check_refuses_weak_fallbacks_of_a_settings_module_of_ones_own(settings):
    settings.PRISTAN_PRODUCTION = True
    settings.SECRET_KEY = GOOD
    settings.SECRET_KEY_FALLBACKS = [GOOD[::-1], DEVELOPMENT_SECRET_KEY]
    [error] = secret_key_check()
    assert error.id == "pristan.E010"
    assert "SECRET_KEY_FALLBACKS (key 2) is not a usable secret key: it is the public development key" in error.msg
    assert DEVELOPMENT_SECRET_KEY not in error.msg
    settings.SECRET_KEY_FALLBACKS = [GOOD[::-1]]
    assert secret_key_check() == []
    settings.SECRET_KEY = "short"
    assert [error.id for error in secret_key_check()] == ["pristan.E010"]


def test_the_development_profile_keeps_its_key(settings):
    settings.PRISTAN_PRODUCTION = False
    settings.SECRET_KEY = DEVELOPMENT_SECRET_KEY
    assert secret_key_check() == []


def test_earlier_keys_after_a_rotation_come_from_the_environment_and_obey_the_same_rules(tmp_path):
    earlier = GOOD[::-1]
    loaded = LOAD_SETTINGS.replace("len(settings.SECRET_KEY)", "len(settings.SECRET_KEY_FALLBACKS)")
    result = _run(tmp_path, "-c", loaded, PRISTAN_SECRET_KEY=GOOD, PRISTAN_SECRET_KEY_FALLBACKS=f"{earlier}, {GOOD[1:] + 'Z'}")
    assert result.returncode == 0, result.stderr
    assert "started 2" in result.stdout
    result = _run(tmp_path, "-c", loaded, PRISTAN_SECRET_KEY=GOOD, PRISTAN_SECRET_KEY_FALLBACKS=f"{earlier},{GOOD[:20]}")
    assert result.returncode != 0
    assert "PRISTAN_SECRET_KEY_FALLBACKS (key 2) is not a usable secret key: it has 20 characters, fewer than 50" in result.stderr
    assert GOOD[:20] not in result.stderr
