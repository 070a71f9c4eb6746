"""`pristan worker`: run the background jobs (imports, exports, releases, retention, …) and the
periodic work. Run at least one beside the web server; `make serve` starts one."""

import logging
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pristan.core.management.translated import TranslatedCommand
from pristan.jobs import presence
from pristan.jobs.schedule import PERIODIC
from pristan.jobs.worker import Worker
from pristan.keystore.integrity import keystore_verify


class Command(TranslatedCommand):
    help_text = gettext_lazy("Run the background jobs and the periodic work, until stopped.")

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--interval", type=str, default="1",
            help=str(gettext_lazy("Seconds to wait when no job is ready (default: 1).")),
        )  # fmt: skip
        parser.add_argument("--batch", action="store_true", help=str(gettext_lazy("Run the jobs that are ready, then stop.")))

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            interval = float(options["interval"])
        except ValueError:
            interval = 0.0
        if not 0.01 <= interval <= 3600:
            message = _("--interval must be a number of seconds from 0.01 to 3600, not %(value)s.") % {
                "value": options["interval"]
            }
            raise CommandError(message)
        self._log_to(options["verbosity"])
        try:
            keystore_verify()  # jobs read and seal persons: not with keys that open nothing
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from None
        worker_id = presence.new_worker_id()
        self.stdout.write(_("Worker %(worker)s: running background jobs. Stop it with Ctrl+C.") % {"worker": worker_id})
        for entry in PERIODIC:
            if entry.every is not None:
                when = _("every %(minutes)d minutes") % {"minutes": int(entry.every.total_seconds() // 60)}
            else:
                when = _("daily at %(hour)02d:00") % {"hour": int(getattr(settings, entry.daily_at or ""))}
            self.stdout.write(_("Periodic: %(name)s, %(when)s.") % {"name": entry.name, "when": when})
        try:
            worker = Worker(worker_id=worker_id, interval=interval, batch=options["batch"])
            worker.configure_signals()
            worker.run()
        except presence.LostPresence as error:
            message = _("The worker lost its connection to the database and stopped: %(error)s") % {"error": error}
            raise CommandError(message) from None

    def _log_to(self, verbosity: int) -> None:
        level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
        for name in ("pristan.jobs", "django_tasks", "django_tasks_db"):
            logging.getLogger(name).setLevel(level)
