"""`pristan partners`: partner organisations (to which cases are referred) and their users.

pristan partners add NAME --country XX --services a,b [--type T] [--city C]
pristan partners list
pristan partners users add USERNAME --partner NAME --name "Full Name" --email E [--child-clearance] [--temporary-password]
pristan partners users list [--partner NAME]
"""

from argparse import ArgumentParser
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pristan.administration import console, selectors
from pristan.administration import services as admin_services  # `services` is an option's name here
from pristan.assistance.models import ServiceKind
from pristan.core import access
from pristan.core.management.translated import TranslatedCommand
from pristan.core.models import PartnerMembership


class Command(TranslatedCommand):
    help_text = gettext_lazy("Add and list partner organisations and their users (system administrators).")

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        add = actions.add_parser("add", help=str(gettext_lazy("Add a partner organisation to the directory.")))
        add.add_argument("name", metavar="NAME")
        add.add_argument("--country", required=True, metavar="XX", help=str(gettext_lazy("ISO 3166-1 country code, such as BG.")))
        add.add_argument("--services", required=True, metavar="a,b", help=", ".join(ServiceKind.values))
        add.add_argument("--type", dest="org_type", default="", help=str(gettext_lazy("The kind of organisation, such as NGO.")))
        add.add_argument("--city", default="", help=str(gettext_lazy("The city.")))
        listing = actions.add_parser("list", help=str(gettext_lazy("List the partner organisations.")))
        users = actions.add_parser("users", help=str(gettext_lazy("The users of partner organisations.")))
        user_actions = users.add_subparsers(dest="user_action", required=True)
        user_add = user_actions.add_parser("add", help=str(gettext_lazy("Add a user of a partner organisation.")))
        user_add.add_argument("username", metavar="USERNAME")
        user_add.add_argument(
            "--partner", required=True, metavar="NAME", help=str(gettext_lazy("The partner organisation's name."))
        )
        user_add.add_argument("--name", required=True, help=str(gettext_lazy("The person's full name.")))
        user_add.add_argument("--email", required=True, help=str(gettext_lazy("The person's e-mail address.")))
        user_add.add_argument(
            "--child-clearance", action="store_true", help=str(gettext_lazy("May open and find the cases of children."))
        )
        user_add.add_argument(
            "--temporary-password", action="store_true",
            help=str(gettext_lazy("Print a temporary password to change at first sign-in instead of a one-time link.")),
        )  # fmt: skip
        user_list = user_actions.add_parser("list", help=str(gettext_lazy("List the users of partner organisations.")))
        user_list.add_argument("--partner", metavar="NAME", help=str(gettext_lazy("Only the users of this organisation.")))
        for subparser in (add, listing, user_add, user_list):
            console.add_common(subparser)

    def handle(self, *args: Any, **options: Any) -> None:
        with console.in_language(options.get("lang")):
            actor = console.actor_of(options.get("as_username"))
            if actor is not None:
                console.run(lambda: access.require_installation_administrator(actor))
            action = (options["action"], options.get("user_action"))
            if action[0] == "add":
                self._add(actor=actor, **options)
            elif action[0] == "list":
                for partner in selectors.partners_list():
                    kinds = ",".join(partner.service_kinds)
                    self.stdout.write(f"{partner.name}\t{partner.country}\t{partner.org_type or '—'}\t{kinds}")
            elif action[1] == "add":
                self._user_add(actor=actor, **options)
            else:
                memberships = PartnerMembership.objects.select_related("user", "organisation").order_by(
                    "organisation__name", "user__username"
                )
                if options["partner"]:
                    memberships = memberships.filter(organisation=console.partner_named(options["partner"]))
                for membership in memberships:
                    state = "" if membership.user.is_active else " " + _("(deactivated)")
                    self.stdout.write(
                        f"{membership.organisation.name}\t{membership.user.username}\t{membership.user.get_full_name()}{state}"
                    )

    def _add(self, *, actor: Any, name: str, country: str, services: str, org_type: str, city: str, **options: Any) -> None:
        kinds = console.run(lambda: admin_services.parse_services(services))
        partner = console.run(
            lambda: admin_services.partner_add(
                actor=actor, name=name, country=country, services=kinds, org_type=org_type, city=city
            )
        )
        self.stdout.write(_("Added the partner organisation %(name)s.") % {"name": partner.name})

    def _user_add(self, *, actor: Any, username: str, partner: str, name: str, email: str, child_clearance: bool,
                  temporary_password: bool, **options: Any) -> None:  # fmt: skip
        organisation = console.partner_named(partner)
        method = admin_services.FirstSignIn.PASSWORD if temporary_password else admin_services.FirstSignIn.LINK
        new = console.run(
            lambda: admin_services.partner_user_add(
                actor=actor, username=username, full_name=name, email=email, organisation=organisation,
                child_clearance=child_clearance, method=method,
            )
        )  # fmt: skip
        self.stdout.write(_("Added %(username)s, a user of %(partner)s.") % {"username": username, "partner": organisation.name})
        for line in console.first_sign_in_lines(new):
            self.stdout.write(line)
