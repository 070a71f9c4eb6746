"""Administration: adding people and giving them access, ending it, offices and partner organisations.

Each function checks the actor through the access layer (pristan/core/access.py), validates,
writes and records the change in the audit trail, all in one transaction. `actor` None is the
installation's operator at the command line: not checked, recorded as such (no actor). Memberships
themselves are granted and revoked by pristan/core/services.py.
"""

import unicodedata
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from pristan.accounts import first_sign_in
from pristan.accounts.services import end_all_sessions, second_step_reset
from pristan.assistance.models import ServiceKind
from pristan.core import access, geography
from pristan.core.audit import audit_record
from pristan.core.models import AuditEntry, Office, Organisation, validate_time_zone
from pristan.core.services import membership_grant, partner_membership_grant
from pristan.core.text import text_errors

USERNAME_TAKEN = _("The username %(username)s is taken: choose another.")
USERNAME_INVALID = _("A username may have letters, digits and @ . + - _ only, up to 150 characters.")
NAME_REQUIRED = _("Give the person's full name.")
EMAIL_INVALID = _("Give a valid e-mail address, such as name@example.org.")
OFFICE_CODE_TAKEN = _("There is already an office with the code %(code)s.")
OFFICE_CODE_INVALID = _("An office code is three to eight capital letters, such as SOF.")
OFFICE_NAME_REQUIRED = _("Give the office's name.")
COUNTRY_UNKNOWN = _("%(code)s is not an ISO 3166-1 country code: give two letters, such as BG.")
PARTNER_NAME_REQUIRED = _("Give the organisation's name.")
PARTNER_NAME_TAKEN = _("There is already an organisation named %(name)s.")
SERVICE_UNKNOWN = _("%(service)s is not a kind of service Pristan knows: use %(known)s.")
ALREADY = _("Nothing to change: the account is already like that.")
# The fields' labels, as the forms show them: an invisible character's message names its field.
FULL_NAME, NAME, CITY = _("Full name"), _("Name"), _("City")


class FirstSignIn(models.TextChoices):
    LINK = "link", _("A one-time sign-in link")
    PASSWORD = "password", _("A temporary password they must change")


@dataclass(frozen=True)
class NewUser:
    """A user just added, and how they first sign in (shown once, never stored as such)."""

    user: User
    link_secret: str = ""  # the secret of /welcome/<secret>/
    temporary_password: str = ""


def _split_name(full_name: str) -> tuple[str, str]:
    words = full_name.split()
    return (" ".join(words[:-1]), words[-1]) if len(words) > 1 else (full_name.strip(), "")


def _user_errors(*, username: str, full_name: str, email: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError:
        errors["username"] = [str(USERNAME_INVALID)]
    else:
        if len(username) > 150:
            errors["username"] = [str(USERNAME_INVALID)]
        elif User.objects.filter(username__iexact=username).exists():
            errors["username"] = [str(USERNAME_TAKEN % {"username": username})]
    if not full_name.strip() or len(full_name) > 300:
        errors["name"] = [str(NAME_REQUIRED)]
    errors.update({name: error.messages for name, error in text_errors({"name": full_name}, {"name": FULL_NAME}).items()})
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = [str(EMAIL_INVALID)]
    return errors


def _new_user(*, actor: User | None, username: str, full_name: str, email: str) -> User:
    """A new account, without a usable password until its first sign-in; every field checked first."""
    username, full_name = username.strip(), unicodedata.normalize("NFC", full_name)
    errors = _user_errors(username=username, full_name=full_name, email=email)
    if errors:
        raise ValidationError(errors)
    first_name, last_name = _split_name(full_name)
    user = User(username=username, first_name=first_name[:150], last_name=last_name[:150], email=email.strip())
    user.set_unusable_password()
    user.save()
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=user, fields=["username", "first_name", "last_name", "email"])
    return user


def _first_sign_in(*, actor: User | None, user: User, method: str) -> NewUser:
    if method == FirstSignIn.PASSWORD:
        return NewUser(user=user, temporary_password=first_sign_in.temporary_password_set(actor=actor, user=user))
    return NewUser(user=user, link_secret=first_sign_in.sign_in_link_create(actor=actor, user=user))


@transaction.atomic
def user_add(
    *, actor: User | None, username: str, full_name: str, email: str, office: Office, role: str, scope: str | None = None,
    child_clearance: bool = False, region_offices: list[Office] | None = None, method: str = FirstSignIn.LINK,
) -> NewUser:  # fmt: skip
    """Add a member of staff with a role in an office, and a way to sign in for the first time."""
    if actor is not None:
        access.require_administrator(actor)
    user = _new_user(actor=actor, username=username, full_name=full_name, email=email)
    membership_grant(
        actor=actor, user=user, office=office, role=role, scope=scope, child_clearance=child_clearance,
        region_offices=region_offices,
    )  # fmt: skip
    return _first_sign_in(actor=actor, user=user, method=method)


@transaction.atomic
def partner_user_add(
    *, actor: User | None, username: str, full_name: str, email: str, organisation: Organisation, child_clearance: bool = False,
    method: str = FirstSignIn.LINK,
) -> NewUser:  # fmt: skip
    """Add a user of a partner organisation (system administrators only)."""
    if actor is not None:
        access.require_installation_administrator(actor)
    user = _new_user(actor=actor, username=username, full_name=full_name, email=email)
    partner_membership_grant(actor=actor, user=user, organisation=organisation, child_clearance=child_clearance)
    return _first_sign_in(actor=actor, user=user, method=method)


