"""`pristan retention [--dry-run]`: apply the retention schedule. Run it daily (cron or a timer).

Erases every person all of whose cases have been closed for longer than the retention period of
their offices, and finishes erasures interrupted before the data key was destroyed. Prints counts
per office, never a name. Then discards the imports left waiting for a confirmation, and the
uploads no import holds (interchange.jobs.sweep), so no file of cases waits sealed for ever.
"""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from pristan.erasure.services import retention_apply
from pristan.interchange.jobs import sweep
from pristan.keystore.services import key_scope


class Command(BaseCommand):
    help = "Erase the persons the retention schedule has reached (counts per office; --dry-run to only count)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count who would be erased; change nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = bool(options["dry_run"])
        with key_scope():
            run = retention_apply(dry_run=dry_run)
        erased, finished = ("would be erased", "would be finished") if dry_run else ("erased", "finished")
        self.stdout.write("Retention schedule (dry run: nothing changed)" if dry_run else "Retention schedule")
        for office, count in run.due.items():
            self.stdout.write(f"  {office}: {_persons(count)} {erased}")
        for office, count in run.finished.items():
            self.stdout.write(f"  {office}: {_erasures(count)} interrupted before the key was destroyed, {finished}")
        self.stdout.write(f"Total: {_persons(run.due_total)} {erased}, {_erasures(run.finished_total)} {finished}.")
        with key_scope():
            swept = sweep(dry_run=dry_run)
        discarded = "would be discarded" if dry_run else "discarded"
        self.stdout.write(
            f"Imports: {swept.abandoned} left waiting {discarded}, {swept.orphaned} uploads no import holds {discarded}."
        )


def _persons(count: int) -> str:
    return f"{count} person" if count == 1 else f"{count} persons"


def _erasures(count: int) -> str:
    return f"{count} erasure" if count == 1 else f"{count} erasures"
