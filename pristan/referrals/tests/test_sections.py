"""A referral of a service of a protected section: who receives it sees it, in the inbox and on
its page alike; nobody else does; and it goes only to a partner that offers that kind of service."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from pristan.assistance.services import service_add
from pristan.cases.models import ConsentPurpose
from pristan.cases.services import consent_record
from pristan.core import access
from pristan.core.models import Role
from pristan.core.services import membership_grant
from pristan.referrals import selectors
from pristan.referrals.models import Referral, ReferralStatus
from pristan.referrals.services import NOT_OFFERED, referral_send

REASON = "AdditionalServicesRequired"


@pytest.fixture
def consented(active_case, ana):
    consent_record(actor=ana, case=active_case, purpose=ConsentPurpose.REFERRAL, given=True)
    return active_case


@pytest.fixture
def clinic(partner):
    partner.service_kinds = ["medical"]
    partner.save()
    return partner


def _listed_and_opened(client_of, user, referral) -> tuple[bool, int]:
    listed = referral in selectors.referrals_awaiting(user)
    response = client_of(user).post(reverse("referral_status", args=[referral.pk]), {"status": ReferralStatus.ACCEPTED})
    return listed, response.status_code


def test_a_health_partner_lists_opens_and_answers_a_medical_referral(consented, ana, clinic, partner_user, client_of):
    medical = service_add(actor=ana, case=consented, data={"kind": "medical", "description": "Dental care"})
    other = service_add(actor=ana, case=consented, data={"kind": "psychosocial", "description": "Counselling"})
    referral = referral_send(actor=ana, case=consented, organisation=clinic, service=medical, reason=REASON)
    client = client_of(partner_user)
    inbox = client.get(reverse("referral_inbox")).content.decode()
    assert reverse("referral_status", args=[referral.pk]) in inbox
    page = client.get(reverse("case_referrals", args=[consented.reference])).content.decode()
    assert "Medical care" in page  # the referral, on the case's page too
    assistance = client.get(reverse("case_assistance", args=[consented.reference])).content.decode()
    assert "Dental care" in assistance  # the service it is asked to provide
    assert "Counselling" not in assistance  # nothing else of a protected section
    assert other not in access.visible_in_sections(partner_user, consented, consented.services.all())
    assert client.post(reverse("referral_status", args=[referral.pk]), {"status": "accepted"}).status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED


def test_a_medical_service_goes_only_to_a_partner_that_offers_it(consented, ana, partner):
    medical = service_add(actor=ana, case=consented, data={"kind": "medical"})
    with pytest.raises(ValidationError) as error:
        referral_send(actor=ana, case=consented, organisation=partner, service=medical, reason=REASON)
    assert str(NOT_OFFERED % {"service": "Medical care"}) in error.value.message_dict["organisation"]
    assert not Referral.objects.exists()
    accommodation = service_add(actor=ana, case=consented, data={"kind": "accommodation"})
    referral_send(
        actor=ana, case=consented, organisation=partner, service=accommodation, reason=REASON
    )  # not protected: any partner


def test_a_medical_referral_made_without_the_check_is_still_listed_only_if_it_opens(
    consented, ana, partner, partner_user, client_of
):
    # Referrals that came in another way (an import, the demo generator) skip referral_send's check;
    # the inbox and the page still agree.
    medical = service_add(actor=ana, case=consented, data={"kind": "medical"})
    referral = Referral.objects.create(
        case=consented, direction=Referral.Direction.OUTGOING, organisation=partner, service=medical, reason=REASON,
        referred_on=consented.opened_on, created_by=ana,
    )  # fmt: skip
    assert _listed_and_opened(client_of, partner_user, referral) == (True, 302)


def test_an_office_receives_a_medical_referral_as_far_as_its_role_reads_health(
    consented, ana, skopje, client_of, django_user_model
):
    medical = service_add(actor=ana, case=consented, data={"kind": "medical"})
    referral = referral_send(actor=ana, case=consented, office=skopje, service=medical, reason=REASON)
    mover = django_user_model.objects.create_user("mover-skp")
    membership_grant(actor=None, user=mover, office=skopje, role=Role.MOVEMENT_OFFICER, child_clearance=True)
    assert _listed_and_opened(client_of, mover, referral) == (False, 404)  # a movement officer reads no health
    assert selectors.referrals_of(user=mover, case=consented).count() == 0
    skopje_caseworker = django_user_model.objects.create_user("caseworker-skp")
    membership_grant(
        actor=None, user=skopje_caseworker, office=skopje, role=Role.CASEWORKER, scope="office", child_clearance=True
    )
    assert _listed_and_opened(client_of, skopje_caseworker, referral) == (True, 302)


def test_every_listed_referral_opens_for_every_reader(
    consented, ana, boris, movement_officer, clinic, partner_user, skopje, marko, client_of
):
    referrals = [
        referral_send(
            actor=ana,
            case=consented,
            organisation=clinic,
            service=service_add(actor=ana, case=consented, data={"kind": kind}),
            reason=REASON,
        )
        for kind in ("medical", "accommodation")
    ] + [referral_send(actor=ana, case=consented, organisation=clinic, reason=REASON)]
    for user in (ana, boris, movement_officer, partner_user, marko):
        for referral in selectors.referrals_awaiting(user):
            assert access.case_object_for(user, Referral, referral.pk) == referral
        for referral in selectors.referrals_of(user=user, case=consented) if access.grant_for(user, consented) else []:
            assert access.case_object_for(user, Referral, referral.pk) == referral
    assert {r.pk for r in selectors.referrals_awaiting(partner_user)} == {r.pk for r in referrals}
