"""What every benchmark shares: Django on fresh SQLite databases and keys in a temporary directory."""

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def setup_django(directory: Path, database_url: str = "", keys_url: str = "", key_file: Path | None = None) -> None:
    """Django on fresh SQLite databases in ``directory``, or on the given (PostgreSQL) ones; the
    keyring in ``directory`` unless ``key_file`` names one (created if missing)."""
    # Forced, not defaulted: a DATABASE_URL or keyring in the environment must not send a benchmark
    # to a real database or key store, nor seal its data with real keys.
    os.environ["PRISTAN_VAR_DIR"] = str(directory)
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{directory / 'bench.sqlite3'}"
    os.environ["PRISTAN_KEYS_DATABASE_URL"] = keys_url or f"sqlite:///{directory / 'keys.sqlite3'}"
    os.environ["PRISTAN_KEY_FILE"] = str(key_file or directory / "keyring.toml")
    os.environ["PRISTAN_KEY_FILE_AUTOCREATE"] = "1"
    for name in ("PRISTAN_MASTER_KEYS", "PRISTAN_INDEX_KEY"):
        os.environ.pop(name, None)
        os.environ.pop(f"{name}_FILE", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "pristan.settings"
    sys.path.insert(0, str(REPO))
    import django

    django.setup()


def migrate() -> None:
    """Both databases: the cases and the key store."""
    from django.conf import settings
    from django.core.management import call_command

    for database in settings.DATABASES:
        call_command("migrate", database=database, verbosity=0, interactive=False)
