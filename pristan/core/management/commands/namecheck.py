"""`pristan namecheck`: find the names and references stored before core/text.py refused invisible
and control characters, or not in NFC. It reads (opening sealed names with their keys, one batch at
a time), changes nothing, and prints where each one is (model, field, record id), never the name.
Exit status 1 when it finds any: a caseworker corrects the record on its edit page.
"""

import unicodedata
from argparse import ArgumentParser
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import CommandError
from django.db.models import Model
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pristan.api.models import AccessToken
from pristan.core.management.translated import TranslatedCommand
from pristan.core.models import Office, Organisation
from pristan.core.text import forbidden_character
from pristan.experience.models import Perpetrator
from pristan.interchange.console import language_from_environment
from pristan.interchange.models import ImportedRecord
from pristan.keystore.services import key_scope, preload_for
from pristan.people.models import Person
from pristan.people.rules import DISPLAYED_NAMES

BATCH = 1000
# What is displayed as a name or a reference, by model (sealed fields are opened to be read).
CHECKED: tuple[tuple[type[Model], tuple[str, ...]], ...] = (
    (Person, tuple(DISPLAYED_NAMES)),
    (Perpetrator, ("name",)),
    (Office, ("name", "city")),
    (Organisation, ("name", "city")),
    (User, ("first_name", "last_name")),
    (AccessToken, ("name",)),
    (ImportedRecord, ("external_id",)),
)


def _batches(model: type[Model]) -> Iterator[list[Model]]:
    last = 0
    while True:
        batch = list(model._default_manager.filter(pk__gt=last).order_by("pk")[:BATCH])
        if not batch:
            return
        last = batch[-1].pk
        yield batch


def _problem(text: str) -> str:
    char = forbidden_character(text)
    if char is not None:
        return f"U+{ord(char):04X} {unicodedata.name(char, '')}".strip()
    return "" if unicodedata.is_normalized("NFC", text) else "not NFC"


class Command(TranslatedCommand):
    help_text = gettext_lazy(
        "List the stored names and references that hold invisible or control characters or are not in NFC (changes nothing)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--lang", help=str(gettext_lazy("The language of the messages (default: from the environment).")))

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["lang"] or language_from_environment()):
            found = self._check()
            if found:
                raise CommandError(_("%(count)d stored names or references to correct (listed above).") % {"count": found})
            self.stdout.write(_("Every stored name and reference is clean."))

    def _check(self) -> int:
        found = 0
        with key_scope():
            for model, fields in CHECKED:
                for batch in _batches(model):
                    preload_for(batch)
                    for instance in batch:
                        for field in fields:
                            value = getattr(instance, field)
                            problem = _problem(value) if isinstance(value, str) and value else ""
                            if problem:
                                found += 1
                                self.stdout.write(f"{model._meta.label} {instance.pk} {field}: {problem}")
        return found
