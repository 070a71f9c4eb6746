"""`pristan demo`: a working demo world, created once and left alone afterwards."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from pristan.cases.models import Case
from pristan.core.models import Office, Role
from pristan.demo.management.refusal import DemoCommand
from pristan.notifications.services import notifications_overdue

URL = "http://127.0.0.1:8000"
QUIET_HELP = gettext_lazy("Do not print the table of demo accounts.")


class Command(DemoCommand):
    command_name = "demo"
    help_text = gettext_lazy(
        "Create the demo offices and accounts if they are missing and, in an empty database, generate demo cases "
        "for them. Safe to run again: nothing that exists is changed."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--quiet", action="store_true", help=str(QUIET_HELP))

    def handle(self, *args: Any, quiet: bool, **options: Any) -> None:
        # Imported here, after DemoCommand's refusal in production: the generator needs the `demo` extra.
        from pristan.demo.accounts import (
            DEMO_CASES,
            DEMO_OFFICES,
            DEMO_SEED,
            ensure_demo_accounts,
            ensure_demo_offices,
            share_demo_cases,
        )
        from pristan.demo.activity import add_demo_activity
        from pristan.demo.duplicates import add_demo_duplicates
        from pristan.demo.generate import generate
        from pristan.demo.world import RealOfficeError

        try:
            with transaction.atomic():
                offices = ensure_demo_offices()
                users = ensure_demo_accounts(offices)
        except RealOfficeError as error:
            raise CommandError(str(error)) from None
        if not Case.objects.exists():
            # generate() fills the first offices of its list, which are the demo offices.
            result = generate(cases=DEMO_CASES, offices=len(DEMO_OFFICES), seed=DEMO_SEED, progress=not quiet)
            with transaction.atomic():
                share_demo_cases(offices, users)
            with transaction.atomic():  # one commit for all of it, not one per service call
                add_demo_activity(offices=offices, users=users, seed=DEMO_SEED)
            add_demo_duplicates(offices=offices, users=users)  # last: its scan reads everyone
            notifications_overdue()  # the demo accounts start with their overdue tasks and visits in Notifications
            message = ngettext("Generated %(cases)d demo case.", "Generated %(cases)d demo cases.", result.cases)
            self.stdout.write(message % {"cases": result.cases})
        self.stdout.write(self.style.SUCCESS(_("Pristan is ready: %(url)s") % {"url": URL}))
        if not quiet:
            self._print_accounts(offices)

    def _print_accounts(self, offices: dict[str, Office]) -> None:
        from pristan.demo.accounts import DEMO_ACCOUNTS

        header = (_("Username"), _("Password"), _("Role"), _("Office"))
        rows = [header] + [
            (account.username, account.password, str(Role(account.role).label), str(offices[account.office]))
            for account in DEMO_ACCOUNTS
        ]
        widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
        self.stdout.write("")
        for row in rows:
            self.stdout.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