@transaction.atomic
def user_sign_in_link(*, actor: User | None, user: User) -> str:
    """A new one-time sign-in link for a person who has not signed in yet or lost their password."""
    if actor is not None:
        access.require_manages_person(actor, user, whole_account=True)
    return first_sign_in.sign_in_link_create(actor=actor, user=user)


@transaction.atomic
def user_set_active(*, actor: User | None, user: User, active: bool) -> User:
    """Deactivate (every session ends at once; tokens stop working) or reactivate an account."""
    if actor is not None:
        access.require_manages_person(actor, user, whole_account=True)
    if user.is_active == active:
        raise ValidationError(ALREADY)
    user.is_active = active
    user.save(update_fields=["is_active"])  # the accounts app ends the sessions of a deactivated user
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=user,
        fields=["is_active"],
        detail="reactivated" if active else "deactivated",
    )
    if not active:
        end_all_sessions(user)  # said again here, not only by the signal, because it is the point
    return user


@transaction.atomic
def user_second_step_reset(*, actor: User | None, user: User) -> int:
    """After a lost phone: remove the person's authenticators and recovery codes; they set up the second step again."""
    if actor is not None:
        access.require_manages_person(actor, user, whole_account=True)
    return second_step_reset(actor=actor, user=user)


@transaction.atomic
def office_add(
    *,
    actor: User | None,
    code: str,
    name: str,
    country: str,
    time_zone: str = "",
    city: str = "",
    kind: str = Office.Kind.COUNTRY,
) -> Office:
    """A new office of the organisation running Pristan (system administrators)."""
    if actor is not None:
        access.require_installation_administrator(actor)
    code, country, time_zone = code.strip().upper(), country.strip().upper(), time_zone.strip()
    name, city = unicodedata.normalize("NFC", name), unicodedata.normalize("NFC", city)
    errors: dict[str, list[str]] = {
        field: error.messages for field, error in text_errors({"name": name, "city": city}, {"name": NAME, "city": CITY}).items()
    }
    if not (3 <= len(code) <= 8 and code.isascii() and code.isalpha()):
        errors["code"] = [str(OFFICE_CODE_INVALID)]
    elif Office.objects.filter(code=code).exists():
        errors["code"] = [str(OFFICE_CODE_TAKEN % {"code": code})]
    if not name.strip():
        errors["name"] = [str(OFFICE_NAME_REQUIRED)]
    if not geography.is_country(country):
        errors["country"] = [str(COUNTRY_UNKNOWN % {"code": country or "—"})]
    try:
        validate_time_zone(time_zone)
    except ValidationError as error:
        errors["time_zone"] = error.messages
    if errors:
        raise ValidationError(errors)
    operator = Organisation.objects.filter(is_operator=True).order_by("pk").first()
    if operator is None:  # a new installation: its first office brings the organisation running it
        operator = Organisation.objects.create(name=name.strip(), is_operator=True, country=country)
        audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=operator, fields=["name", "country", "is_operator"])
    office = Office.objects.create(
        organisation=operator, code=code, name=name.strip(), country=country, time_zone=time_zone, city=city.strip(), kind=kind
    )
    audit_record(
        actor=actor, action=AuditEntry.Action.CREATE, obj=office, office=office, fields=["code", "name", "country", "time_zone"]
    )
    return office


def parse_services(text: str) -> list[str]:
    """`medical,legal` as a list of service kinds; ValidationError naming the unknown one."""
    kinds = [part.strip() for part in text.split(",") if part.strip()]
    for kind in kinds:
        if kind not in ServiceKind.values:
            raise ValidationError({"services": SERVICE_UNKNOWN % {"service": kind, "known": ", ".join(ServiceKind.values)}})
    return list(dict.fromkeys(kinds))


@transaction.atomic
def partner_add(
    *, actor: User | None, name: str, country: str, services: list[str], org_type: str = "", city: str = ""
) -> Organisation:
    """A partner organisation in the directory, to which cases can be referred (system administrators)."""
    if actor is not None:
        access.require_installation_administrator(actor)
    name, country, city = unicodedata.normalize("NFC", name.strip()), country.strip().upper(), unicodedata.normalize("NFC", city)
    errors: dict[str, list[str]] = {
        field: error.messages for field, error in text_errors({"name": name, "city": city}, {"name": NAME, "city": CITY}).items()
    }
    if not name:
        errors["name"] = [str(PARTNER_NAME_REQUIRED)]
    elif Organisation.objects.filter(name__iexact=name).exists():
        errors["name"] = [str(PARTNER_NAME_TAKEN % {"name": name})]
    if not geography.is_country(country):
        errors["country"] = [str(COUNTRY_UNKNOWN % {"code": country or "—"})]
    unknown = [kind for kind in services if kind not in ServiceKind.values]
    if unknown:
        errors["services"] = [str(SERVICE_UNKNOWN % {"service": unknown[0], "known": ", ".join(ServiceKind.values)})]
    if errors:
        raise ValidationError(errors)
    partner = Organisation.objects.create(
        name=name, country=country, service_kinds=services, org_type=org_type, city=city.strip(), is_operator=False
    )
    audit_record(
        actor=actor, action=AuditEntry.Action.CREATE, obj=partner, fields=["name", "country", "service_kinds", "org_type"]
    )
    return partner
