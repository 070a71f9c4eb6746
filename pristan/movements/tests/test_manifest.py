"""The departure manifest, rendered and read back as a reader of the PDF gets it."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext

from pristan.core.models import AuditEntry, Role
from pristan.core.policy import POLICIES, RolePolicy, Section
from pristan.movements import manifest
from pristan.movements.tests.conftest import departure_day, make_ready, pdf_text


@pytest.fixture
def family_leaving(household, request_movement, ana):
    movement = request_movement(household, receiving_partner=None)
    return make_ready(movement, ana)


def _manifest(client: Client, language: str = "en") -> Any:
    day = departure_day()
    return client.get(reverse("movement_manifest"), {"date": day.isoformat(), "route": "bg-md"}, HTTP_ACCEPT_LANGUAGE=language)


def test_the_manifest_lists_the_travellers_in_their_own_script(family_leaving, household, mila, client_of):
    response = _manifest(client_of(mila))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f"manifest-{departure_day().isoformat()}-BG-MD.pdf" in response["Content-Disposition"]
    text = pdf_text(response.content)
    for name, latin in (("Мария Петрова", "Mariya Petrova"), ("Иван Петров", "Ivan Petrov"), ("Ема Петрова", "Ema Petrova")):
        assert name in text
        assert latin in text
    for case in household:
        assert case.reference in text
    assert family_leaving.label in text
    assert "Passport, Valid" in text
    assert "ПА000001" in text  # the movement officer is granted the summary section: numbers are shown
    assert "9U 172" in text
    assert "Departure manifest" in text
    assert "Travellers: 3." in text
    with translation.override("en"):
        assert formats.date_format(departure_day(), "SHORT_DATE_FORMAT") in text


def test_the_manifest_is_in_the_users_language(family_leaving, mila, client_of):
    text = pdf_text(_manifest(client_of(mila), "bg").content)
    with translation.override("bg"):
        day = formats.date_format(departure_day(), "SHORT_DATE_FORMAT")
        headings = [gettext("Stage"), gettext("Route"), gettext("Date")]
        country = gettext("Moldova")
    assert day == departure_day().strftime("%d.%m.%Y")  # Bulgarian dates: day, month, year
    assert day in text
    assert departure_day().strftime("%m/%d/%Y") not in text
    for heading in headings:
        assert heading in text
    assert "Молдова" in text or country in text  # the country named in Bulgarian
    assert "Мария Петрова" in text


def test_every_label_of_the_manifest_goes_through_gettext(family_leaving, mila, client_of, monkeypatch):
    monkeypatch.setattr(manifest, "_", lambda text: f"⟪{text}⟫")
    text = "".join(pdf_text(_manifest(client_of(mila)).content).split())  # a narrow column wraps its heading
    labels = ["Departure manifest", "Date", "Route", "Stage", "Case", "Name", "Name in Latin script", "Travel documents",
              "Escort", "Leg", "From", "To", "Carrier", "Flight or bus number", "Departs", "Arrives",
              "Transit assistance"]  # fmt: skip
    for label in labels:
        assert "".join(f"⟪{label}⟫".split()) in text, label


def test_document_numbers_need_the_summary_section(family_leaving, mila, client_of, monkeypatch):
    without_summary = POLICIES[Role.MOVEMENT_OFFICER].sections - {Section.SUMMARY}
    monkeypatch.setitem(POLICIES, Role.MOVEMENT_OFFICER, RolePolicy(without_summary, writes=True))
    text = pdf_text(_manifest(client_of(mila)).content)
    assert "Passport, Valid" in text
    assert "ПА000001" not in text


def test_printing_the_manifest_is_a_read_of_every_case_in_it(family_leaving, household, mila, client_of):
    _manifest(client_of(mila))
    for case in household:
        assert AuditEntry.objects.filter(case=case, action=AuditEntry.Action.VIEW, actor=mila, fields=["manifest"]).exists()


def test_no_departure_on_that_route_says_so(family_leaving, mila, client_of):
    client = client_of(mila)
    response = client.get(reverse("movement_manifest"), {"date": departure_day().isoformat(), "route": "BG-RS"})
    assert response.status_code == 200
    assert "No movement that you may see leaves on that date on that route." in response.content.decode()
    response = client.get(reverse("movement_manifest"), {"date": departure_day().isoformat(), "route": "Sofia"})
    assert response.status_code == 422
    assert "two country codes joined by a hyphen" in response.content.decode()
