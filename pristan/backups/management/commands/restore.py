"""`pristan restore DIR [--keys-from DIR2]`: restore a backup into the empty databases that
Pristan's settings name. Checks everything before writing anything; see README, "Backups and restore"."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from pristan.backups.errors import BackupError
from pristan.backups.keys import backup_key
from pristan.backups.services import backup_restore
from pristan.core.management.translated import TranslatedCommand
from pristan.interchange.console import language_from_environment


class Command(TranslatedCommand):
    help_text = gettext_lazy("Restore a backup into the empty case database and key store named by the settings.")

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("directory", type=Path, help=str(gettext_lazy("The backup to restore the case database from.")))
        parser.add_argument(
            "--keys-from",
            type=Path,
            metavar="DIRECTORY",
            help=str(gettext_lazy("Another backup to restore the key store from (a recent one, once older ones have expired).")),
        )
        parser.add_argument(
            "--backup-key-file",
            type=Path,
            metavar="FILE",
            help=str(gettext_lazy("A file with the backup key that sealed the key store's part, if not the one configured.")),
        )
        parser.add_argument("--lang", help=str(gettext_lazy("The language of the messages (default: from the environment).")))

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["lang"] or language_from_environment()):
            try:
                key = backup_key(key_file=options["backup_key_file"])
                restored = backup_restore(source=options["directory"], keys_source=options["keys_from"], key=key)
            except BackupError as error:
                raise CommandError(str(error), returncode=1) from None
            self.stdout.write(
                _("Case database restored from backup %(id)s of %(at)s.")
                % {"id": restored.cases_from.backup_id, "at": restored.cases_from.created_at}
            )
            self.stdout.write(
                _("Key store restored from backup %(id)s of %(at)s.")
                % {"id": restored.keys_from.backup_id, "at": restored.keys_from.created_at}
            )
            if restored.persons_without_key:
                message = ngettext(
                    "%(count)d person has no data key in the key store: erased after the case database's backup "
                    "was made, their identifying data does not open. Erase them again so that their cases say so.",
                    "%(count)d persons have no data key in the key store: erased after the case database's backup "
                    "was made, their identifying data does not open. Erase them again so that their cases say so.",
                    restored.persons_without_key,
                )
                self.stdout.write(message % {"count": restored.persons_without_key})
            if restored.migrations_to_apply:
                self.stdout.write(
                    _("This Pristan is newer than the backup: run `pristan migrate --database keys` and `pristan migrate`.")
                )
            self.stdout.write(_("Run `pristan audit verify` to check the audit trail."))
