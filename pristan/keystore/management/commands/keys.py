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
from django.core.management.base import BaseCommand, CommandError

from pristan.core import crypto
from pristan.keystore import services


class Command(BaseCommand):
    help = "Manage the keyring: write a key file, add a master key, re-wrap data keys, retire a master key."
    # The system checks demand a keyring (pristan.E001), so `init`, which writes it, runs without
    # them; every other action runs them first, as any command would (see handle).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("init", help="Write a new key file at PRISTAN_KEY_FILE unless one exists.")
        actions.add_parser("status", help="Count the data keys under each master key.")
        add = actions.add_parser("add-master", help="Add a master key to the key file and make it active.")
        add.add_argument("master_id")
        rotate = actions.add_parser("rotate", help="Re-wrap every data key under the active master key.")
        rotate.add_argument("--batch", type=int, default=1000)
        retire = actions.add_parser("retire", help="Remove a master key that no data key needs any more.")
        retire.add_argument("master_id")

    def handle(self, *args: Any, **options: Any) -> None:
        key_file = Path(settings.PRISTAN_KEY_FILE)
        action = options["action"]
        if action == "init":
            if crypto.new_keyring_file(key_file, "k1"):
                self.stdout.write(f"Wrote {key_file} (readable by its owner only). Keep a copy apart from the backups.")
            elif crypto.add_backup_key(key_file):  # a key file from before backups: it gets a backup key
                self.stdout.write(f"Added a backup key to {key_file}; its master and index keys are unchanged.")
            else:
                self.stdout.write(f"{key_file} exists; left as it is.")
            return
        self.check()
        if action in {"add-master", "retire"} and (settings.PRISTAN_MASTER_KEYS or settings.PRISTAN_INDEX_KEY):
            raise CommandError("The keys come from the environment: change PRISTAN_MASTER_KEYS there (the new key first).")
        if action == "add-master":
            try:
                crypto.add_master_key(key_file, options["master_id"])
            except (OSError, ValueError) as error:
                raise CommandError(str(error)) from None
            self.stdout.write(f"Master key {options['master_id']} is now active. Run `pristan keys rotate`.")
        elif action == "status":
            counts = services.key_counts()
            self.stdout.write(f"Active master key: {counts.active}")
            for master_id, count in counts.by_master.items():
                self.stdout.write(f"  {master_id}: {count} data keys")
        elif action == "rotate":
            done = services.rotate(batch=options["batch"])
            self.stdout.write(f"Re-wrapped {done} data keys under {services.keyring().active_id}.")
        elif action == "retire":
            master_id = options["master_id"]
            still = services.key_counts().by_master.get(master_id, 0)
            if still:
                raise CommandError(f"{still} data keys are still wrapped by {master_id}: run `pristan keys rotate` first.")
            try:
                crypto.remove_master_key(key_file, options["master_id"])
            except (OSError, ValueError) as error:
                raise CommandError(str(error)) from None
            self.stdout.write(f"Master key {options['master_id']} removed from {key_file}.")
