"""`pristan generate`: realistic synthetic cases, for demonstrations and load tests."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from pristan.demo.management.refusal import DemoCommand

CASES_HELP = gettext_lazy("How many cases to create (default: %(default)s).")
OFFICES_HELP = gettext_lazy("Spread them over the first K demo offices (default: %(default)s).")
SEED_HELP = gettext_lazy("The same seed gives the same persons and cases (default: %(default)s).")
NO_PROGRESS_HELP = gettext_lazy("Do not show a progress bar.")


class Command(DemoCommand):
    command_name = "generate"
    help_text = gettext_lazy(
        "Create realistic synthetic persons and cases, with screenings, experiences, services, notes and tasks. "
        "Offices, partners and a caseworker per office are created as needed; running again adds more cases."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--cases", type=int, default=1000, metavar="N", help=str(CASES_HELP))
        parser.add_argument("--offices", type=int, default=3, metavar="K", help=str(OFFICES_HELP))
        parser.add_argument("--seed", type=int, default=1, metavar="S", help=str(SEED_HELP))
        parser.add_argument("--no-progress", action="store_true", help=str(NO_PROGRESS_HELP))

    def handle(self, *args: Any, cases: int, offices: int, seed: int, no_progress: bool, **options: Any) -> None:
        # Imported here, after DemoCommand's refusal in production: the generator needs the `demo` extra.
        from pristan.demo.generate import generate
        from pristan.demo.world import OFFICE_SPECS, RealOfficeError

        if cases < 0:
            raise CommandError(_("The number of cases cannot be negative."))
        if not 1 <= offices <= len(OFFICE_SPECS):
            raise CommandError(_("Choose between 1 and %(count)d offices.") % {"count": len(OFFICE_SPECS)})
        try:
            result = generate(cases=cases, offices=offices, seed=seed, progress=not no_progress)
        except RealOfficeError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(
                ngettext(
                    "Created %(cases)d case in %(offices)s in %(seconds).1f s (%(rate)d per second).",
                    "Created %(cases)d cases in %(offices)s in %(seconds).1f s (%(rate)d per second).",
                    result.cases,
                )
                % {
                    "cases": result.cases,
                    "offices": ", ".join(result.offices),
                    "seconds": result.seconds,
                    "rate": round(result.cases_per_second),
                }
            )
        )
