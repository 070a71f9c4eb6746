"""`pristan users`: the people of the offices, from the command line.

pristan users add USERNAME --name "Full Name" --email E --office CODE --role ROLE [--scope S] [--child-clearance]
                  [--region-offices A,B] [--temporary-password]
pristan users grant USERNAME --office CODE --role ROLE [--scope S] [--child-clearance] [--region-offices A,B]
pristan users revoke USERNAME --office CODE
pristan users deactivate USERNAME | reactivate USERNAME
pristan users reset-second-step USERNAME
pristan users sign-in-link USERNAME
pristan users list [--office CODE]

Run as the installation's operator (recorded in the audit trail without an actor), or with
`--as USERNAME` as that administrator, whose rights then apply.
"""

from argparse import ArgumentParser
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pristan.administration import console, selectors, services
from pristan.core import access
from pristan.core.management.translated import TranslatedCommand
from pristan.core.models import Membership, Role, Scope
from pristan.core.services import membership_grant, membership_revoke


def _membership_options(parser: ArgumentParser) -> None:
    parser.add_argument("--office", required=True, metavar="CODE", help=str(gettext_lazy("The office's code.")))
    parser.add_argument("--role", required=True, metavar="ROLE", help=", ".join(Role.values))
    parser.add_argument(
        "--scope", metavar="SCOPE",
        help=str(gettext_lazy("How far the role reaches (default: the role's usual reach):")) + " " + ", ".join(Scope.values),
    )  # fmt: skip
    parser.add_argument(
        "--child-clearance", action="store_true", help=str(gettext_lazy("May open and find the cases of children."))
    )
    parser.add_argument(
        "--region-offices", metavar="A,B", help=str(gettext_lazy("With --scope region: the other offices it reaches."))
    )


