"""Who sees which movement, and what of it: through the pages, as each persona would."""

import pytest
from django.urls import reverse
from django.utils import timezone

from pristan.cases.services import consent_record
from pristan.core.models import AuditEntry, Role
from pristan.core.services import membership_grant, partner_membership_grant
from pristan.movements import selectors, services
from pristan.movements.tests.conftest import add_leg, departure_day, pdf_text
from pristan.referrals.services import referral_send


@pytest.fixture
def cleared_mother(household, request_movement, ana):
    """The mother travels alone; her clearance records a medical escort and a medical note."""
    movement = request_movement(household[:1])
    traveller = movement.travellers.get()
    services.fitness_record(
        actor=ana, movement=movement, traveller=traveller,
        data={"outcome": "fit_with_escort", "assessed_on": timezone.localdate(), "escort": "medical",
              "medical_note": "Insulin-dependent diabetes"},
    )  # fmt: skip
    return movement


def test_health_detail_is_hidden_from_a_movement_officer(cleared_mother, household, mila, ana, client_of):
    url = reverse("case_movement", args=[household[0].reference])
    page = client_of(mila).get(url).content.decode()
    assert "Cleared to travel" in page
    assert "Medical escort" in page  # the escort the journey needs is not medical detail
    assert "Insulin" not in page
    assert "Fit to travel with an escort" not in page
    assert 'action="{}"'.format(reverse("fitness_create", args=[household[0].reference])) not in page
    full = client_of(ana).get(url).content.decode()
    assert "Insulin-dependent diabetes" in full
    assert "Fit to travel with an escort" in full


def test_another_offices_caseworker_finds_nothing(cleared_mother, household, marko, client_of):
    client = client_of(marko)
    assert client.get(reverse("case_movement", args=[household[0].reference])).status_code == 404
    response = client.post(reverse("leg_create", args=[household[0].reference]), {"movement_id": cleared_mother.pk})
    assert response.status_code == 404
    board = client.get(reverse("movement_board"))
    assert board.status_code == 200
    assert cleared_mother.label not in board.content.decode()
    assert selectors.movements_for(marko).count() == 0


def test_a_partner_sees_the_case_but_not_its_movement(cleared_mother, household, partner, ana, client_of, django_user_model):
    case = household[0]
    consent_record(actor=ana, case=case, purpose="referral", given=True)
    referral_send(actor=ana, case=case, organisation=partner, reason="AdditionalServicesRequired")
    user = django_user_model.objects.create_user("partner-user")
    partner_membership_grant(actor=None, user=user, organisation=partner, child_clearance=True)
    client = client_of(user)
    assert client.get(reverse("case_summary", args=[case.reference])).status_code == 200
    assert client.get(reverse("case_movement", args=[case.reference])).status_code == 403
    assert client.get(reverse("movement_board")).status_code == 404
    assert client.get(reverse("movement_manifest")).status_code == 404
    assert selectors.movements_for(user).count() == 0


def test_a_childs_case_without_clearance_keeps_the_whole_movement_out_of_sight(household, request_movement, ana, nina, client_of):
    family = request_movement(household, departs_on=departure_day())  # with the ten-year-old daughter
    adults = request_movement(household[:2], departs_on=departure_day())
    for movement in (family, adults):
        add_leg(movement, ana)
    client = client_of(nina)

    board = client.get(reverse("movement_board")).content.decode()
    assert adults.label in board
    assert family.label not in board
    assert "Ема" not in board
    assert selectors.movements_for(nina).count() == 1

    tab = client.get(reverse("case_movement", args=[household[0].reference])).content.decode()
    assert adults.label in tab
    assert family.label not in tab
    assert "Ема" not in tab
    assert client.get(reverse("case_movement", args=[household[2].reference])).status_code == 404

    manifest = client.get(reverse("movement_manifest"), {"date": departure_day().isoformat(), "route": "BG-MD"})
    assert manifest["Content-Type"] == "application/pdf"
    text = pdf_text(manifest.content)
    assert "Мария Петрова" in text
    assert "Ема" not in text
    assert family.label not in text
    assert "Travellers: 2." in text  # the counts leave the child out too
    child_reads = AuditEntry.objects.filter(case=household[2], action=AuditEntry.Action.VIEW, actor=nina)
    assert not child_reads.exists()


def test_a_user_without_the_section_in_one_office_checks_case_by_case(
    household, request_movement, ana, sofia, skopje, client_of, django_user_model
):
    """A focal point of Sofia who is also a caseworker in Skopje sees Sofia's cases, but not their movements."""
    movement = request_movement(household[:1])
    user = django_user_model.objects.create_user("two-hats")
    membership_grant(actor=None, user=user, office=sofia, role=Role.FOCAL_POINT, child_clearance=True)
    membership_grant(actor=None, user=user, office=skopje, role=Role.CASEWORKER, child_clearance=True)
    assert selectors.movements_for(user).count() == 0
    assert client_of(user).get(reverse("case_movement", args=[household[0].reference])).status_code == 403
    assert movement.pk not in [m.pk for m in selectors.movements_for(user)]


def test_the_tab_records_a_read_of_every_travellers_case(household, request_movement, mila, client_of):
    request_movement(household)
    client_of(mila).get(reverse("case_movement", args=[household[0].reference]))
    for case in household:
        assert AuditEntry.objects.filter(case=case, action=AuditEntry.Action.VIEW, actor=mila, fields=["movement"]).exists()


def test_an_office_a_case_is_referred_to_does_not_see_its_movement(
    cleared_mother, household, ana, skopje, client_of, django_user_model
):
    """Skopje reads a case referred to it (summary, consent, assistance), never its movement."""
    case = household[0]
    consent_record(actor=ana, case=case, purpose="referral", given=True)
    referral_send(actor=ana, case=case, office=skopje, reason="AdditionalServicesRequired")
    user = django_user_model.objects.create_user("skopje-supervisor")
    membership_grant(actor=None, user=user, office=skopje, role=Role.SUPERVISOR, child_clearance=True)
    client = client_of(user)
    assert client.get(reverse("case_summary", args=[case.reference])).status_code == 200
    assert client.get(reverse("case_movement", args=[case.reference])).status_code == 403
    assert selectors.movements_for(user).count() == 0
    assert cleared_mother.label not in client.get(reverse("movement_board")).content.decode()
