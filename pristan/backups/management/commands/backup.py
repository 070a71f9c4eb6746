"""`pristan backup --output DIR`: the case database and, apart, the key store (sealed under the
backup key), with a signed manifest; while Pristan serves. See README, "Backups and restore"."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pristan.backups.errors import BackupError
from pristan.backups.keys import backup_key
from pristan.backups.services import backup_create
from pristan.core.management.translated import TranslatedCommand
from pristan.interchange.console import language_from_environment


class Command(TranslatedCommand):
    help_text = gettext_lazy("Back up the case database and, apart, the key store (sealed under the backup key).")

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--output", required=True, type=Path, help=str(gettext_lazy("A new or empty directory for this backup."))
        )
        parser.add_argument("--lang", help=str(gettext_lazy("The language of the messages (default: from the environment).")))

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["lang"] or language_from_environment()):
            output: Path = options["output"]
            try:
                manifest = backup_create(output=output, key=backup_key())
            except BackupError as error:
                raise CommandError(str(error), returncode=1) from None
            self.stdout.write(_("Backup %(id)s written to %(directory)s:") % {"id": manifest.backup_id, "directory": output})
            self.stdout.write(
                _("  case database: %(file)s (%(size)d bytes); keep it as long as your organisation must.")
                % {"file": manifest.cases.file, "size": manifest.cases.size}
            )
            self.stdout.write(
                _("  key store: %(file)s (%(size)d bytes, sealed); keep it apart, for days only.")
                % {"file": manifest.keys.file, "size": manifest.keys.size}
            )
            self.stdout.write(_("  manifest.json: keep a copy with each part."))
