"""Administration services: who may grant what, self-changes refused, and every change audited."""

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice

from conftest import authenticator_of, current_code, member
from pristan.accounts import first_sign_in
from pristan.accounts.models import Authenticator, SignInLink, UserSession
from pristan.administration import services
from pristan.core.models import AuditEntry, Membership, Role, Scope
from pristan.core.services import membership_grant, membership_revoke

NEW: dict[str, Any] = {"username": "dana", "full_name": "Dana Koleva", "email": "dana@example.org"}


def entries(**filters) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(**filters).order_by("sequence"))


def test_an_office_administrator_adds_a_caseworker_to_their_office_audited(vera, sofia):
    new = services.user_add(actor=vera, office=sofia, role=Role.CASEWORKER, **NEW)

    user = User.objects.get(username="dana")
    assert (user.first_name, user.last_name, user.email) == ("Dana", "Koleva", "dana@example.org")
    assert not user.has_usable_password()
    membership = Membership.objects.get(user=user)
    assert (membership.office, membership.role, membership.scope, membership.child_clearance) == (
        sofia,
        "caseworker",
        "assigned",
        False,
    )
    kinds = [(entry.object_type, entry.action) for entry in entries(actor=vera)]
    assert kinds == [("auth.user", "create"), ("core.membership", "create"), ("accounts.signinlink", "create")]
    # The link's secret is shown once and never stored: only its keyed digest is.
    link = SignInLink.objects.get(user=user)
    assert new.link_secret
    assert new.link_secret not in link.digest
    assert link.digest == first_sign_in.link_digest(new.link_secret)


def test_nothing_is_written_when_the_office_is_not_theirs(vera, skopje):
    before = (User.objects.count(), AuditEntry.objects.count())
    with pytest.raises(PermissionDenied, match="SKP"):
        services.user_add(actor=vera, office=skopje, role=Role.CASEWORKER, **NEW)
    assert (User.objects.count(), AuditEntry.objects.count()) == before


@pytest.mark.parametrize(
    ("grant", "refusal"),
    [
        ({"role": Role.SYSTEM_ADMIN}, "Only a system administrator grants"),
        ({"role": Role.OFFICE_ADMIN}, "Only a system administrator grants"),
        ({"role": Role.CASEWORKER, "scope": Scope.GLOBAL}, "scope wider than your own"),
        ({"role": Role.ANALYST}, "scope wider than your own"),  # an analyst's usual reach is every office
        ({"role": Role.CASEWORKER, "scope": Scope.REGION}, "several offices"),
    ],
)
def test_an_office_administrator_grants_no_more_than_they_hold(vera, sofia, skopje, grant, refusal):
    with pytest.raises(PermissionDenied, match=refusal):
        services.user_add(actor=vera, office=sofia, region_offices=[skopje], **NEW, **grant)
    assert not User.objects.filter(username="dana").exists()


def test_no_child_protection_clearance_one_lacks(sofia, ana):
    uncleared = member("olga", sofia, Role.OFFICE_ADMIN, child_clearance=False)
    with pytest.raises(PermissionDenied, match="clearance you do not hold"):
        membership_grant(actor=uncleared, user=ana, office=sofia, role=Role.CASEWORKER, child_clearance=True)
    membership_grant(actor=uncleared, user=ana, office=sofia, role=Role.SUPERVISOR, child_clearance=False)
    assert Membership.objects.get(user=ana).role == Role.SUPERVISOR


def test_nobody_changes_their_own_access(vera, sysadmin, sofia):
    with pytest.raises(PermissionDenied, match="own access"):
        membership_grant(actor=vera, user=vera, office=sofia, role=Role.CASEWORKER)
    with pytest.raises(PermissionDenied, match="own access"):
        membership_revoke(actor=sysadmin, user=sysadmin, office=sofia)
    with pytest.raises(PermissionDenied, match="own access"):
        services.user_set_active(actor=sysadmin, user=sysadmin, active=False)
    assert Membership.objects.filter(user__in=[vera, sysadmin]).count() == 2


def test_an_office_administrator_does_not_touch_administrators_or_people_of_other_offices(vera, sofia, skopje, marko, ana):
    other_admin = member("olga", sofia, Role.OFFICE_ADMIN)
    with pytest.raises(PermissionDenied, match="administrator"):
        membership_grant(actor=vera, user=other_admin, office=sofia, role=Role.CASEWORKER)
    with pytest.raises(PermissionDenied, match="administrator"):
        membership_revoke(actor=vera, user=other_admin, office=sofia)
    with pytest.raises(PermissionDenied):
        services.user_set_active(actor=vera, user=marko, active=False)
    with pytest.raises(PermissionDenied, match="SKP"):
        membership_revoke(actor=vera, user=marko, office=skopje)
    # Ana also works in Skopje: Vera ends her role in Sofia, but her account is a system administrator's to close.
    membership_grant(actor=None, user=ana, office=skopje, role=Role.CASEWORKER)
    with pytest.raises(PermissionDenied, match="also works in an office"):
        services.user_set_active(actor=vera, user=ana, active=False)
    membership_revoke(actor=vera, user=ana, office=sofia)
    assert list(Membership.objects.filter(user=ana).values_list("office__code", flat=True)) == ["SKP"]
    assert entries(actor=vera, action="delete", object_type="core.membership")[0].office == sofia


