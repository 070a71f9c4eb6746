"""Holes a security review found, each closed and kept closed."""

import threading
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from pristan.accounts.models import LoginAttempt
from pristan.accounts.services import PAIR_FAILURES
from pristan.assistance.services import objective_add, service_add
from pristan.cases.services import consent_record
from pristan.core import access
from pristan.core.models import AuditEntry, Role
from pristan.core.services import membership_grant, partner_membership_grant
from pristan.core.trail import TrailFilters, trail_search
from pristan.referrals.services import referral_send


def _member(django_user_model, office, role, **grant) -> User:
    user = django_user_model.objects.create_user(f"r-{role}-{len(grant)}")
    membership_grant(actor=None, user=user, office=office, role=role, **grant)
    return user


def test_sensitive_plan_objectives_stay_hidden(active_case, ana, sofia, django_user_model, client_of):
    objective_add(actor=ana, case=active_case, data={"plan_type": "Health", "objectives": "Antiretroviral therapy"})
    objective_add(actor=ana, case=active_case, data={"plan_type": "Education", "objectives": "Finish school"})
    mover = _member(django_user_model, sofia, Role.MOVEMENT_OFFICER, child_clearance=True)
    page = client_of(mover).get(reverse("case_assistance", args=[active_case.reference]))
    body = page.content.decode()
    assert "Finish school" in body
    assert "Antiretroviral" not in body
    assert [o.plan_type for o in page.context["service_form"].fields["objective"].queryset] == ["Education"]
    with pytest.raises(PermissionDenied):
        objective_add(actor=mover, case=active_case, data={"plan_type": "Health", "objectives": "x"})


def test_a_case_page_read_by_post_is_recorded(case, ana, client_of):
    client_of(ana).post(reverse("case_summary", args=[case.reference]))
    assert AuditEntry.objects.filter(action=AuditEntry.Action.VIEW, case=case).count() == 1


def test_the_trail_hides_childrens_cases_from_readers_without_clearance(open_case, boris, sofia, django_user_model):
    child = open_case(given_name="Ема", born=date.today() - timedelta(days=365 * 12))
    uncleared = _member(django_user_model, sofia, Role.SUPERVISOR, child_clearance=False)
    assert trail_search(user=uncleared, filters=TrailFilters(reference=child.reference)).count() == 0
    assert trail_search(user=boris, filters=TrailFilters(reference=child.reference)).count() > 0


def test_crafted_inputs_get_messages_not_errors(case, boris, ana, client_of):
    assert client_of(boris).get(reverse("audit_trail"), {"since": "0001-01-01"}).status_code == 200
    assert client_of(ana).post(reverse("case_list"), {"q": "a" * 60_000}).status_code == 200
    assert client_of(ana).post(reverse("case_list"), {"q": " ".join(["ab"] * 95)}).status_code == 200


def test_a_hidden_sensitive_object_does_not_exist(active_case, ana, sofia, django_user_model, client_of):
    legal = service_add(actor=ana, case=active_case, data={"kind": "legal"})
    mover = _member(django_user_model, sofia, Role.MOVEMENT_OFFICER, child_clearance=True)
    assert client_of(mover).post(reverse("service_status", args=[legal.pk]), {"status": "delivered"}).status_code == 404


def test_history_shows_no_detail_from_sections_not_granted(active_case, sofia, django_user_model, client_of):
    focal = _member(django_user_model, sofia, Role.FOCAL_POINT, child_clearance=True)
    body = client_of(focal).get(reverse("case_history", args=[active_case.reference])).content.decode()
    assert "Possible victim of trafficking" not in body
    assert "Screening" in body  # the row is there: something was recorded, not what


def test_the_consent_recorded_last_is_in_force_whatever_its_date(active_case, ana, partner, django_user_model):
    consent_record(actor=ana, case=active_case, purpose="referral", given=True, on=date(2026, 3, 1))
    referral_send(actor=ana, case=active_case, organisation=partner, reason="AdditionalServicesRequired")
    user = django_user_model.objects.create_user("partner-late")
    partner_membership_grant(actor=None, user=user, organisation=partner)
    assert access.cases_for(user).count() == 1
    consent_record(actor=ana, case=active_case, purpose="referral", given=False, on=date(2026, 2, 1))  # backdated
    assert access.cases_for(django_user_model.objects.get(pk=user.pk)).count() == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="threads need a shared server database (run on PostgreSQL)")
def test_parallel_wrong_passwords_cannot_pass_the_limit(ana):
    url = reverse("login")
    barrier = threading.Barrier(8)

    def guess() -> None:
        barrier.wait()
        try:
            Client().post(url, {"username": "ana", "password": "wrong-but-long-enough"})
        finally:
            connections.close_all()

    threads = [threading.Thread(target=guess) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    checked = LoginAttempt.objects.filter(username="ana", refused=False, succeeded=False).count()
    assert checked <= PAIR_FAILURES
    assert LoginAttempt.objects.filter(username="ana", refused=True).count() == 8 - checked
