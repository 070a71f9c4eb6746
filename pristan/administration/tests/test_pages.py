"""The administration pages through the test client, and an administrator of one office who
cannot see or touch the people of another (404)."""

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from conftest import PASSWORD, authenticator_of
from pristan.accounts.models import Authenticator
from pristan.core.models import AuditEntry, Membership

PERSON_ROUTES = ["admin_person_grant", "admin_person_revoke", "admin_person_active", "admin_person_second_step_reset",
                 "admin_person_sign_in_link"]  # fmt: skip


def test_an_office_administrator_sees_the_people_of_their_office_only(vera, ana, marko, client_of):
    page = client_of(vera).get(reverse("admin_people")).content.decode()
    assert f'href="/admin-area/people/{ana.pk}/"' in page
    assert "marko" not in page
    assert "Administration" in client_of(vera).get(reverse("my_cases")).content.decode()  # the menu link
    assert reverse("admin_people") not in client_of(ana).get(reverse("my_cases")).content.decode()


def test_the_people_of_another_office_do_not_exist_for_an_office_administrator(vera, marko, client_of):
    client = client_of(vera)
    assert client.get(reverse("admin_person", args=[marko.pk])).status_code == 404
    before = AuditEntry.objects.exclude(action="denied").count()
    for name in PERSON_ROUTES:
        assert client.post(reverse(name, args=[marko.pk]), {"office": marko.memberships.get().office_id, "role": "supervisor",
                                                            "active": "0", "confirm": "on"}).status_code == 404, name  # fmt: skip
    marko.refresh_from_db()
    assert marko.is_active
    assert Membership.objects.get(user=marko).role == "caseworker"
    assert AuditEntry.objects.exclude(action="denied").count() == before


def test_the_people_list_is_paged_and_keeps_its_office_filter(sysadmin, ana, boris, vera, marko, settings, client_of):
    settings.PRISTAN_CASES_PER_PAGE = 1  # two people a page
    client = client_of(sysadmin)
    first = client.get(reverse("admin_people"), {"office": "SOF"}).content.decode()
    assert "Page 1 of 2" in first  # ana, boris, ivo, vera: Sofia's four, two a page
    assert 'href="?office=SOF&amp;page=2"' in first
    second = client.get(reverse("admin_people"), {"office": "SOF", "page": 2}).content.decode()
    shown = re.findall(r'href="/admin-area/people/(\d+)/"', first + second)
    assert sorted(map(int, shown)) == sorted(user.pk for user in (ana, boris, sysadmin, vera))
    assert str(marko.pk) not in shown


def test_a_system_administrator_sees_everyone(sysadmin, ana, marko, partner_user, client_of):
    page = client_of(sysadmin).get(reverse("admin_people")).content.decode()
    assert all(name in page for name in ("ana", "marko", "petra"))
    assert client_of(sysadmin).get(reverse("admin_person", args=[marko.pk])).status_code == 200


def test_whoever_administers_nothing_is_refused_with_a_reason(ana, client_of):
    response = client_of(ana).get(reverse("admin_people"))
    assert response.status_code == 403
    assert "Only an office or system administrator can do this." in response.content.decode()


def test_adding_a_person_shows_the_link_once(vera, sofia, client_of):
    client = client_of(vera)
    form = {"username": "dana", "name": "Dana Koleva", "email": "dana@example.org", "office": sofia.pk, "role": "caseworker",
            "scope": "", "method": "link"}  # fmt: skip
    page = client.post(reverse("admin_person_add"), form).content.decode()
    link = re.search(r'data-testid="sign-in-link">(http://testserver/welcome/[^<]+/)<', page)
    assert link is not None
    dana = User.objects.get(username="dana")
    assert client.get(reverse("admin_person", args=[dana.pk])).content.decode().count("/welcome/") == 0  # never again
    assert Client().get(link.group(1)).status_code == 200


def test_bad_input_on_the_page_is_shown_beside_the_field(vera, ana, sofia, client_of):
    form = {"username": "ana", "name": "", "email": "nope", "office": sofia.pk, "role": "system_admin", "method": "link"}
    response = client_of(vera).post(reverse("admin_person_add"), form)
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert set(errors) == {"name", "email", "role"}  # system_admin is not among the roles an office administrator grants
    form.update(name="Ana Again", email="ana@example.org", role="caseworker")
    errors = client_of(vera).post(reverse("admin_person_add"), form).context["form"].errors
    assert errors == {"username": ["The username ana is taken: choose another."]}


def test_an_office_administrator_changes_access_deactivates_and_resets(vera, ana, sofia, client_of):
    client = client_of(vera)
    response = client.post(
        reverse("admin_person_grant", args=[ana.pk]), {"office": sofia.pk, "role": "supervisor", "scope": "office"}
    )
    assert response.status_code == 302
    assert Membership.objects.get(user=ana).role == "supervisor"
    forbidden = client.post(
        reverse("admin_person_grant", args=[ana.pk]), {"office": sofia.pk, "role": "caseworker", "scope": "global"}
    )
    assert forbidden.status_code == 403
    assert "scope wider than your own" in forbidden.content.decode()
    authenticator_of(ana)
    assert client.post(reverse("admin_person_second_step_reset", args=[ana.pk])).status_code == 422  # not confirmed
    assert client.post(reverse("admin_person_second_step_reset", args=[ana.pk]), {"confirm": "on"}).status_code == 302
    assert not Authenticator.objects.filter(user=ana).exists()
    assert client.post(reverse("admin_person_active", args=[ana.pk]), {"active": "0"}).status_code == 302
    ana.refresh_from_db()
    assert not ana.is_active
    assert client.post(reverse("admin_person_revoke", args=[ana.pk]), {"office": sofia.pk}).status_code == 302
    assert not Membership.objects.filter(user=ana).exists()


