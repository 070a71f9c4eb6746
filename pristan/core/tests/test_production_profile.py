"""The production profile needs nothing of the demo: no Faker, no synthetic-data code, and the demo
commands refuse to run there before they write or import anything."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from pristan.core.models import Office

ROOT = Path(__file__).resolve().parents[3]
SECRET = "a-long-and-random-production-secret-key-for-this-test-0123456789"

# Runs in a fresh interpreter where `import faker` fails, as on a server installed without the
# `demo` extra: sets Django up under the production settings, imports every module of Pristan
# but the demo app and the tests, and reports which modules of the demo app were loaded.
IMPORT_EVERYTHING = """
import importlib, json, pkgutil, sys
sys.modules["faker"] = None  # `import faker` now raises ImportError
import django
django.setup()
import pristan

def walk(package):
    for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
        if info.name == "pristan.demo" or info.name.rsplit(".", 1)[-1] == "tests":
            continue
        module = importlib.import_module(info.name)
        yield info.name
        if info.ispkg:
            yield from walk(module)

imported = list(walk(pristan))
print(json.dumps({"imported": imported, "demo": sorted(name for name in sys.modules if name.startswith("pristan.demo."))}))
"""

NO_FAKER_THEN_PRISTAN = "import sys; sys.modules['faker'] = None; from pristan.cli import main; sys.argv[0] = 'pristan'; main()"


def _production(tmp_path: Path) -> dict[str, str]:
    environ = {name: value for name, value in os.environ.items() if not name.startswith(("PRISTAN_", "DJANGO_", "DATABASE_"))}
    return environ | {
        "DJANGO_SETTINGS_MODULE": "pristan.settings_production",
        "PRISTAN_SECRET_KEY": SECRET,
        "PRISTAN_MASTER_KEYS": "k1:" + "A" * 43 + "=",
        "PRISTAN_INDEX_KEY": "B" * 43 + "=",
        "PRISTAN_VAR_DIR": str(tmp_path),
        "LANGUAGE": "en",
    }


def test_production_imports_nothing_of_the_demo_nor_faker(tmp_path):
    result = subprocess.run(  # noqa: S603 - this interpreter with a fixed script
        [sys.executable, "-c", IMPORT_EVERYTHING], env=_production(tmp_path), capture_output=True, text=True, check=False,
        cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr  # an ImportError of faker would end up here
    report = json.loads(result.stdout.splitlines()[-1])
    assert "pristan.settings_production" in report["imported"]
    assert "pristan.interchange.management.commands.import" in report["imported"]
    assert len(report["imported"]) > 100
    assert report["demo"] == []


@pytest.mark.parametrize("command", [["demo"], ["generate", "--cases", "5"]])
def test_the_demo_commands_refuse_production_and_write_nothing(tmp_path, command):
    result = subprocess.run(  # noqa: S603 - this interpreter running Pristan's command
        [sys.executable, "-c", NO_FAKER_THEN_PRISTAN, *command], env=_production(tmp_path), capture_output=True, text=True,
        check=False, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 1
    assert f"`pristan {command[0]}` does not run on a production server (pristan.settings_production)" in result.stderr
    assert "Nothing was written." in result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []  # not even a database file was opened


def test_the_refusal_holds_whatever_the_database_holds(db, settings):
    settings.PRISTAN_PRODUCTION = True
    for command in ("demo", "generate"):
        with pytest.raises(CommandError, match="does not run on a production server"):
            call_command(command)
    assert not Office.objects.exists()
