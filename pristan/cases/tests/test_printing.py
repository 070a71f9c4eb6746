"""The printable case summary: what the reader may see of the case and nothing more, in their
language (Macedonian here), a confidentiality footer on every page, each print recorded."""

import io
import re
from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from pristan.assistance.models import ServiceKind
from pristan.assistance.services import service_add
from pristan.cases.services import consent_record, note_add
from pristan.core import trail
from pristan.core.models import AuditEntry
from pristan.core.policy import Section
from pristan.referrals.services import referral_send

CYRILLIC = re.compile("[\u0400-\u04ff]")


def pages_of(content: bytes) -> list[str]:
    """The text of each page, its lines joined: a table cell may wrap a label onto two lines."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages]


def printed(client, case, language: str = "mk"):
    return client.get(reverse("case_print", args=[case.reference]), HTTP_ACCEPT_LANGUAGE=language)


def macedonian(text: object) -> str:
    with translation.override("mk"):
        label = str(text)
    assert CYRILLIC.search(label), label  # a label that fell back to English would prove nothing
    return label


@pytest.fixture
def services(active_case, ana):
    return {
        "medical": service_add(actor=ana, case=active_case, data={"kind": "medical"}),
        "shelter": service_add(actor=ana, case=active_case, data={"kind": "accommodation"}),
    }


def test_the_caseworker_prints_every_section_in_macedonian_with_the_name_as_written(active_case, services, ana, client_of):
    note_add(actor=ana, case=active_case, text="Бара придружба до Софија.")
    response = printed(client_of(ana), active_case)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "\n".join(pages_of(response.content))
    assert "Иван Петров" in text  # in its own script, not transliterated in its place
    assert "Ivan Petrov" in text  # and in Latin script beside it
    assert active_case.reference in text
    for label in (Section.SUMMARY.label, Section.CONSENT.label, Section.SCREENING.label, Section.ASSISTANCE.label):
        assert macedonian(label) in text
    assert macedonian(ServiceKind.MEDICAL.label) in text
    assert macedonian(ServiceKind.ACCOMMODATION.label) in text
    assert "Бара придружба до Софија." in text
    assert "04.05.1996" in text  # the date of birth as the Macedonian pages write it (pristan.core.dates)


def test_a_role_without_health_gets_no_health_in_the_pdf(active_case, services, movement_officer, client_of):
    text = "\n".join(pages_of(printed(client_of(movement_officer), active_case).content))
    assert macedonian(ServiceKind.ACCOMMODATION.label) in text
    assert macedonian(ServiceKind.MEDICAL.label) not in text
    assert macedonian(Section.SCREENING.label) not in text  # the movement officer's role has no screening
    assert macedonian(Section.ASSISTANCE.label) in text


def test_a_partner_prints_only_its_sections_and_the_service_referred_to_it(
    active_case, services, ana, partner, partner_user, client_of
):
    consent_record(actor=ana, case=active_case, purpose="referral", given=True)
    referral_send(
        actor=ana, case=active_case, organisation=partner, reason="AdditionalServicesRequired", service=services["shelter"]
    )
    response = printed(client_of(partner_user), active_case)
    assert response.status_code == 200
    text = "\n".join(pages_of(response.content))
    assert "Иван Петров" in text
    assert macedonian(ServiceKind.ACCOMMODATION.label) in text
    assert macedonian(ServiceKind.MEDICAL.label) not in text
    assert macedonian(Section.SCREENING.label) not in text
    assert macedonian(Section.CONSENT.label) not in text
    entry = AuditEntry.objects.get(action=AuditEntry.Action.PRINT)
    assert entry.fields == sorted([Section.SUMMARY, Section.ASSISTANCE])


def test_a_partner_without_a_referral_and_another_office_find_nothing(active_case, marko, partner_user, client_of):
    for user in (marko, partner_user):
        assert printed(client_of(user), active_case).status_code == 404
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.PRINT).exists()
    refusals = AuditEntry.objects.filter(action=AuditEntry.Action.DENIED, actor__in=[marko, partner_user])
    assert refusals.count() == 2


def test_a_childs_case_is_not_printed_without_child_protection_clearance(open_case, ana, nina, client_of):
    child = open_case(given_name="Марија", born=date(2015, 3, 1))
    assert child.minor_at_registration
    assert printed(client_of(nina), child).status_code == 404
    assert printed(client_of(ana), child).status_code == 200


def test_the_download_is_an_uncached_attachment_named_after_the_reference_only(active_case, ana, client_of):
    response = printed(client_of(ana), active_case)
    assert response["Content-Disposition"] == f'attachment; filename="{active_case.reference}.pdf"'
    assert "no-store" in response["Cache-Control"]
    assert "Иван" not in response["Content-Disposition"]
    assert "Ivan" not in response["Content-Disposition"]


def test_every_page_carries_the_confidentiality_footer(active_case, ana, client_of):
    ana.first_name, ana.last_name = "Ана", "Иванова"
    ana.save()
    for number in range(40):  # enough notes for several pages
        note_add(actor=ana, case=active_case, text=f"Разговор {number}: " + "подолг запис за следењето. " * 8)
    pages = pages_of(printed(client_of(ana), active_case, language="en").content)
    assert len(pages) > 1
    for number, page in enumerate(pages, start=1):
        assert "Confidential: contains personal data of a person assisted. Printed by Ана Иванова on" in page
        assert f"Page {number} of {len(pages)}" in page


def test_each_print_is_recorded_as_a_read_of_the_sections_printed(active_case, ana, boris, client_of):
    printed(client_of(ana), active_case)
    entry = AuditEntry.objects.get(action=AuditEntry.Action.PRINT)
    assert entry.actor == ana
    assert entry.case == active_case
    assert {Section.SUMMARY, Section.CONSENT, Section.SCREENING, Section.ASSISTANCE, Section.NOTES} <= set(entry.fields)
    assert [viewer.username for viewer in trail.viewers_of(active_case)] == ["ana"]  # who has seen the record counts prints


def test_the_case_page_links_to_the_printable_summary(active_case, ana, client_of):
    page = client_of(ana).get(reverse("case_summary", args=[active_case.reference])).content.decode()
    assert f'href="{reverse("case_print", args=[active_case.reference])}"' in page
