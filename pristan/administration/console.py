"""What the `users`, `offices` and `partners` commands share: who runs them, reading codes, and
turning a service's refusal into one clear line per problem (exit status 1, nothing written)."""

from argparse import ArgumentParser
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from pristan.accounts.first_sign_in import LINK_LIFETIME
from pristan.administration.services import NewUser
from pristan.core.models import Membership, Office, Organisation
from pristan.interchange.console import language_from_environment

T = TypeVar("T")

# The option of the command line that gives each field a service may name in an error.
OPTIONS = {
    "username": "USERNAME", "name": "--name", "email": "--email", "office": "--office", "role": "--role",
    "scope": "--scope", "region_offices": "--region-offices", "child_clearance": "--child-clearance", "code": "CODE",
    "country": "--country", "time_zone": "--time-zone", "services": "--services", "organisation": "--partner",
}  # fmt: skip


def add_common(parser: ArgumentParser) -> None:
    parser.add_argument(
        "--as", dest="as_username", metavar="USERNAME",
        help=str(gettext_lazy("Act as this user, with their rights (default: the installation's operator).")),
    )  # fmt: skip
    parser.add_argument("--lang", help=str(gettext_lazy("The language of the messages (default: from the environment).")))


@contextmanager
def in_language(code: str | None) -> Iterator[None]:
    with translation.override(code or language_from_environment()):
        yield


def actor_of(username: str | None) -> User | None:
    """The user named by --as (their rights apply), or None: the installation's operator."""
    if not username:
        return None
    actor = User.objects.filter(username=username, is_active=True).first()
    if actor is None:
        raise CommandError(_("--as: there is no active user %(username)s.") % {"username": username})
    return actor


def user_named(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(_("USERNAME: there is no user %(username)s.") % {"username": username})
    return user


def office_coded(code: str, option: str = "--office") -> Office:
    office = Office.objects.filter(code=code.strip().upper()).first()
    if office is None:
        raise CommandError(_("%(option)s: there is no office with the code %(code)s.") % {"option": option, "code": code})
    return office


def offices_coded(codes: str | None) -> list[Office]:
    return [office_coded(code, "--region-offices") for code in (codes or "").split(",") if code.strip()]


def partner_named(name: str) -> Organisation:
    partner = Organisation.objects.filter(name__iexact=name.strip(), is_operator=False).first()
    if partner is None:
        raise CommandError(_("--partner: there is no partner organisation named %(name)s.") % {"name": name})
    return partner


def run(action: Callable[[], T]) -> T:
    """Run one service; its refusal or its problems become a CommandError (exit status 1)."""
    try:
        return action()
    except PermissionDenied as error:
        raise CommandError(str(error) or _("Refused.")) from None
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            lines = [
                f"{OPTIONS.get(field, field)}: {message}"
                for field, messages in error.message_dict.items()
                for message in messages
            ]
        else:
            lines = list(error.messages)
        raise CommandError("\n".join(lines)) from None


def membership_line(membership: Membership) -> str:
    parts = [membership.office.code, membership.get_role_display(), membership.get_scope_display()]
    if membership.child_clearance:
        parts.append(_("child-protection clearance"))
    return " · ".join(str(part) for part in parts)


def first_sign_in_lines(new: NewUser) -> list[str]:
    """How the new user signs in for the first time: shown once, here, and never again."""
    if new.temporary_password:
        return [
            _("Temporary password (shown once; they choose their own at first sign-in): %(password)s")
            % {"password": new.temporary_password}
        ]
    base = str(getattr(settings, "PRISTAN_BASE_URL", "http://127.0.0.1:8000")).rstrip("/")
    url = base + reverse("welcome", kwargs={"secret": new.link_secret})
    days = LINK_LIFETIME.days
    text = ngettext(
        "One-time sign-in link (shown once, valid for %(days)d day): %(url)s",
        "One-time sign-in link (shown once, valid for %(days)d days): %(url)s",
        days,
    )
    return [text % {"days": days, "url": url}]
