"""Management commands with translated help.

Help texts are declared with `gettext_lazy`, so that they are extracted for translation and read in
the language active when the command runs. argparse only accepts real strings, so they become
strings when the parser is built, and not before.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django_stubs_ext import StrOrPromise


class TranslatedCommand(BaseCommand):
    help_text: StrOrPromise = ""  # becomes BaseCommand.help when the parser is built

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        self.help = str(self.help_text)
        return super().create_parser(prog_name, subcommand, **kwargs)