def test_a_system_administrator_makes_administrators_and_regions(sysadmin, sofia, skopje):
    new = services.user_add(actor=sysadmin, office=sofia, role=Role.OFFICE_ADMIN, child_clearance=True, **NEW)
    membership = membership_grant(
        actor=sysadmin, user=new.user, office=sofia, role=Role.SUPERVISOR, scope=Scope.REGION, region_offices=[skopje]
    )
    assert list(membership.region_offices.all()) == [skopje]
    assert entries(actor=sysadmin, object_type="core.membership")[-1].fields == [
        "child_clearance",
        "region_offices",
        "role",
        "scope",
    ]
    with pytest.raises(ValidationError) as error:
        membership_grant(actor=sysadmin, user=new.user, office=sofia, role=Role.SUPERVISOR, scope=Scope.REGION)
    assert "region_offices" in error.value.message_dict


def test_deactivating_ends_every_session_and_is_audited(vera, ana, client_of):
    client_of(ana)
    assert UserSession.objects.filter(user=ana).exists()
    services.user_set_active(actor=vera, user=ana, active=False)
    ana.refresh_from_db()
    assert not ana.is_active
    assert not UserSession.objects.filter(user=ana).exists()
    assert entries(actor=vera, object_type="auth.user")[-1].detail == "deactivated"
    with pytest.raises(ValidationError):
        services.user_set_active(actor=vera, user=ana, active=False)
    services.user_set_active(actor=vera, user=ana, active=True)
    ana.refresh_from_db()
    assert ana.is_active


def test_resetting_the_second_step_removes_devices_with_an_audit_entry_each(vera, ana):
    device = authenticator_of(ana)
    StaticDevice.objects.create(user=ana, name="Recovery codes", confirmed=True)
    assert services.user_second_step_reset(actor=vera, user=ana) == 2
    assert not Authenticator.objects.filter(user=ana).exists()
    assert not StaticDevice.objects.filter(user=ana).exists()
    deleted = entries(actor=vera, action="delete")
    assert next((entry.object_type, entry.object_id) for entry in deleted) == ("accounts.authenticator", str(device.pk))
    assert {entry.object_type for entry in deleted} == {"accounts.authenticator", "otp_static.staticdevice"}


def test_replacing_an_authenticator_records_the_deletion_of_the_old_one(ana, client_of):
    """Section 6 of issue 10: deleting a second-step device wrote no audit entry."""
    client = client_of(ana)
    old = Authenticator.objects.get(user=ana, confirmed=True)
    client.get("/accounts/two-step/set-up/")
    new = Authenticator.objects.get(user=ana, confirmed=False)
    response = client.post("/accounts/two-step/set-up/", {"code": current_code(new)})
    assert response.status_code == 302
    deleted = entries(actor=ana, action="delete", object_type="accounts.authenticator")
    assert [entry.object_id for entry in deleted] == [str(old.pk)]
    assert deleted[0].detail == "replaced by a new authenticator"


def test_a_link_works_once_until_it_expires(ana):
    secret = first_sign_in.sign_in_link_create(actor=None, user=ana)
    assert first_sign_in.sign_in_link_find(secret=secret) is not None
    assert first_sign_in.sign_in_link_find(secret=secret + "x") is None
    SignInLink.objects.filter(user=ana).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert first_sign_in.sign_in_link_find(secret=secret) is None
    second = first_sign_in.sign_in_link_create(actor=None, user=ana)
    client = Client()
    response = client.post(
        f"/welcome/{second}/", {"new_password1": "violet-lantern-orbit-73", "new_password2": "violet-lantern-orbit-73"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/two-step/set-up/"
    assert Client().get(f"/welcome/{second}/").status_code == 404  # used
    ana.refresh_from_db()
    assert ana.check_password("violet-lantern-orbit-73")


def test_offices_and_partners_are_validated_field_by_field(sysadmin, sofia):
    with pytest.raises(ValidationError) as error:
        services.office_add(actor=sysadmin, code="SOF", name="", country="XX", time_zone="Europe/Nowhere")
    assert set(error.value.message_dict) == {"code", "name", "country", "time_zone"}
    office = services.office_add(actor=sysadmin, code="var", name="Varna Field Office", country="bg", time_zone="Europe/Sofia")
    assert (office.code, office.country, office.time_zone, office.organisation) == (
        "VAR",
        "BG",
        "Europe/Sofia",
        sofia.organisation,
    )
    with pytest.raises(ValidationError) as error:
        services.parse_services("medical,massage")
    assert "massage" in error.value.message_dict["services"][0]
    partner = services.partner_add(actor=sysadmin, name="La Strada", country="BG", services=["legal", "psychosocial"])
    assert partner.service_kinds == ["legal", "psychosocial"]
    assert not partner.is_operator
    assert [entry.object_type for entry in entries(actor=sysadmin)] == ["core.office", "core.organisation"]


def test_only_system_administrators_add_offices_partners_and_partner_users(vera, partner):
    with pytest.raises(PermissionDenied):
        services.office_add(actor=vera, code="VAR", name="Varna", country="BG")
    with pytest.raises(PermissionDenied):
        services.partner_add(actor=vera, name="La Strada", country="BG", services=[])
    with pytest.raises(PermissionDenied):
        services.partner_user_add(actor=vera, organisation=partner, **NEW)


def test_bad_input_names_the_field(vera, sofia, ana):
    with pytest.raises(ValidationError) as error:
        services.user_add(actor=vera, office=sofia, role=Role.CASEWORKER, username="ANA", full_name=" ", email="not-an-address")
    assert set(error.value.message_dict) == {"username", "name", "email"}
    with pytest.raises(ValidationError) as error:
        services.user_add(actor=vera, office=sofia, role="janitor", **NEW)
    assert set(error.value.message_dict) == {"role"}
    assert not User.objects.filter(username="dana").exists()
