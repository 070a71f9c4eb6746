"""The backup key: in the key file beside the master keys (never one of them), kept when the file changes."""

import io
import tomllib
from pathlib import Path

import pytest
from django.core.management import call_command

from pristan.backups.errors import BackupError
from pristan.backups.keys import backup_key
from pristan.core import crypto


def _backup_entry(path: Path) -> str | None:
    return tomllib.loads(path.read_text()).get("backup")


def test_keys_init_writes_a_backup_key_and_adds_one_to_an_older_key_file(tmp_path, settings, db):
    # `keys init` first makes sure that the databases hold nothing an older key file sealed (db: empty ones).
    settings.PRISTAN_KEY_FILE = str(tmp_path / "keyring.toml")
    settings.PRISTAN_BACKUP_KEY = ""
    call_command("keys", "init", stdout=io.StringIO())
    written = _backup_entry(tmp_path / "keyring.toml")
    assert len(crypto.backup_key_from_file(tmp_path / "keyring.toml") or b"") == 32
    assert backup_key().key == crypto.backup_key_from_file(tmp_path / "keyring.toml")

    crypto.add_master_key(tmp_path / "keyring.toml", "k2")  # rewriting the file keeps the backup key
    crypto.remove_master_key(tmp_path / "keyring.toml", "k1")
    assert _backup_entry(tmp_path / "keyring.toml") == written

    older = tmp_path / "older.toml"
    older.write_text("\n".join(line for line in (tmp_path / "keyring.toml").read_text().splitlines() if "backup" not in line))
    settings.PRISTAN_KEY_FILE = str(older)
    with pytest.raises(BackupError, match="There is no backup key"):
        backup_key()
    out = io.StringIO()
    call_command("keys", "init", stdout=out)
    assert "Added a backup key" in out.getvalue()
    assert _backup_entry(older) not in (None, written)
    assert tomllib.loads(older.read_text())["master"] == tomllib.loads((tmp_path / "keyring.toml").read_text())["master"]


def test_the_backup_key_is_never_a_master_key(tmp_path, settings):
    settings.PRISTAN_KEY_FILE = str(tmp_path / "keyring.toml")
    crypto.new_keyring_file(tmp_path / "keyring.toml", "k1")
    settings.PRISTAN_BACKUP_KEY = tomllib.loads((tmp_path / "keyring.toml").read_text())["master"]["k1"]
    with pytest.raises(BackupError, match="never a master key"):
        backup_key()
    settings.PRISTAN_BACKUP_KEY = "c2hvcnQ="
    with pytest.raises(BackupError, match="32 bytes"):
        backup_key()
