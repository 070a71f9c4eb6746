"""`pristan offices`: the offices of the organisation running Pristan.

pristan offices add CODE --name N --country XX [--time-zone Z] [--city C] [--field]
pristan offices list
"""

from argparse import ArgumentParser
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pristan.administration import console, selectors, services
from pristan.core import access
from pristan.core.management.translated import TranslatedCommand
from pristan.core.models import Office


class Command(TranslatedCommand):
    help_text = gettext_lazy("Add an office, or list the offices.")

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        add = actions.add_parser("add", help=str(gettext_lazy("Add an office.")))
        add.add_argument(
            "code", metavar="CODE", help=str(gettext_lazy("Three to eight capital letters, used in case references."))
        )
        add.add_argument("--name", required=True, help=str(gettext_lazy("The office's name.")))
        add.add_argument("--country", required=True, metavar="XX", help=str(gettext_lazy("ISO 3166-1 country code, such as BG.")))
        add.add_argument("--time-zone", default="", metavar="ZONE", help=str(gettext_lazy("Such as Europe/Sofia.")))
        add.add_argument("--city", default="", help=str(gettext_lazy("The city.")))
        add.add_argument("--field", action="store_true", help=str(gettext_lazy("A field office (default: a country office).")))
        actions.add_parser("list", help=str(gettext_lazy("List the offices.")))
        for subparser in actions.choices.values():
            console.add_common(subparser)

    def handle(self, *args: Any, **options: Any) -> None:
        with console.in_language(options["lang"]):
            actor = console.actor_of(options["as_username"])
            if options["action"] == "add":
                kind = Office.Kind.FIELD if options["field"] else Office.Kind.COUNTRY
                office = console.run(
                    lambda: services.office_add(
                        actor=actor, code=options["code"], name=options["name"], country=options["country"],
                        time_zone=options["time_zone"], city=options["city"], kind=kind,
                    )
                )  # fmt: skip
                self.stdout.write(_("Added the office %(office)s.") % {"office": office})
                return
            if actor is not None:
                console.run(lambda: access.require_administrator(actor))
            offices = selectors.offices_list()
            if actor is not None:
                offices = offices.filter(pk__in=access.administered_offices(actor))
            for office in offices:
                zone = office.time_zone or "—"
                self.stdout.write(f"{office.code}\t{office.name}\t{office.country}\t{zone}\t{office.get_kind_display()}")
