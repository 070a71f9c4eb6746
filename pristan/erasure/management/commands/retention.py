"""`pristan retention [--dry-run]`: apply the retention schedule. Run it daily (cron or a timer).

Erases every person all of whose cases have been closed for longer than the retention period of
their offices, and finishes erasures interrupted before the data key was destroyed. Prints counts
per office, never a name, in the language of `--lang` or the environment. Then discards the
imports left waiting for a confirmation, and the uploads no import holds (interchange.jobs.sweep),
so no file of cases waits sealed for ever; deletes the sealed attachment files no attachment holds
(attachments.services.attachments_sweep); deletes the export files not downloaded in time, of
export jobs that will not finish, and no job holds (exports.jobs.sweep); and destroys the data keys
of runs that died before they committed, which nothing references (keystore.provisional.keys_sweep).
"""

from argparse import ArgumentParser
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from pristan.attachments.services import attachments_sweep
from pristan.core.management.translated import TranslatedCommand
from pristan.erasure.services import retention_apply
from pristan.exports import jobs as export_jobs
from pristan.interchange.console import language_from_environment
from pristan.interchange.jobs import sweep
from pristan.keystore.provisional import keys_sweep
from pristan.keystore.services import key_scope


class Command(TranslatedCommand):
    help_text = gettext_lazy("Erase the persons the retention schedule has reached (counts per office; --dry-run to only count).")

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help=str(gettext_lazy("Count who would be erased; change nothing."))
        )
        parser.add_argument("--lang", help=str(gettext_lazy("The language of the messages (default: from the environment).")))

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["lang"] or language_from_environment()):
            self._apply(dry_run=bool(options["dry_run"]))

    def _apply(self, *, dry_run: bool) -> None:
        with key_scope():
            run = retention_apply(dry_run=dry_run)
            swept = sweep(dry_run=dry_run)
            exports = export_jobs.sweep(dry_run=dry_run)
            attachment_files = attachments_sweep(dry_run=dry_run)
            keys = keys_sweep(dry_run=dry_run)
        self.stdout.write(_("Retention schedule (dry run: nothing changed)") if dry_run else _("Retention schedule"))
        for office, count in run.due.items():
            self.stdout.write(f"  {office}: {_persons(count, dry_run)}")
        for office, count in run.finished.items():
            self.stdout.write(f"  {office}: {_erasures(count, dry_run)}")
        self.stdout.write(
            _("Total: %(persons)s; %(erasures)s.")
            % {"persons": _persons(run.due_total, dry_run), "erasures": _erasures(run.finished_total, dry_run)}
        )
        imports = {"abandoned": swept.abandoned, "orphaned": swept.orphaned}
        if dry_run:
            self.stdout.write(
                _("Imports: %(abandoned)d left waiting or interrupted, %(orphaned)d uploads no import holds, would be cleared.")
                % imports
            )
        else:
            self.stdout.write(
                _("Imports: %(abandoned)d left waiting or interrupted, %(orphaned)d uploads no import holds, cleared.") % imports
            )
        files = {"expired": exports.expired, "interrupted": exports.interrupted, "orphaned": exports.orphaned}
        if dry_run:
            self.stdout.write(
                _(
                    "Export files: %(expired)d not downloaded in time, %(interrupted)d of interrupted exports, "
                    "%(orphaned)d no export holds, would be deleted."
                )
                % files
            )
        else:
            self.stdout.write(
                _(
                    "Export files: %(expired)d not downloaded in time, %(interrupted)d of interrupted exports, "
                    "%(orphaned)d no export holds, deleted."
                )
                % files
            )
        if dry_run:
            self.stdout.write(
                _("Attachments: %(count)d files no attachment holds, would be deleted.") % {"count": attachment_files}
            )
        else:
            self.stdout.write(_("Attachments: %(count)d files no attachment holds, deleted.") % {"count": attachment_files})
        counts = {"destroyed": keys.destroyed, "confirmed": keys.confirmed}
        if dry_run:
            self.stdout.write(
                _(
                    "Data keys: %(destroyed)d made by runs that did not finish, would be destroyed; "
                    "%(confirmed)d in use, would be confirmed."
                )
                % counts
            )
        else:
            self.stdout.write(
                _("Data keys: %(destroyed)d made by runs that did not finish, destroyed; %(confirmed)d in use, confirmed.")
                % counts
            )


def _persons(count: int, dry_run: bool) -> str:
    if dry_run:
        return ngettext("%(count)d person would be erased", "%(count)d persons would be erased", count) % {"count": count}
    return ngettext("%(count)d person erased", "%(count)d persons erased", count) % {"count": count}


def _erasures(count: int, dry_run: bool) -> str:
    if dry_run:
        text = ngettext(
            "%(count)d erasure interrupted before the key was destroyed would be finished",
            "%(count)d erasures interrupted before the key was destroyed would be finished",
            count,
        )
    else:
        text = ngettext(
            "%(count)d erasure interrupted before the key was destroyed finished",
            "%(count)d erasures interrupted before the key was destroyed finished",
            count,
        )
    return text % {"count": count}
