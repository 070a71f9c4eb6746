"""`pristan import FILE --office CODE`: the page's import, from the command line."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import CommandError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from tqdm import tqdm

from pristan.core.management.translated import TranslatedCommand
from pristan.core.models import Office
from pristan.interchange import readers, services
from pristan.interchange.console import describe, language_from_environment


def _advance(bar: "tqdm[Any]", done: int) -> None:
    bar.update(done - bar.n)


class Command(TranslatedCommand):
    help_text = gettext_lazy(
        "Import HTCDS records (the official spreadsheet, HTCDS CSV or JSON, ODK or KoboToolbox submissions) into an "
        "office. The whole file is checked first; then every row is written in one transaction, or none."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--office", required=True, metavar="CODE", help=str(gettext_lazy("The office to import into.")))
        parser.add_argument(
            "--as",
            dest="username",
            metavar="USERNAME",
            help=str(gettext_lazy("Who imports (their access rules apply; recorded in the audit trail).")),
        )
        parser.add_argument(
            "--dry-run", action="store_true", help=str(gettext_lazy("Check and show the preview; write nothing."))
        )
        parser.add_argument(
            "--skip-invalid", action="store_true", help=str(gettext_lazy("Import the valid rows and report the others."))
        )
        parser.add_argument("--lang", help=str(gettext_lazy("The language of the messages (default: from the environment).")))
        parser.add_argument("--source", help=str(gettext_lazy("A name for where the rows come from (default: the file's name).")))
        parser.add_argument("--no-progress", action="store_true", help=str(gettext_lazy("Do not show a progress bar.")))

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["lang"] or language_from_environment()):
            self._import(**options)

    def _import(self, *, file: Path, office: str, username: str | None, dry_run: bool, skip_invalid: bool,
                source: str | None, no_progress: bool, **options: Any) -> None:  # fmt: skip
        target = Office.objects.filter(code=office.upper()).first()
        if target is None:
            raise CommandError(_("There is no office with the code %(code)s.") % {"code": office})
        actor = User.objects.filter(username=username or "", is_active=True).first()
        if actor is None:
            raise CommandError(_("Name an active user with --as: the import is theirs, with their access rules."))
        try:
            table = readers.open_table(file, file.name)
        except readers.UnreadableFile as error:
            raise CommandError(str(error)) from None
        origin = services.source_of(table, source or file.stem)
        try:
            with tqdm(disable=no_progress, file=self.stderr, unit="row", desc=_("Checking")) as bar:
                preview = services.import_check(
                    actor=actor, office=target, table=table, source=origin,
                    progress=lambda done, _total: _advance(bar, done),
                )  # fmt: skip
        except (PermissionDenied, readers.UnreadableFile) as error:  # a limit broken past the first rows too
            raise CommandError(str(error)) from None
        for line in describe(preview):
            self.stdout.write(line)
        if preview.invalid and not skip_invalid:
            raise CommandError(_("Nothing was imported: correct the rows with problems, or use --skip-invalid."))
        if dry_run:
            self.stdout.write(_("Dry run: nothing was written."))
            return
        try:
            with tqdm(total=preview.rows, disable=no_progress, file=self.stderr, unit="row", desc=_("Importing")) as bar:
                result = services.import_apply(
                    actor=actor, office=target, table=table, source=origin, skip_invalid=skip_invalid,
                    progress=lambda done, _total: _advance(bar, done), total=preview.rows,
                )  # fmt: skip
        except (ValidationError, PermissionDenied, readers.UnreadableFile) as error:
            raise CommandError(" ".join(getattr(error, "messages", [str(error)]))) from None
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Imported: %(created)d created, %(updated)d updated, %(skipped)d unchanged, "
                    "%(invalid)d left out with problems."
                )
                % {"created": result.created, "updated": result.updated, "skipped": result.skipped, "invalid": result.invalid}
            )
        )
