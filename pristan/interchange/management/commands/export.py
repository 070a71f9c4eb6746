"""`pristan export --format F --output FILE --as USERNAME`: an export of what that user may export."""

import getpass
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import CommandError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pristan.core.management.translated import TranslatedCommand
from pristan.exports.models import ExportPurpose
from pristan.interchange.console import language_from_environment
from pristan.interchange.registry import FORMATS, ExportRequest


class Command(TranslatedCommand):
    help_text = gettext_lazy(
        "Export the cases a user may export, with the person's consent to export, in an AES-encrypted ZIP archive; "
        "recorded as an export and in the audit trail. The server's operator runs it; --as names whose rules apply."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--format", required=True, choices=sorted(FORMATS), dest="file_format")
        parser.add_argument("--output", required=True, type=Path, metavar="FILE")
        parser.add_argument("--as", dest="username", required=True, metavar="USERNAME")
        passphrase_help = gettext_lazy("Read the archive's passphrase from this file (default: ask for it).")
        parser.add_argument("--passphrase-file", type=Path, metavar="F", help=str(passphrase_help))
        parser.add_argument("--purpose", default=ExportPurpose.TRANSFER, choices=ExportPurpose.values)
        parser.add_argument("--lang")
        for command_format in FORMATS.values():
            if command_format.arguments:
                command_format.arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["lang"] or language_from_environment()):
            self._export(options)

    def _export(self, options: dict[str, Any]) -> None:
        command_format = FORMATS[options["file_format"]]
        actor = User.objects.filter(username=options["username"], is_active=True).first()
        if actor is None:
            raise CommandError(_("There is no active user %(username)s.") % {"username": options["username"]})
        passphrase = None
        if command_format.needs_passphrase:
            passphrase = self._passphrase(options["passphrase_file"])
        request = ExportRequest(
            actor=actor, output=options["output"], passphrase=passphrase, purpose=options["purpose"], options=options
        )
        try:
            self.stdout.write(command_format.run(request))
        except (ValidationError, PermissionDenied) as error:
            raise CommandError(" ".join(getattr(error, "messages", [str(error)]))) from None

    def _passphrase(self, path: Path | None) -> str:
        if path is not None:
            return path.read_text(encoding="utf-8").rstrip("\r\n")
        first = getpass.getpass(_("Passphrase for the archive: "))
        if first != getpass.getpass(_("The passphrase again: ")):
            raise CommandError(_("The two passphrases differ. Type the same passphrase twice."))
        return first
