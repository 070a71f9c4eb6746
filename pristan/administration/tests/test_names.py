"""Offices, partner organisations, people's display names and token names: what is shown as a name
refuses invisible and bidirectional characters, and is stored in NFC."""

import unicodedata
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from pristan.administration import services
from pristan.api.models import AccessToken
from pristan.api.tokens import token_create
from pristan.core.models import AuditEntry, Office, Organisation

RLO = "\u202e"


def _message(label: str, name: str = "RIGHT-TO-LEFT OVERRIDE", code: str = "202E") -> list[str]:
    return [
        f"{label} contains an invisible or control character, {name} (U+{code}), which can disguise how it is displayed. "
        "Remove it and type the text again."
    ]


def test_an_office_name_is_refused_with_its_message_and_nothing_written(sysadmin, sofia):
    audit = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as error:
        services.office_add(actor=sysadmin, code="VAR", name=f"Varna{RLO}", country="BG", city="Var\u200bna")
    assert error.value.message_dict == {"name": _message("Name"), "city": _message("City", "ZERO WIDTH SPACE", "200B")}
    assert not Office.objects.filter(code="VAR").exists()
    assert AuditEntry.objects.count() == audit
    office = services.office_add(actor=sysadmin, code="VAR", name=unicodedata.normalize("NFD", "Варна Čakovec"), country="BG")
    assert office.name == "Варна Čakovec"


def test_a_partner_name_is_refused_and_stored_in_nfc(sysadmin, sofia):
    before = Organisation.objects.count()
    with pytest.raises(ValidationError) as error:
        services.partner_add(actor=sysadmin, name=f"La {RLO}Strada", country="BG", services=["legal"])
    assert error.value.message_dict == {"name": _message("Name")}
    assert Organisation.objects.count() == before
    partner = services.partner_add(
        actor=sysadmin, name=unicodedata.normalize("NFD", "Асоциация Йорданка"), country="BG", services=[]
    )
    assert partner.name == "Асоциация Йорданка"


def test_a_users_display_name_is_refused_and_stored_in_nfc(sysadmin, sofia):
    with pytest.raises(ValidationError) as error:
        services.user_add(actor=sysadmin, username="ina", full_name=f"Ina{RLO} Petrova", email="ina@example.org",
                          office=sofia, role="caseworker")  # fmt: skip
    assert error.value.message_dict == {"name": _message("Full name")}
    assert not User.objects.filter(username="ina").exists()
    new = services.user_add(actor=sysadmin, username="ina", full_name=unicodedata.normalize("NFD", "Ина Đurić"),
                            email="ina@example.org", office=sofia, role="caseworker")  # fmt: skip
    assert (new.user.first_name, new.user.last_name) == ("Ина", "Đurić")


def test_the_administration_page_shows_the_message_beside_the_field(sysadmin, sofia, client_of):
    before = Organisation.objects.count()
    response = client_of(sysadmin).post(reverse("admin_partners"), {"name": f"X{RLO}Y", "country": "BG", "services": ["legal"]})
    assert response.status_code == 422
    assert Organisation.objects.count() == before
    assert response.context["form"].errors["name"] == _message("Name")


def test_a_token_name_is_refused(ana):
    with pytest.raises(ValidationError) as error:
        token_create(actor=ana, name=f"sync{RLO}", reads=True, writes=False, resources=["cases"],
                     expires_on=timezone.localdate() + timedelta(days=3))  # fmt: skip
    assert error.value.message_dict == {"name": _message("Name")}
    assert not AccessToken.objects.exists()
