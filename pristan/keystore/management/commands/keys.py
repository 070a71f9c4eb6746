"""`pristan keys`: the keyring and the data keys.

pristan keys init             write a key file (development, or the first start of a server), or
                              add a backup key to a key file that has none
pristan keys status           how many data keys each master key wraps, which one is active
pristan keys add-master ID    add a master key to the key file and make it active
pristan keys rotate           re-wrap every data key under the active master key (online)
pristan keys retire ID        remove a master key no data key uses any more
"""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.db import DatabaseError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from pristan.core import crypto
from pristan.core.management.translated import TranslatedCommand
from pristan.interchange.console import language_from_environment
from pristan.keystore import services
from pristan.keystore.integrity import databases_hold_sealed_data, missing_key_file


class Command(TranslatedCommand):
    help_text = gettext_lazy("Manage the keyring: write a key file, add a master key, re-wrap data keys, retire a master key.")
    # The system checks demand a keyring (pristan.E001), so `init`, which writes it, runs without
    # them; every other action runs them first, as any command would (see handle).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--lang", help=str(gettext_lazy("The language of the messages (default: from the environment).")))
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("init", help=str(gettext_lazy("Write a new key file at PRISTAN_KEY_FILE unless one exists.")))
        actions.add_parser("status", help=str(gettext_lazy("Count the data keys under each master key.")))
        add = actions.add_parser("add-master", help=str(gettext_lazy("Add a master key to the key file and make it active.")))
        add.add_argument("master_id")
        rotate = actions.add_parser("rotate", help=str(gettext_lazy("Re-wrap every data key under the active master key.")))
        rotate.add_argument("--batch", type=int, default=1000)
        retire = actions.add_parser("retire", help=str(gettext_lazy("Remove a master key that no data key needs any more.")))
        retire.add_argument("master_id")

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options.get("lang") or language_from_environment()):
            self._handle(**options)

    def _handle(self, **options: Any) -> None:
        key_file = Path(settings.PRISTAN_KEY_FILE)
        action = options["action"]
        if action == "init":
            if not key_file.exists() and self._holds_data():
                raise CommandError(str(missing_key_file(str(key_file))))
            if crypto.new_keyring_file(key_file, "k1"):
                self.stdout.write(
                    _("Wrote %(file)s (readable by its owner only). Keep a copy apart from the backups.") % {"file": key_file}
                )
            elif crypto.add_backup_key(key_file):  # a key file from before backups: it gets a backup key
                self.stdout.write(
                    _("Added a backup key to %(file)s; its master and index keys are unchanged.") % {"file": key_file}
                )
            else:
                self.stdout.write(_("%(file)s exists; left as it is.") % {"file": key_file})
            return
        self.check()
        if action in {"add-master", "retire"} and (settings.PRISTAN_MASTER_KEYS or settings.PRISTAN_INDEX_KEY):
            raise CommandError(_("The keys come from the environment: change PRISTAN_MASTER_KEYS there (the new key first)."))
        if action == "add-master":
            try:
                crypto.add_master_key(key_file, options["master_id"])
            except (OSError, ValueError) as error:
                raise CommandError(str(error)) from None
            self.stdout.write(_("Master key %(id)s is now active. Run `pristan keys rotate`.") % {"id": options["master_id"]})
        elif action == "status":
            counts = services.key_counts()
            self.stdout.write(_("Active master key: %(id)s") % {"id": counts.active})
            for master_id, count in counts.by_master.items():
                self.stdout.write(
                    "  "
                    + ngettext("%(id)s: %(count)d data key", "%(id)s: %(count)d data keys", count)
                    % {"id": master_id, "count": count}
                )
        elif action == "rotate":
            done = services.rotate(batch=options["batch"])
            self.stdout.write(
                ngettext("Re-wrapped %(count)d data key under %(id)s.", "Re-wrapped %(count)d data keys under %(id)s.", done)
                % {"count": done, "id": services.keyring().active_id}
            )
        elif action == "retire":
            master_id = options["master_id"]
            still = services.key_counts().by_master.get(master_id, 0)
            if still:
                raise CommandError(
                    ngettext(
                        "%(count)d data key is still wrapped by %(id)s: run `pristan keys rotate` first.",
                        "%(count)d data keys are still wrapped by %(id)s: run `pristan keys rotate` first.",
                        still,
                    )
                    % {"count": still, "id": master_id}
                )
            try:
                crypto.remove_master_key(key_file, options["master_id"])
            except (OSError, ValueError) as error:
                raise CommandError(str(error)) from None
            self.stdout.write(_("Master key %(id)s removed from %(file)s.") % {"id": options["master_id"], "file": key_file})

    def _holds_data(self) -> bool:
        """Whether the databases hold sealed data, which a new key file would never open. A database not
        reachable yet (a new server, before its databases exist) holds none that can be told."""
        try:
            return databases_hold_sealed_data()
        except DatabaseError:
            return False
