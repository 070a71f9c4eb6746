"""Referrals to partners and offices, transfers between offices: consent, who answers, who sees what."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from pristan.assistance.services import service_add
from pristan.cases.models import ConsentPurpose
from pristan.cases.selectors import CaseFilters, case_search
from pristan.cases.services import consent_override, consent_record
from pristan.core import access
from pristan.core.models import AuditEntry, Organisation, Role
from pristan.core.policy import Section
from pristan.core.services import membership_grant, partner_membership_grant
from pristan.referrals import selectors
from pristan.referrals.models import ReferralStatus, TransferStatus
from pristan.referrals.services import (
    referral_move,
    referral_record_incoming,
    referral_send,
    transfer_cancel,
    transfer_decide,
    transfer_request,
)

REASON = "AdditionalServicesRequired"


@pytest.fixture
def skopje_supervisor(skopje, django_user_model):
    user = django_user_model.objects.create_user("stefan")
    membership_grant(actor=None, user=user, office=skopje, role=Role.SUPERVISOR, child_clearance=False)
    return user


def _sees(user, case) -> bool:
    return access.cases_for(user).filter(pk=case.pk).exists() and access.grant_for(user, case) is not None


def test_a_referral_to_a_partner_needs_consent_or_an_override(active_case, ana, boris, partner):
    with pytest.raises(ValidationError) as error:
        referral_send(actor=ana, case=active_case, organisation=partner, reason=REASON)
    assert "consented to referral" in str(error.value)
    assert not active_case.referrals.exists()
    consent_override(actor=boris, case=active_case, purpose=ConsentPurpose.REFERRAL, reason="A child in immediate danger.")
    referral = referral_send(actor=ana, case=active_case, organisation=partner, reason=REASON, details="Needs a lawyer")
    assert referral.status == ReferralStatus.IN_PROGRESS
    active_case.refresh_from_db()
    assert active_case.referred_organisation == partner  # the HTCDS fields mirror the latest referral
    entry = AuditEntry.objects.get(action="referral", object_id=str(referral.pk))
    assert "details" in entry.fields
    assert "lawyer" not in str(entry.fields) + entry.detail


def test_bad_referrals_are_explained_and_nothing_is_written(active_case, ana, partner, sofia, organisation):
    consent_record(actor=ana, case=active_case, purpose=ConsentPurpose.REFERRAL, given=True)
    cases = [
        ({"reason": "Because"}, "reason"),
        ({"reason": REASON, "organisation": partner, "office": sofia}, "organisation"),
        ({"reason": REASON}, "organisation"),
        ({"reason": REASON, "office": sofia}, "office"),  # the case is already there
        ({"reason": REASON, "organisation": organisation}, "organisation"),  # our own organisation is not a partner
        ({"reason": REASON, "organisation": partner, "referred_on": date(2999, 1, 1)}, "referred_on"),
    ]
    for data, field in cases:
        with pytest.raises(ValidationError) as error:
            referral_send(actor=ana, case=active_case, **data)
        assert field in error.value.error_dict, data
    assert not active_case.referrals.exists()


def test_a_partner_sees_the_case_while_the_referral_is_open_and_consent_holds(active_case, ana, partner, partner_user):
    consent_record(actor=ana, case=active_case, purpose=ConsentPurpose.REFERRAL, given=True)
    referral = referral_send(actor=ana, case=active_case, organisation=partner, reason=REASON)
    assert _sees(partner_user, active_case)
    assert access.visible_sections(partner_user, active_case) == frozenset({Section.SUMMARY, Section.ASSISTANCE})
    assert [r.pk for r in selectors.referrals_awaiting(partner_user)] == [referral.pk]
    with pytest.raises(PermissionDenied):
        referral_move(actor=ana, referral=referral, status=ReferralStatus.ACCEPTED)  # the sender does not answer
    referral_move(actor=partner_user, referral=referral, status=ReferralStatus.ACCEPTED)
    consent_record(actor=ana, case=active_case, purpose=ConsentPurpose.REFERRAL, given=False)
    assert not _sees(partner_user, active_case)  # consent withdrawn: access ends at once
    consent_record(actor=ana, case=active_case, purpose=ConsentPurpose.REFERRAL, given=True)
    assert _sees(partner_user, active_case)
    with pytest.raises(PermissionDenied):
        referral_move(actor=partner_user, referral=referral, status=ReferralStatus.DONE)  # the sender closes
    referral_move(actor=ana, referral=referral, status=ReferralStatus.DONE)
    assert not _sees(partner_user, active_case)
    assert case_search(user=partner_user, filters=CaseFilters()).count() == 0


def test_a_declined_or_revoked_referral_ends_access_and_stays_in_the_record(active_case, ana, partner, partner_user):
    consent_record(actor=ana, case=active_case, purpose=ConsentPurpose.REFERRAL, given=True)
    declined = referral_send(actor=ana, case=active_case, organisation=partner, reason=REASON)
    referral_move(actor=partner_user, referral=declined, status=ReferralStatus.DECLINED, note="No places this month.")
    assert not _sees(partner_user, active_case)
    with pytest.raises(ValidationError):
        referral_move(actor=ana, referral=declined, status=ReferralStatus.ACCEPTED)  # no way back
    revoked = referral_send(actor=ana, case=active_case, organisation=partner, reason=REASON)
    referral_move(actor=ana, referral=revoked, status=ReferralStatus.REVOKED)
    assert not _sees(partner_user, active_case)
    assert sorted(active_case.referrals.values_list("status", flat=True)) == ["declined", "revoked"]


def test_another_partner_cannot_answer(active_case, ana, partner, django_user_model):
    consent_record(actor=ana, case=active_case, purpose=ConsentPurpose.REFERRAL, given=True)
    referral = referral_send(actor=ana, case=active_case, organisation=partner, reason=REASON)
    other = django_user_model.objects.create_user("other-partner")
    partner_membership_grant(actor=None, user=other, organisation=Organisation.objects.create(name="Other NGO"))
    assert not _sees(other, active_case)
    with pytest.raises(PermissionDenied):
        referral_move(actor=other, referral=referral, status=ReferralStatus.ACCEPTED)


def test_a_referral_of_a_sensitive_service_is_hidden_from_readers_without_its_section(
    active_case, ana, partner, django_user_model, sofia
):
    consent_record(actor=ana, case=active_case, purpose=ConsentPurpose.REFERRAL, given=True)
    medical = service_add(actor=ana, case=active_case, data={"kind": "medical"})
    partner.service_kinds = ["medical"]  # a medical service is referred only to a partner that offers it
    partner.save()
    referral_send(actor=ana, case=active_case, organisation=partner, service=medical, reason=REASON)
    mover = django_user_model.objects.create_user("mover")
    membership_grant(actor=None, user=mover, office=sofia, role=Role.MOVEMENT_OFFICER, child_clearance=True)
    assert selectors.referrals_of(user=mover, case=active_case).count() == 0
    assert selectors.referrals_of(user=ana, case=active_case).count() == 1


def test_an_office_referral_lets_the_other_office_read_and_answer(active_case, ana, skopje, marko, skopje_supervisor):
    consent_record(actor=ana, case=active_case, purpose=ConsentPurpose.REFERRAL, given=True)
    assert not _sees(skopje_supervisor, active_case)
    referral = referral_send(actor=ana, case=active_case, office=skopje, reason=REASON)
    assert _sees(skopje_supervisor, active_case)
    assert not access.can_write(skopje_supervisor, active_case)
    assert not _sees(marko, active_case)  # a caseworker of own cases answers nothing for the office
    referral_move(actor=skopje_supervisor, referral=referral, status=ReferralStatus.ACCEPTED)
    referral_move(actor=ana, referral=referral, status=ReferralStatus.DONE)
    assert not _sees(skopje_supervisor, active_case)


def test_an_incoming_referral_is_recorded_accepted(case, ana, partner):
    referral = referral_record_incoming(actor=ana, case=case, organisation=partner, reason=REASON, details="From the police")
    assert referral.status == ReferralStatus.ACCEPTED
    case.refresh_from_db()
    assert (case.referring_organisation, case.incoming_referral_reason) == (partner, REASON)
    with pytest.raises(ValidationError):
        referral_record_incoming(actor=ana, case=case, organisation=partner, reason="Whim")


def test_a_transfer_needs_consent_and_a_receiving_supervisor(active_case, ana, boris, sofia, skopje, marko, skopje_supervisor):
    with pytest.raises(ValidationError) as error:
        transfer_request(actor=ana, case=active_case, to_office=skopje, reason="She returns home to Skopje.")
    assert "consented to the transfer" in str(error.value)
    consent_record(actor=ana, case=active_case, purpose=ConsentPurpose.TRANSFER, given=True)
    with pytest.raises(ValidationError):
        transfer_request(actor=ana, case=active_case, to_office=sofia, reason="She returns home to Skopje.")
    transfer = transfer_request(actor=ana, case=active_case, to_office=skopje, reason="She returns home to Skopje.")
    with pytest.raises(ValidationError):  # one at a time
        transfer_request(actor=ana, case=active_case, to_office=skopje, reason="She returns home to Skopje.")
    assert access.visible_sections(skopje_supervisor, active_case) == frozenset({Section.SUMMARY, Section.CONSENT})
    assert not _sees(marko, active_case)
    assert [t.pk for t in selectors.transfers_awaiting(skopje_supervisor)] == [transfer.pk]
    for outsider in (boris, marko, ana):
        with pytest.raises(PermissionDenied):
            transfer_decide(actor=outsider, transfer=transfer, accept=True)

    transfer_decide(actor=skopje_supervisor, transfer=transfer, accept=True)
    active_case.refresh_from_db()
    assert (active_case.office, active_case.owner) == (skopje, skopje_supervisor)
    assert access.can_write(skopje_supervisor, active_case)
    # The sending office keeps reading what its role allows, and changes nothing.
    assert access.visible_sections(boris, active_case) == access.visible_sections(skopje_supervisor, active_case)
    assert not access.can_write(boris, active_case)
    assert not _sees(ana, active_case)  # her own cases only: it is no longer hers
    assert AuditEntry.objects.filter(action="transfer", object_id=str(transfer.pk)).count() == 2
    with pytest.raises(ValidationError):
        transfer_decide(actor=skopje_supervisor, transfer=transfer, accept=False)


def test_a_childs_case_is_not_shown_to_a_receiving_supervisor_without_clearance(open_case, ana, boris, skopje, skopje_supervisor):
    child = open_case("Мила", "Петрова", date_of_birth=date(2015, 5, 5))
    consent_record(actor=ana, case=child, purpose=ConsentPurpose.TRANSFER, given=True)
    transfer_request(actor=ana, case=child, to_office=skopje, reason="She returns home to Skopje.")
    assert not _sees(skopje_supervisor, child)
    assert selectors.transfers_awaiting(skopje_supervisor) == []


def test_a_transfer_can_be_cancelled_or_declined(active_case, ana, skopje, skopje_supervisor, sofia):
    consent_record(actor=ana, case=active_case, purpose=ConsentPurpose.TRANSFER, given=True)
    cancelled = transfer_request(actor=ana, case=active_case, to_office=skopje, reason="She returns home to Skopje.")
    cancelled = transfer_cancel(actor=ana, transfer=cancelled)
    assert not _sees(skopje_supervisor, active_case)
    declined = transfer_request(actor=ana, case=active_case, to_office=skopje, reason="She returns home to Skopje.")
    declined = transfer_decide(actor=skopje_supervisor, transfer=declined, accept=False)
    active_case.refresh_from_db()
    assert active_case.office == sofia
    assert [cancelled.status, declined.status] == [TransferStatus.CANCELLED, TransferStatus.DECLINED]


def test_the_directory_finds_partners_by_service_and_place(partner):
    Organisation.objects.create(name="Safe House Ohrid", city="Ohrid", country="MK", service_kinds=["accommodation"])
    partner.service_kinds = ["legal", "psychosocial"]
    partner.save()
    assert [o.name for o in selectors.partner_directory(service="accommodation")] == ["Safe House Ohrid"]
    assert [o.name for o in selectors.partner_directory(service="legal")] == [partner.name]
    assert [o.name for o in selectors.partner_directory(country="MK")] == ["Safe House Ohrid"]
    assert selectors.partner_directory(name="nobody").count() == 0
    assert all(not o.is_operator for o in selectors.partner_directory())


def test_the_referrals_page_end_to_end(active_case, ana, partner, partner_user, client_of):
    client = client_of(ana)
    url = reverse("case_referrals", args=[active_case.reference])
    form = {"referral-organisation": partner.pk, "referral-reason": REASON}
    assert client.get(url).status_code == 200
    response = client.post(reverse("referral_create", args=[active_case.reference]), form)
    assert response.status_code == 422
    assert "consented to referral" in response.content.decode()
    consent_record(actor=ana, case=active_case, purpose=ConsentPurpose.REFERRAL, given=True)
    response = client.post(reverse("referral_create", args=[active_case.reference]), form)
    assert response.status_code == 302
    referral = active_case.referrals.get()
    partner_client = client_of(partner_user)
    inbox = partner_client.get(reverse("referral_inbox")).content.decode()
    assert active_case.reference in inbox
    response = partner_client.post(reverse("referral_status", args=[referral.pk]), {"status": "declined"})
    assert response.status_code == 302
    assert response["Location"] == reverse("referral_inbox")  # the case is gone for them
    assert partner_client.get(url).status_code == 404
    assert client.get(reverse("partner_directory"), {"service": "legal"}).status_code == 200


def test_a_referral_of_another_office_is_absent(active_case, ana, partner, marko, client_of):
    consent_record(actor=ana, case=active_case, purpose=ConsentPurpose.REFERRAL, given=True)
    referral = referral_send(actor=ana, case=active_case, organisation=partner, reason=REASON)
    response = client_of(marko).post(reverse("referral_status", args=[referral.pk]), {"status": "accepted"})
    assert response.status_code == 404
    with pytest.raises(Http404):
        access.case_for(marko, active_case.reference)
