"""`pristan duplicates`: possible duplicates.

pristan duplicates scan [--background]     find possible duplicates among everyone (the review queue)
pristan duplicates match --input PERSONS.csv --output PAIRS.csv [--threshold P]
                                           the pairs of a file judged the same person
pristan duplicates reindex                 write every person's match keys again
"""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pristan.core.management.translated import TranslatedCommand
from pristan.interchange.console import language_from_environment


def _probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value <= 1:  # also refuses nan
        raise CommandError(_("--threshold must be a number above 0 and at most 1, not %(value)s.") % {"value": text})
    return value


class Command(TranslatedCommand):
    help_text = gettext_lazy("Find possible duplicates: scan everyone, match a file, or write the match keys again.")

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--lang", help=str(gettext_lazy("The language of the messages (default: from the environment).")))
        actions = parser.add_subparsers(dest="action", required=True)
        scan = actions.add_parser("scan", help=str(gettext_lazy("Find possible duplicates among everyone registered.")))
        scan.add_argument(
            "--background", action="store_true", help=str(gettext_lazy("Leave the scan to `pristan worker` instead."))
        )
        match = actions.add_parser(
            "match", help=str(gettext_lazy("Write the pairs of a file of persons judged the same person."))
        )
        match.add_argument("--input", required=True, help=str(gettext_lazy("PERSONS.csv: record_id and HTCDS person columns.")))
        match.add_argument("--output", required=True, help=str(gettext_lazy("PAIRS.csv to write.")))
        match.add_argument(
            "--threshold",
            default=None,
            help=str(gettext_lazy("The lowest probability written (default: PRISTAN_DUPLICATES_PROPOSE).")),
        )
        actions.add_parser("reindex", help=str(gettext_lazy("Write every person's match keys again (after an upgrade).")))

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options.get("lang") or language_from_environment()):
            getattr(self, f"_{options['action']}")(**options)

    def _scan(self, **options: Any) -> None:
        if options["background"]:
            from pristan.duplicates.tasks import duplicates_scan_run

            duplicates_scan_run.enqueue()
            self.stdout.write(_("The scan is queued; `pristan worker` runs it."))
            return
        from pristan.duplicates.scan import scan_all

        result = scan_all()
        self.stdout.write(
            _("Scanned %(persons)d persons: %(pairs)d possible duplicates, %(new)d new, %(stale)d no longer proposed.")
            % {"persons": result.persons, "pairs": result.pairs, "new": result.new_pairs, "stale": result.stale_pairs}
        )
        for name, figure in result.stages.items():
            self.stdout.write(
                _("%(stage)s: %(seconds).1f s, peak memory %(memory).0f MB")
                % {"stage": name, "seconds": figure.seconds, "memory": figure.peak_rss_mb}
            )

    def _match(self, **options: Any) -> None:
        from pristan.duplicates.match_file import MatchFileError, match_csv

        threshold = settings.PRISTAN_DUPLICATES_PROPOSE if options["threshold"] is None else _probability(options["threshold"])
        source, target = Path(options["input"]), Path(options["output"])
        if not source.is_file():
            raise CommandError(_("There is no file %(file)s.") % {"file": source})
        try:
            written = match_csv(input=source, output=target, threshold=threshold)
        except MatchFileError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(_("Wrote %(count)d pairs to %(file)s.") % {"count": written, "file": target})

    def _reindex(self, **options: Any) -> None:
        from pristan.duplicates.keys import keys_rebuild

        self.stdout.write(_("Wrote the match keys of %(count)d persons.") % {"count": keys_rebuild()})