def test_an_administrator_cannot_change_their_own_access_on_the_page(vera, sofia, client_of):
    client = client_of(vera)
    assert "Nobody changes their own access" in client.get(reverse("admin_person", args=[vera.pk])).content.decode()
    response = client.post(reverse("admin_person_grant", args=[vera.pk]), {"office": sofia.pk, "role": "caseworker"})
    assert response.status_code == 403


def test_offices_and_partners_pages_for_system_administrators(sysadmin, vera, client_of):
    client = client_of(sysadmin)
    response = client.post(reverse("admin_offices"), {"code": "VAR", "name": "Varna", "kind": "field", "country": "BG",
                                                      "time_zone": "Europe/Sofia"})  # fmt: skip
    assert response.status_code == 302
    response = client.post(reverse("admin_offices"), {"code": "VAR", "name": "Varna", "kind": "field", "country": "BG",
                                                      "time_zone": "Europe/Atlantis"})  # fmt: skip
    assert response.status_code == 422
    assert set(response.context["form"].errors) == {"code", "time_zone"}
    response = client.post(reverse("admin_partners"), {"name": "La Strada", "country": "BG", "services": ["legal"]})
    assert response.status_code == 302
    partner_page = response["Location"]
    page = client.post(
        partner_page, {"username": "lena", "name": "Lena Todorova", "email": "lena@example.org", "method": "password"}
    )
    assert 'data-testid="temporary-password"' in page.content.decode()
    assert client_of(vera).get(reverse("admin_offices")).status_code == 403
    assert client_of(vera).get(partner_page).status_code == 403


@pytest.mark.parametrize("method", ["link", "password"])
def test_a_new_user_chooses_a_password_before_setting_up_the_second_step(vera, sofia, client_of, method):
    form = {"username": "dana", "name": "Dana Koleva", "email": "dana@example.org", "office": sofia.pk, "role": "caseworker",
            "method": method}  # fmt: skip
    page = client_of(vera).post(reverse("admin_person_add"), form).content.decode()
    client = Client()
    chosen = {"new_password1": "violet-lantern-orbit-73", "new_password2": "violet-lantern-orbit-73"}
    if method == "link":
        found = re.search(r"/welcome/([^/<]+)/", page)
        assert found is not None
        secret = found.group(1)
        response = client.post(f"/welcome/{secret}/", chosen)
    else:
        found = re.search(r'data-testid="temporary-password">([^<]+)<', page)
        assert found is not None
        password = found.group(1)
        response = client.post(reverse("login"), {"username": "dana", "password": password}, follow=True)
        assert response.redirect_chain[-1][0].startswith(reverse("password_change"))
        assert client.get(reverse("mfa_enrol"))["Location"].startswith(reverse("password_change"))  # the password comes first
        assert client.get(reverse("my_cases"))["Location"].startswith(reverse("password_change"))
        response = client.post(reverse("password_change"), chosen)
    assert response.status_code == 302
    response = client.get(reverse("my_cases"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("mfa_enrol"))
    assert User.objects.get(username="dana").check_password("violet-lantern-orbit-73")


def test_changing_ones_password_asks_for_the_current_one(ana, client_of):
    client = client_of(ana)
    response = client.post(reverse("password_change"), {"old_password": "wrong", "new_password1": "violet-lantern-orbit-73",
                                                        "new_password2": "violet-lantern-orbit-73"})  # fmt: skip
    assert response.status_code == 422
    response = client.post(reverse("password_change"), {"old_password": PASSWORD, "new_password1": "violet-lantern-orbit-73",
                                                        "new_password2": "violet-lantern-orbit-73"})  # fmt: skip
    assert response.status_code == 302
    assert client.get(reverse("my_cases")).status_code == 200  # this session goes on


def test_the_demo_administrators_see_the_staff_of_the_demo_offices(db, client_of):
    from pristan.demo.accounts import ensure_demo_accounts, ensure_demo_offices

    users = ensure_demo_accounts(ensure_demo_offices())
    office_admin = client_of(users["admin.sofia"]).get(reverse("admin_people")).content.decode()
    assert "caseworker.sofia" in office_admin
    assert "supervisor.sofia" in office_admin
    assert "caseworker.skopje" not in office_admin
    system_admin = client_of(users["sysadmin.sofia"])
    assert all(
        name in system_admin.get(reverse("admin_people")).content.decode()
        for name in ("caseworker.skopje", "caseworker.sarajevo")
    )
    assert all(code in system_admin.get(reverse("admin_offices")).content.decode() for code in ("SOF", "SKP", "SJJ"))
