"""`pristan notifications overdue`: tell each assignee of an overdue task, and each owner of a case
with an overdue monitoring visit, once. Run it daily (cron or a timer, or Pristan's scheduler);
running it again tells nobody twice. Prints counts only."""

from argparse import ArgumentParser
from datetime import date
from typing import Any

from django.core.management.base import CommandError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pristan.core.management.translated import TranslatedCommand
from pristan.interchange.console import language_from_environment
from pristan.notifications.services import notifications_overdue


class Command(TranslatedCommand):
    help_text = gettext_lazy("Notifications: `overdue` tells people of their overdue tasks and monitoring visits (run it daily).")

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        overdue = actions.add_parser("overdue", help=str(gettext_lazy("Notify overdue tasks and monitoring visits, once each.")))
        overdue.add_argument("--today", help=str(gettext_lazy("The date to count from, YYYY-MM-DD (default: today).")))
        overdue.add_argument("--lang", help=str(gettext_lazy("The language of the messages (default: from the environment).")))

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["lang"] or language_from_environment()):
            today = None
            if options["today"]:
                try:
                    today = date.fromisoformat(options["today"])
                except ValueError:
                    raise CommandError(
                        _("--today must be a date written YYYY-MM-DD, not “%(value)s”.") % {"value": options["today"]}
                    ) from None
            run = notifications_overdue(today=today)
            self.stdout.write(_("Overdue tasks newly notified: %(count)d.") % {"count": run.tasks})
            self.stdout.write(_("Overdue monitoring visits newly notified: %(count)d.") % {"count": run.visits})
