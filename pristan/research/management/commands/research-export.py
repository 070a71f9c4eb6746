"""`pristan research-export --output FILE [--k 11] --as USERNAME`: the CTDC research export of what
that user may put into research data (pristan/research), as CSV; prints the report, counts only."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pristan.core.management.translated import TranslatedCommand
from pristan.research.console import add_k_argument, write_ctdc

OUTPUT_HELP = gettext_lazy("Where to write the CSV file.")
AS_HELP = gettext_lazy("The user whose access rules apply (an analyst or a supervisor).")


class Command(TranslatedCommand):
    help_text = gettext_lazy(
        "Write the anonymised, k-anonymous CTDC research dataset of the cases with consent to research use, and print "
        "what was generalised and suppressed. Recorded as a research export and in the audit trail."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--output", required=True, type=Path, metavar="FILE", help=str(OUTPUT_HELP))
        parser.add_argument("--as", dest="username", required=True, metavar="USERNAME", help=str(AS_HELP))
        add_k_argument(parser)

    def handle(self, *args: Any, output: Path, username: str, k: int, **options: Any) -> None:
        actor = User.objects.filter(username=username, is_active=True).first()
        if actor is None:
            raise CommandError(_("There is no active user %(username)s.") % {"username": username})
        try:
            lines = write_ctdc(actor=actor, output=output, k=k)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        except PermissionDenied as error:
            raise CommandError(str(error)) from None
        for line in lines:
            self.stdout.write(line)