class Command(TranslatedCommand):
    help_text = gettext_lazy(
        "Add people, give and end their roles in offices, deactivate them, reset their second step, list them."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        add = actions.add_parser("add", help=str(gettext_lazy("Add a person with a role in an office.")))
        add.add_argument("username", metavar="USERNAME")
        add.add_argument("--name", required=True, help=str(gettext_lazy("The person's full name.")))
        add.add_argument("--email", required=True, help=str(gettext_lazy("The person's e-mail address.")))
        _membership_options(add)
        add.add_argument(
            "--temporary-password", action="store_true",
            help=str(gettext_lazy("Print a temporary password to change at first sign-in instead of a one-time link.")),
        )  # fmt: skip
        grant = actions.add_parser("grant", help=str(gettext_lazy("Give a person a role in an office, or change it.")))
        grant.add_argument("username", metavar="USERNAME")
        _membership_options(grant)
        revoke = actions.add_parser("revoke", help=str(gettext_lazy("End a person's role in an office.")))
        revoke.add_argument("username", metavar="USERNAME")
        revoke.add_argument("--office", required=True, metavar="CODE", help=str(gettext_lazy("The office's code.")))
        for name, text in (
            ("deactivate", gettext_lazy("Deactivate an account: every session of it ends at once.")),
            ("reactivate", gettext_lazy("Reactivate an account.")),
            ("reset-second-step", gettext_lazy("Remove a person's authenticators and recovery codes (after a lost phone).")),
            ("sign-in-link", gettext_lazy("Print a new one-time sign-in link for a person.")),
        ):
            action = actions.add_parser(name, help=str(text))
            action.add_argument("username", metavar="USERNAME")
        listing = actions.add_parser("list", help=str(gettext_lazy("List the people and their roles.")))
        listing.add_argument("--office", metavar="CODE", help=str(gettext_lazy("Only the people of this office.")))
        for subparser in actions.choices.values():
            console.add_common(subparser)

    def handle(self, *args: Any, **options: Any) -> None:
        with console.in_language(options["lang"]):
            actor = console.actor_of(options["as_username"])
            action = options["action"]
            if action == "list":
                self._list(actor=actor, office=options["office"])
            elif action == "add":
                self._add(actor=actor, **options)
            else:
                getattr(self, "_" + action.replace("-", "_"))(
                    actor=actor, user=console.user_named(options["username"]), **options
                )

    def _out(self, *lines: str) -> None:
        for line in lines:
            self.stdout.write(line)

    def _add(self, *, actor: Any, username: str, name: str, email: str, office: str, role: str, scope: str | None,
             child_clearance: bool, region_offices: str | None, temporary_password: bool, **options: Any) -> None:  # fmt: skip
        where, others = console.office_coded(office), console.offices_coded(region_offices)
        method = services.FirstSignIn.PASSWORD if temporary_password else services.FirstSignIn.LINK
        new = console.run(
            lambda: services.user_add(
                actor=actor, username=username, full_name=name, email=email, office=where, role=role, scope=scope,
                child_clearance=child_clearance, region_offices=others, method=method,
            )
        )  # fmt: skip
        membership = Membership.objects.select_related("office").get(user=new.user, office=where)
        self._out(
            _("Added %(username)s: %(membership)s.")
            % {"username": new.user.username, "membership": console.membership_line(membership)}
        )
        self._out(*console.first_sign_in_lines(new))

    def _grant(self, *, actor: Any, user: Any, office: str, role: str, scope: str | None, child_clearance: bool,
               region_offices: str | None, **options: Any) -> None:  # fmt: skip
        where, others = console.office_coded(office), console.offices_coded(region_offices)
        membership = console.run(
            lambda: membership_grant(
                actor=actor,
                user=user,
                office=where,
                role=role,
                scope=scope,
                child_clearance=child_clearance,
                region_offices=others,
            )
        )
        self._out(
            _("%(username)s: %(membership)s.") % {"username": user.username, "membership": console.membership_line(membership)}
        )

    def _revoke(self, *, actor: Any, user: Any, office: str, **options: Any) -> None:
        where = console.office_coded(office)
        console.run(lambda: membership_revoke(actor=actor, user=user, office=where))
        self._out(_("%(username)s no longer works in %(office)s.") % {"username": user.username, "office": where.code})

    def _deactivate(self, *, actor: Any, user: Any, **options: Any) -> None:
        console.run(lambda: services.user_set_active(actor=actor, user=user, active=False))
        self._out(_("%(username)s is deactivated; every session of theirs has ended.") % {"username": user.username})

    def _reactivate(self, *, actor: Any, user: Any, **options: Any) -> None:
        console.run(lambda: services.user_set_active(actor=actor, user=user, active=True))
        self._out(_("%(username)s is active again.") % {"username": user.username})

    def _reset_second_step(self, *, actor: Any, user: Any, **options: Any) -> None:
        console.run(lambda: services.user_second_step_reset(actor=actor, user=user))
        self._out(
            _("%(username)s's authenticators and recovery codes are removed: they set up the second step at their next sign-in.")
            % {"username": user.username}
        )

    def _sign_in_link(self, *, actor: Any, user: Any, **options: Any) -> None:
        secret = console.run(lambda: services.user_sign_in_link(actor=actor, user=user))
        self._out(*console.first_sign_in_lines(services.NewUser(user=user, link_secret=secret)))

    def _list(self, *, actor: Any, office: str | None) -> None:
        where = console.office_coded(office) if office else None
        if actor is not None:
            console.run(lambda: access.require_administrator(actor))
            if where is not None:
                console.run(lambda: access.require_administers(actor, where))
        for person in selectors.people_list(actor=actor, office=where):
            state = "" if person.is_active else " " + _("(deactivated)")
            self._out(f"{person.username}\t{person.get_full_name()}\t{person.email}{state}")
            for membership in person.memberships.all():
                self._out("\t" + console.membership_line(membership))
            for partner in person.partner_memberships.all():
                self._out("\t" + str(partner.organisation))
