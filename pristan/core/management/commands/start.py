"""`pristan start`: serve Pristan in production, the one command a server runs.

Under the production profile (the `pristan` command chooses it for `start` unless
DJANGO_SETTINGS_MODULE says otherwise) it runs the system checks with the deployment checks,
stops if either database has migrations to apply (or applies them with --migrate: the key store
first, then the case database), collects the static files into PRISTAN_VAR_DIR/static (WhiteNoise
serves them from there), and then replaces itself with gunicorn, so that systemd or a container
supervises the server itself and its signals reach it.
"""

import os
import sys
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pristan.core.management.translated import TranslatedCommand
from pristan.env import env_int, env_str
from pristan.interchange.console import language_from_environment
from pristan.keystore.integrity import keystore_verify
from pristan.keystore.router import KEYS_DB

MIGRATE_HELP = gettext_lazy("Apply the migrations of the key store and of the case database before serving.")
# Migrated in this order: the case database's migrations may create data keys.
DATABASES_IN_ORDER = (KEYS_DB, DEFAULT_DB_ALIAS)


def gunicorn_command() -> list[str]:
    """gunicorn with Pristan's defaults, each one changed by an environment variable (README, Deploying).

    Threaded workers (gthread): a worker keeps reporting to gunicorn while its threads wait on the
    database or on a slow upload, so a long request is not mistaken for a hung worker.
    """
    cores = os.cpu_count() or 1
    return [
        sys.executable, "-m", "gunicorn", "pristan.wsgi:application",
        "--bind", env_str("PRISTAN_BIND", "127.0.0.1:8000"),
        "--workers", str(env_int("PRISTAN_WORKERS", 2 * cores + 1)),
        "--worker-class", "gthread",
        "--threads", str(env_int("PRISTAN_THREADS", 4)),
        "--timeout", str(env_int("PRISTAN_WORKER_TIMEOUT", 120)),
        "--graceful-timeout", str(env_int("PRISTAN_GRACEFUL_TIMEOUT", 30)),
        "--no-control-socket",  # gunicorn would otherwise make one in the home directory, which a service user lacks
    ]  # fmt: skip


def pending_migrations(alias: str) -> int:
    executor = MigrationExecutor(connections[alias])
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


class Command(TranslatedCommand):
    help_text = gettext_lazy(
        "Serve Pristan in production: check the settings, collect the static files and start gunicorn "
        "(behind a reverse proxy that terminates HTTPS)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--migrate", action="store_true", help=str(MIGRATE_HELP))

    def handle(self, *args: Any, migrate: bool, **options: Any) -> None:
        with translation.override(language_from_environment()):
            self._prepare(migrate=migrate)
        command = gunicorn_command()
        self.stdout.write(_("Starting gunicorn: %(command)s") % {"command": " ".join(command[1:])})
        self.stdout.flush()
        connections.close_all()
        os.execv(sys.executable, command)  # noqa: S606 - this interpreter running gunicorn, arguments from the settings # nosec B606

    def _prepare(self, *, migrate: bool) -> None:
        if not settings.PRISTAN_PRODUCTION:
            raise CommandError(
                _(
                    "`pristan start` serves the production profile, not %(settings)s. Unset DJANGO_SETTINGS_MODULE "
                    "(or set it to pristan.settings_production); to try Pristan on this machine, run `make serve`."
                )
                % {"settings": settings.SETTINGS_MODULE}
            )
        self.check(include_deployment_checks=True)  # warnings are shown; errors stop here
        for alias in DATABASES_IN_ORDER:
            try:
                pending = pending_migrations(alias)
                if pending and migrate:
                    call_command("migrate", database=alias, interactive=False, verbosity=1)
            except DatabaseError as error:
                raise CommandError(
                    _("Cannot reach the database %(alias)s: %(error)s") % {"alias": alias, "error": str(error).strip()}
                ) from None
            if pending and not migrate:
                raise CommandError(
                    _(
                        "The database %(alias)s has %(count)d migrations to apply. Back it up, then run "
                        "`pristan start --migrate` (or `pristan migrate --database keys` and `pristan migrate`)."
                    )
                    % {"alias": alias, "count": pending}
                )
        try:
            keystore_verify()  # gunicorn's workers check again as they load the application; this says why first
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from None
        call_command("collectstatic", interactive=False, verbosity=0)
