"""Serbian in Latin script is Serbian in Cyrillic, letter for letter (Gaj's alphabet), so its
catalogue is derived from the Cyrillic one rather than translated twice.

    python -m pristan.core.serbian_latin   (run by `make messages`)
"""

import sys
from pathlib import Path

import polib

from pristan.core.names import to_latin

LOCALE_DIR = Path(__file__).resolve().parent.parent.parent / "locale"


def derive(cyrillic: Path, latin: Path) -> None:
    source = polib.pofile(str(cyrillic))
    source.metadata["Language"] = "sr_Latn"
    for entry in source:
        entry.msgstr = to_latin(entry.msgstr)
        entry.msgstr_plural = {index: to_latin(text) for index, text in entry.msgstr_plural.items()}
    latin.parent.mkdir(parents=True, exist_ok=True)
    source.save(str(latin))


if __name__ == "__main__":
    derive(LOCALE_DIR / "sr" / "LC_MESSAGES" / "django.po", LOCALE_DIR / "sr_Latn" / "LC_MESSAGES" / "django.po")
    sys.stdout.write("Derived locale/sr_Latn from locale/sr\n")
