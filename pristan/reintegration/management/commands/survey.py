"""`pristan survey load FILE`: add a version of the reintegration survey from a TOML file (see
pristan/reintegration/data/survey_default.toml). Visits recorded from then on use it; visits
already recorded keep their version and their scores. `pristan survey list` shows the versions."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrOrPromise

from pristan.reintegration.models import Survey
from pristan.reintegration.services import survey_load
from pristan.reintegration.survey import SurveyError, parse_file

HELP = gettext_lazy("Load a new version of the reintegration survey, or list the versions.")
LOAD_HELP = gettext_lazy("Check a survey file (TOML) and add it as the newest version.")
LIST_HELP = gettext_lazy("List the versions of the survey and how many visits used each.")


class Command(BaseCommand):
    help_text: StrOrPromise = HELP

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        self.help = str(self.help_text)  # translated when the parser is built, not when imported
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{load,list}")
        load = actions.add_parser("load", help=str(LOAD_HELP), description=str(LOAD_HELP))
        load.add_argument("file", type=Path)
        actions.add_parser("list", help=str(LIST_HELP), description=str(LIST_HELP))

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "list":
            for version in Survey.objects.annotate(used=Count("visits")).order_by("version"):
                self.stdout.write(
                    _("v%(version)s  %(name)s  (%(visits)s visits, loaded %(at)s from %(source)s)")
                    % {
                        "version": version.version,
                        "name": version.name,
                        "visits": version.used,
                        "at": version.loaded_at.date().isoformat(),
                        "source": version.source or "—",
                    }
                )
            return
        path: Path = options["file"]
        try:
            definition = parse_file(path)
        except SurveyError as problem:
            raise CommandError(str(problem)) from None
        survey = survey_load(actor=None, definition=definition, source=path.name)
        self.stdout.write(
            self.style.SUCCESS(
                _("Survey %(name)s loaded as version %(version)s; visits recorded from now on use it.")
                % {"name": survey.name, "version": survey.version}
            )
        )
