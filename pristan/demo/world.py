"""The organisation, offices, partners and staff that synthetic cases belong to.

Everything here is get-or-create by a natural key (organisation name, office code, username), so
generating twice, or running `pristan demo` after `pristan generate`, reuses what exists.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext

from pristan.core.models import Membership, Office, Organisation, Role, Scope
from pristan.core.services import membership_grant
from pristan.demo import texts

__all__ = [
    "OFFICE_SPECS",
    "OPERATOR_NAME",
    "OfficeContext",
    "OfficeSpec",
    "World",
    "ensure_member",
    "ensure_office",
    "ensure_operator",
    "ensure_world",
]

OPERATOR_NAME = "Pristan Demo Mission"


@dataclass(frozen=True)
class OfficeSpec:
    code: str
    name: str
    kind: str  # Office.Kind
    country: str
    city: str
    language: str  # ISO 639-1: what the office's staff write notes in


_C, _F = Office.Kind.COUNTRY.value, Office.Kind.FIELD.value

# In the order `generate --offices K` takes them: the first three are the demo world.
OFFICE_SPECS: tuple[OfficeSpec, ...] = (
    OfficeSpec("SOF", "Sofia Country Office", _C, "BG", "Sofia", "bg"),
    OfficeSpec("SKP", "Skopje Country Office", _C, "MK", "Skopje", "mk"),
    OfficeSpec("SJJ", "Sarajevo Country Office", _C, "BA", "Sarajevo", "bs"),
    OfficeSpec("BEG", "Belgrade Country Office", _C, "RS", "Belgrade", "sr"),
    OfficeSpec("ZAG", "Zagreb Country Office", _C, "HR", "Zagreb", "hr"),
    OfficeSpec("KIV", "Chișinău Country Office", _C, "MD", "Chișinău", "ro"),
    OfficeSpec("KBP", "Kyiv Country Office", _C, "UA", "Kyiv", "uk"),
    OfficeSpec("BUH", "Bucharest Country Office", _C, "RO", "Bucharest", "ro"),
    OfficeSpec("VAR", "Varna Field Office", _F, "BG", "Varna", "bg"),
    OfficeSpec("BTL", "Banja Luka Field Office", _F, "BA", "Banja Luka", "sr"),
    OfficeSpec("LJU", "Ljubljana Country Office", _C, "SI", "Ljubljana", "sl"),
    OfficeSpec("OHD", "Ohrid Field Office", _F, "MK", "Ohrid", "mk"),
    OfficeSpec("INI", "Niš Field Office", _F, "RS", "Niš", "sr"),
    OfficeSpec("BOJ", "Burgas Field Office", _F, "BG", "Burgas", "bg"),
    OfficeSpec("ODS", "Odesa Field Office", _F, "UA", "Odesa", "uk"),
    OfficeSpec("IAS", "Iași Field Office", _F, "RO", "Iași", "ro"),
    OfficeSpec("TZL", "Tuzla Field Office", _F, "BA", "Tuzla", "bs"),
    OfficeSpec("SPU", "Split Field Office", _F, "HR", "Split", "hr"),
    # 19 to 50, for a central database of many offices (the benchmark's 50): the region's other
    # countries, then more field offices. Montenegrin has no ISO 639-1 code: its offices write "sr".
    # Greece and Türkiye are countries of destination: their cases are of people from the region.
    OfficeSpec("TIA", "Tirana Country Office", _C, "AL", "Tirana", "sq"),
    OfficeSpec("TGD", "Podgorica Country Office", _C, "ME", "Podgorica", "sr"),
    OfficeSpec("BUD", "Budapest Country Office", _C, "HU", "Budapest", "hu"),
    OfficeSpec("ATH", "Athens Country Office", _C, "GR", "Athens", "el"),
    OfficeSpec("ANK", "Ankara Country Office", _C, "TR", "Ankara", "tr"),
    OfficeSpec("PDV", "Plovdiv Field Office", _F, "BG", "Plovdiv", "bg"),
    OfficeSpec("BIT", "Bitola Field Office", _F, "MK", "Bitola", "mk"),
    OfficeSpec("NSA", "Novi Sad Field Office", _F, "RS", "Novi Sad", "sr"),
    OfficeSpec("OMO", "Mostar Field Office", _F, "BA", "Mostar", "bs"),
    OfficeSpec("RJK", "Rijeka Field Office", _F, "HR", "Rijeka", "hr"),
    OfficeSpec("BZY", "Bălți Field Office", _F, "MD", "Bălți", "ro"),
    OfficeSpec("LWO", "Lviv Field Office", _F, "UA", "Lviv", "uk"),
    OfficeSpec("CLJ", "Cluj-Napoca Field Office", _F, "RO", "Cluj-Napoca", "ro"),
    OfficeSpec("MBX", "Maribor Field Office", _F, "SI", "Maribor", "sl"),
    OfficeSpec("SKG", "Thessaloniki Field Office", _F, "GR", "Thessaloniki", "el"),
    OfficeSpec("IST", "Istanbul Field Office", _F, "TR", "Istanbul", "tr"),
    OfficeSpec("SHK", "Shkodër Field Office", _F, "AL", "Shkodër", "sq"),
    OfficeSpec("DEB", "Debrecen Field Office", _F, "HU", "Debrecen", "hu"),
    OfficeSpec("ROU", "Ruse Field Office", _F, "BG", "Ruse", "bg"),
    OfficeSpec("KUM", "Kumanovo Field Office", _F, "MK", "Kumanovo", "mk"),
    OfficeSpec("KRG", "Kragujevac Field Office", _F, "RS", "Kragujevac", "sr"),
    OfficeSpec("ZEN", "Zenica Field Office", _F, "BA", "Zenica", "bs"),
    OfficeSpec("OSI", "Osijek Field Office", _F, "HR", "Osijek", "hr"),
    OfficeSpec("HRK", "Kharkiv Field Office", _F, "UA", "Kharkiv", "uk"),
    OfficeSpec("CND", "Constanța Field Office", _F, "RO", "Constanța", "ro"),
    OfficeSpec("DUR", "Durrës Field Office", _F, "AL", "Durrës", "sq"),
    OfficeSpec("AYT", "Antalya Field Office", _F, "TR", "Antalya", "tr"),
    OfficeSpec("SZR", "Stara Zagora Field Office", _F, "BG", "Stara Zagora", "bg"),
    OfficeSpec("TET", "Tetovo Field Office", _F, "MK", "Tetovo", "mk"),
    OfficeSpec("NPZ", "Novi Pazar Field Office", _F, "RS", "Novi Pazar", "sr"),
    OfficeSpec("CWC", "Chernivtsi Field Office", _F, "UA", "Chernivtsi", "uk"),
    OfficeSpec("TSR", "Timișoara Field Office", _F, "RO", "Timișoara", "ro"),
)


@dataclass(frozen=True)
class _PartnerSpec:
    name: str  # "{city}" is replaced by the office's city
    org_type: str  # HTCDS org_Type
    country_offices_only: bool


# Country offices work with three partners, field offices with the first two. What each offers
# is texts.PARTNER_SERVICES, in the same order, in the office's language.
_PARTNER_SPECS: tuple[_PartnerSpec, ...] = (
    _PartnerSpec("{city} Anti-Trafficking Shelter", "NGO", False),
    _PartnerSpec("{city} Community Health Centre", "HealthServiceOrganisation", False),
    _PartnerSpec("{city} Legal Aid Bureau", "LegalService", True),
)


@dataclass(frozen=True)
class OfficeContext:
    """An office with what generated cases need of it: its language, partners and caseworker."""

    office: Office
    spec: OfficeSpec
    partners: tuple[Organisation, ...]
    caseworker: User

    def partner_of_type(self, org_type: str) -> Organisation | None:
        return next((partner for partner in self.partners if partner.org_type == org_type), None)


@dataclass(frozen=True)
class World:
    operator: Organisation
    offices: tuple[OfficeContext, ...]


def ensure_operator() -> Organisation:
    operator, _created = Organisation.objects.get_or_create(
        name=OPERATOR_NAME, defaults={"is_operator": True, "org_type": "NGO", "services_offered": "Case management"}
    )
    return operator


class RealOfficeError(Exception):
    """Synthetic data and demo accounts never go into an office the demo did not create."""


def ensure_office(spec: OfficeSpec, operator: Organisation) -> Office:
    """The office with the spec's code, created under the demo operator; an office with that code
    that belongs to another organisation is a real one, and is refused."""
    office, _created = Office.objects.get_or_create(
        code=spec.code,
        defaults={"organisation": operator, "name": spec.name, "kind": spec.kind, "country": spec.country, "city": spec.city},
    )
    if office.organisation_id != operator.pk:
        raise RealOfficeError(
            gettext(
                "The office %(code)s belongs to %(organisation)s, not to the demo organisation: "
                "synthetic data and demo accounts are never added to a real office."
            )
            % {"code": spec.code, "organisation": office.organisation}
        )
    return office


def _ensure_partners(spec: OfficeSpec) -> tuple[Organisation, ...]:
    partners = []
    services = texts.localised(texts.PARTNER_SERVICES, spec.language)
    for partner, services_offered in zip(_PARTNER_SPECS, services, strict=True):
        if partner.country_offices_only and spec.kind != Office.Kind.COUNTRY:
            continue
        organisation, _created = Organisation.objects.get_or_create(
            name=partner.name.format(city=spec.city),
            defaults={
                "org_type": partner.org_type,
                "country": spec.country,
                "city": spec.city,
                "services_offered": services_offered,
            },
        )
        partners.append(organisation)
    return tuple(partners)


def ensure_member(
    office: Office, *, username: str, role: str, first_name: str = "", last_name: str = "", password: str | None = None,
    child_clearance: bool = True, scope: str | None = None,
) -> User:  # fmt: skip
    """A user with a membership of ``office``; created with ``password``, or an unusable one.

    An existing user keeps their password and names: the demo must not undo what someone changed.
    """
    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"first_name": first_name, "last_name": last_name}
    )
    if created:
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(update_fields=["password"])
    if not Membership.objects.filter(user=user, office=office).exists():
        with transaction.atomic():
            membership_grant(actor=None, user=user, office=office, role=role, scope=scope, child_clearance=child_clearance)
    return user


def _generator_caseworker(office: Office, language: str) -> User:
    # Generated cases need an owner who works in the office; nobody logs in as this account.
    # Its name is read as the author of generated notes, so it is in the office's language.
    return ensure_member(
        office,
        username=f"gen.cw.{office.code.lower()}",
        role=Role.CASEWORKER,
        scope=Scope.OFFICE,
        first_name=texts.localised(texts.FORMER_CASEWORKER, language),
        last_name=f"({office.code})",
    )


def ensure_world(office_count: int, specs: Sequence[OfficeSpec] = OFFICE_SPECS) -> World:
    """The operator and the first ``office_count`` offices with their partners and caseworkers."""
    if not 1 <= office_count <= len(specs):
        raise ValueError(f"Choose between 1 and {len(specs)} offices, not {office_count}.")
    operator = ensure_operator()
    contexts = []
    for spec in specs[:office_count]:
        office = ensure_office(spec, operator)
        contexts.append(
            OfficeContext(
                office=office, spec=spec, partners=_ensure_partners(spec), caseworker=_generator_caseworker(office, spec.language)
            )
        )
    return World(operator=operator, offices=tuple(contexts))
