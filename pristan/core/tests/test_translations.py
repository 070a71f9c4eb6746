"""Every string a person reads is translated into every language Pristan offers."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils.translation import to_locale

from pristan.core.names import to_latin

ROOT = Path(__file__).resolve().parents[3]
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")


def _catalogue(locale_dir: Path, code: str) -> polib.POFile:
    path = locale_dir / to_locale(code) / "LC_MESSAGES" / "django.po"
    assert path.exists(), f"No catalogue for {code}: {path}"
    return polib.pofile(str(path))


def _problems(catalogue: polib.POFile) -> list[str]:
    problems = []
    for entry in catalogue:
        if not entry.translated() or "fuzzy" in entry.flags:
            problems.append(f"untranslated: {entry.msgid!r}")
            continue
        outputs = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        expected = sorted(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        singular = sorted(PLACEHOLDER.findall(entry.msgid))
        for output in outputs:
            if sorted(PLACEHOLDER.findall(output)) not in (expected, singular):
                problems.append(f"placeholders differ: {entry.msgid!r} -> {output!r}")
    return problems


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_message_is_translated(code):
    problems = _problems(_catalogue(ROOT / "locale", code))
    assert not problems, f"{code}: {len(problems)} problems, first: {problems[:5]}"


def test_serbian_latin_is_derived_from_serbian_cyrillic():
    cyrillic, latin = _catalogue(ROOT / "locale", "sr"), _catalogue(ROOT / "locale", "sr-latn")
    assert {e.msgid: to_latin(e.msgstr) for e in cyrillic} == {e.msgid: e.msgstr for e in latin}, (
        "Run: python -m pristan.core.serbian_latin"
    )


def test_the_catalogues_cover_every_string_in_the_source(tmp_path):
    """Extract the strings again (as `make messages` does) into a copy and look for any left untranslated."""
    if shutil.which("xgettext") is None:
        pytest.fail("GNU gettext is needed to check the catalogues: apt-get install gettext (.ci/run installs it).")
    copy = tmp_path / "src"
    shutil.copytree(ROOT / "pristan", copy / "pristan", ignore=shutil.ignore_patterns("__pycache__", "tests"))
    shutil.copytree(ROOT / "locale", copy / "locale", ignore=shutil.ignore_patterns("*.mo"))
    shutil.copy(ROOT / "manage.py", copy / "manage.py")
    environ = {**os.environ, "PYTHONPATH": str(copy), "DJANGO_SETTINGS_MODULE": "pristan.settings"}
    environ.pop("PRISTAN_LOCALE_DIR", None)
    locales = [arg for code in LANGUAGES if code != "sr-latn" for arg in ("-l", to_locale(code))]
    result = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", "makemessages", *locales, "--no-obsolete", "--no-location"],
        cwd=copy, env=environ, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    for code in LANGUAGES:
        if code == "sr-latn":
            continue
        missing = [problem for problem in _problems(_catalogue(copy / "locale", code)) if problem.startswith("untranslated")]
        assert not missing, f"{code}: run `make messages` and translate: {missing[:10]}"
