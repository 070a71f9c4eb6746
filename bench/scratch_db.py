"""What every benchmark shares: Django on a fresh SQLite database in a temporary directory."""

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def setup_django(directory: Path) -> None:
    # Forced, not defaulted: a DATABASE_URL in the environment must not send a benchmark to a real database.
    os.environ["PRISTAN_VAR_DIR"] = str(directory)
    os.environ["DATABASE_URL"] = f"sqlite:///{directory / 'bench.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "pristan.settings"
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
